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
from edgeseg.train.recipes import CROP_SAMPLINGS, Recipe, get_recipe
from edgeseg.train.schedules import Schedule

TEACHER_MAPS = "teacher_maps.safetensors"  # a distillation's teacher probabilities, reused on --resume
SESSION_ONLY = ("progress", "stop_after")  # options of one session, never saved in a run's config.json


@dataclass
class TrainOptions:
    """Everything `edgeseg train` accepts; saved as ``config.json`` in the run folder."""

    recipe: str
    data: str
    out: str
    epochs: int | None = None
    size: int | None = None
    batch_size: int | None = None
    accumulate: int = 1
    device: str = "auto"
    amp: bool = False
    amp_dtype: str | None = None
    seed: int = DEFAULT_SEED
    val_fraction: float = DEFAULT_VAL_FRACTION
    val_fold: str | None = None  # "K/N": validate on fold K of N instead of val_fraction
    val_every: int | None = None
    crop: int | None = None
    crop_sampling: str = "per-image"
    workers: int = 0
    threads: int | None = None
    channels_last: bool | None = None
    compile: bool = False
    max_iterations: int | None = None
    checkpoint_every: int | None = None
    checkpoint_minutes: float = 5.0
    precise_bn_images: int = 32
    init: str | None = None
    pretrained: str | None = None
    lr: float | None = None
    optimizer: str | None = None
    schedule: str | None = None
    ema: float | None = None
    teachers: list[str] = field(default_factory=list)
    distill_weight: float = 1.0
    teacher_calibration: str = "none"
    model_options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    stop_after: float | None = None  # minutes: checkpoint and stop at the first epoch end past it (this session only)
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
    if options.schedule is not None:  # every stage decays (poly) or keeps (constant) its rate over its own epochs
        stages = updates.get("stages", recipe.stages)
        updates["stages"] = tuple(dataclasses.replace(stage, schedule=Schedule(options.schedule)) for stage in stages)
    if options.teachers:  # distillation recipes take their teachers from the options
        stages = updates.get("stages", recipe.stages)
        teaching = {"teachers": list(options.teachers), "weight": options.distill_weight,
                    "cache": str(Path(options.out) / TEACHER_MAPS), "progress": options.progress,
                    "calibration": options.teacher_calibration}
        updates["stages"] = tuple(dataclasses.replace(stage, loss_options={**stage.loss_options, **teaching}) for stage in stages)
    return dataclasses.replace(recipe, **updates)
