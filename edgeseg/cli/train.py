"""`edgeseg train`: train a recipe on a data set, resumable, on the CPU or CUDA (torchrun for
several GPUs or processes)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from edgeseg.cli.options import add_options, given_options


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "train",
        help="train a paper's recipe on a data set",
        description="Train a recipe (`--list-recipes`) on a prepared or IDRiD data set. Checkpoints are "
        "written atomically; a killed run continues with --resume RUN_DIR. Several processes: "
        "torchrun --nproc-per-node N -m edgeseg train ...",
    )
    parser.add_argument("--list-recipes", action="store_true", help="print the recipes and exit")
    parser.add_argument("--status", nargs="+", type=Path, metavar="RUN_DIR",
                        help="print where each run stands (epochs done, last and best validation, time left, the command "
                        "that continues it) and exit; trains nothing")
    parser.add_argument("--recipe", help="recipe name (see --list-recipes)")
    add_training_arguments(parser)
    parser.set_defaults(handler=run_train)


def add_training_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `edgeseg train` and `edgeseg distill` share: the run's folders, and every
    :class:`~edgeseg.train.options.TrainOptions` field declared with ``option`` (name, default,
    help, choices: read from the declaration, none written here)."""
    from edgeseg.train import TrainOptions

    parser.add_argument("--data", type=Path, help="data set folder (edgeseg data prepare output, or IDRiD); with --resume: "
                        "the same data prepared elsewhere (a run keeps the path relative to the working folder)")
    parser.add_argument("--out", type=Path, help="run folder to create (default runs/<recipe>)")
    parser.add_argument("--resume", type=Path, metavar="RUN_DIR", help="continue the run in RUN_DIR")
    add_options(parser, TrainOptions)
    parser.add_argument("--lesion", help="the lesion of a single-task (st) recipe, e.g. EX")
    parser.add_argument("--group", choices=["red", "white"], help="the lesion pair of a dual-task (dt) recipe")
    parser.add_argument("--model-option", action="append", metavar="KEY=VALUE",
                        help="a model builder option, e.g. base_channels=32 (repeatable; see `edgeseg models`)")


def training_options(args: argparse.Namespace, recipe: str, **extra):
    """:class:`TrainOptions` from the shared command-line options: those given, the declared
    defaults for the rest."""
    from edgeseg.train import TrainOptions

    model_options = parse_model_options(args.model_option or [])
    model_options.update({key: value for key, value in (("lesion", args.lesion), ("group", args.group)) if value})
    return TrainOptions(
        recipe=recipe,
        data=str(args.data),
        out=str(args.out or Path("runs") / recipe),
        model_options=model_options,
        command="edgeseg " + " ".join(shlex.quote(part) for part in sys.argv[1:]),
        **given_options(args, TrainOptions),
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
    if args.status:
        from edgeseg.train.status import run_status

        for run_dir in args.status:
            print("\n".join(run_status(run_dir).lines()))
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
            remedy = f"select on the mean of all {folds} folds' runs: python benchmarks/fold_curves.py RUN_DIRS"
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
