"""The training engine: one loop for every recipe, on the CPU or CUDA, on one or many processes.

- Device: ``auto`` picks CUDA when present. Mixed precision (``amp``): bf16 autocast where the
  device supports it, else fp16 with a gradient scaler. Channels-last memory format on CUDA.
- Scale: `torchrun` + DistributedDataParallel (NCCL on CUDA, gloo on the CPU); each process
  trains on its slice of every global batch, and gradient accumulation splits further, so
  ``global batch = per-process batch x processes x accumulation`` gives the same training for
  any split (BatchNorm statistics aside, which are per micro-batch in every case).
- Determinism: model initialisation from ``seed``; every sample's augmentation from
  (seed, epoch, position); the learning rate from the position alone.
- Checkpoints that lose nothing: ``resume.safetensors`` (weights, optimizer, scaler, RNG,
  position) every few minutes and at every epoch end, ``last.safetensors`` and
  ``best.safetensors`` (weights + model card, best by mean validation AUPR); all written
  atomically. ``resume=True`` continues from the position in ``resume.safetensors``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from edgeseg.checkpoint import load_resume, restore_optimizer, restore_rng, save_model, save_resume
from edgeseg.data.datasets import open_split, read_manifest
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_json, read_json
from edgeseg.train.datasets import cache_images, micro_batch
from edgeseg.train.distributed import Distributed, barrier, init_distributed, select_device, shutdown
from edgeseg.train.preprocessing import Preprocessing, mean_std
from edgeseg.train.recipes import Recipe, Stage, get_recipe
from edgeseg.train.runlog import RunLog
from edgeseg.train.schedules import Schedule
from edgeseg.train.tasks import StepContext, build_task
from edgeseg.train.validation import recalibrate_batchnorm, split_train_val, validate

CONFIG = "config.json"
RESUME = "resume.safetensors"
TEACHER_MAPS = "teacher_maps.safetensors"  # a distillation's teacher probabilities, reused on --resume


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
    seed: int = 0
    val_fraction: float = 0.15
    val_every: int | None = None
    crop: int | None = None
    workers: int = 0
    threads: int | None = None
    channels_last: bool | None = None
    compile: bool = False
    max_iterations: int | None = None
    checkpoint_every: int | None = None
    checkpoint_minutes: float = 5.0
    precise_bn_images: int = 32
    init: str | None = None
    lr: float | None = None
    optimizer: str | None = None
    schedule: str | None = None
    teachers: list[str] = field(default_factory=list)
    distill_weight: float = 1.0
    teacher_calibration: str = "none"
    model_options: dict[str, Any] = field(default_factory=dict)
    progress: bool = True
    command: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "TrainOptions":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


@dataclass
class TrainingData:
    """Cached images: the training and validation parts of the training split, the graded
    images without masks (SUNet), the fitted preprocessing, the data set's manifest, its folder
    and the model's lesion channels."""

    train: list
    val: list
    graded_train: list
    graded_val: list
    preprocessing: Preprocessing
    manifest: dict | None
    root: str = ""
    lesions: tuple[str, ...] = ()


@dataclass
class RunSummary:
    run_dir: Path
    best_epoch: int | None
    best_metrics: dict[str, float]
    seconds_per_epoch: float
    epochs_done: int


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


def _move(batch: Any, device: torch.device, channels_last: bool) -> Any:
    if isinstance(batch, torch.Tensor):
        batch = batch.to(device, non_blocking=True)
        return batch.contiguous(memory_format=torch.channels_last) if channels_last and batch.dim() == 4 else batch
    if isinstance(batch, (list, tuple)):
        return type(batch)(_move(item, device, channels_last) for item in batch)
    return batch


def _make_optimizer(stage: Stage, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    spec = stage.optimizer
    if spec.name == "adam":
        return torch.optim.Adam(parameters, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.name == "sgd":
        return torch.optim.SGD(parameters, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    raise EdgesegError(f"unknown optimizer {spec.name!r}")


def _trainable(model: nn.Module, stage: Stage) -> list[nn.Parameter]:
    """Set requires_grad for the stage and return the parameters that learn."""
    chosen = set(map(id, model.stage_parameters(stage.trainable))) if stage.trainable else None
    for parameter in model.parameters():
        parameter.requires_grad_(chosen is None or id(parameter) in chosen)
    return [parameter for parameter in model.parameters() if parameter.requires_grad]


def _initialise(model: nn.Module, source: str) -> None:
    """Start from the weights of another model file or run (fine-tuning, a second phase)."""
    from edgeseg.checkpoint import load_model

    donor, card = load_model(source)
    if card["model"] != model.model_name or tuple(card["lesions"]) != tuple(model.lesions):
        raise EdgesegError(
            f"--init {source}: a {card['model']} model for {', '.join(card['lesions'])}, but this recipe trains "
            f"{model.model_name} for {', '.join(model.lesions)}"
        )
    model.load_state_dict(donor.state_dict())


def _amp_dtype(options: TrainOptions, device: torch.device) -> torch.dtype | None:
    if not options.amp:
        return None
    if options.amp_dtype:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}[options.amp_dtype]
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        return torch.float16
    return torch.bfloat16


class Trainer:
    """Runs one training job described by :class:`TrainOptions`; see the module docstring."""

    def __init__(self, options: TrainOptions, resume: bool = False) -> None:
        self.options = options
        self.resume = resume
        self.run_dir = Path(options.out)
        self.recipe = resolve_recipe(options)

    # -- set-up ------------------------------------------------------------------------------
    def _check_run_dir(self) -> None:
        """A new run must not overwrite another's weights: checked before anything is built or
        loaded. A folder without weights (a run stopped before its first checkpoint, which
        ``--resume`` cannot continue) is started afresh; a distillation there reuses the teachers'
        maps it had computed."""
        if not self.resume and any((self.run_dir / name).exists() for name in (RESUME, "last.safetensors", "best.safetensors")):
            raise EdgesegError(f"{self.run_dir}: already holds a run; continue it with --resume {self.run_dir} or choose a new --out")

    def _prepare_run_dir(self, info: Distributed) -> None:
        """Create the run folder, once the model is built and the data loaded: a run that fails
        before (an unknown model option, a missing data set) leaves no folder that a corrected
        command would then refuse as an existing run."""
        if not info.is_main:
            return
        if self.resume:
            for stale in self.run_dir.glob(".*.tmp"):  # left by a write that a kill interrupted
                stale.unlink()
            return
        self.run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_json(self.run_dir / CONFIG, dataclasses.asdict(self.options))

    def _load_data(self, lesions: tuple[str, ...]) -> TrainingData:
        """Cache the training split (masks, and grades for grading recipes), carve the
        validation split from it, and fit the normalisation on the training part."""
        from edgeseg.data.folder import list_splits, read_folder, read_grades, split_dir

        options, recipe = self.options, self.recipe
        samples = open_split(options.data, "train")
        train_indices, val_indices = split_train_val(len(samples), options.val_fraction, options.seed)
        geometry = Preprocessing(recipe.size, recipe.clahe, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
        threads = max(1, torch.get_num_threads())
        grades: dict[str, tuple[int, int]] = {}
        graded: list = []
        if recipe.data == "grading":
            grades = read_grades(split_dir(options.data, "train"))
            grading_root = Path(options.data) / "grading"
            if "train" in list_splits(grading_root):
                grading_samples = read_folder(grading_root, "train")
                grading_grades = read_grades(grading_root / "train")
                graded = cache_images(grading_samples, geometry, lesions, threads, with_masks=False, grades=grading_grades)
            if not grades and not graded:
                raise EdgesegError(
                    f"recipe {recipe.name!r} needs DR/DME grades: {options.data}/train/grades.csv (columns image, dr, dme) "
                    f"and/or graded images in {options.data}/grading/train/; `edgeseg data prepare --idrid DIR --grading` writes both"
                )
        items = cache_images(samples, geometry, lesions, threads, grades=grades)
        train_items = [items[i] for i in train_indices]
        val_items = [items[i] for i in val_indices]
        graded_train, graded_val = [], []
        if graded:
            kept, held = split_train_val(len(graded), options.val_fraction, options.seed)
            graded_train, graded_val = [graded[i] for i in kept], [graded[i] for i in held]
        mean, std = mean_std([item.image for item in train_items + graded_train])
        preprocessing = dataclasses.replace(geometry, mean=mean, std=std)
        return TrainingData(train_items, val_items, graded_train, graded_val, preprocessing, read_manifest(options.data), options.data, lesions)

    def _card(self, model: nn.Module, preprocessing: Preprocessing, manifest: dict | None, position: dict, metrics: dict) -> dict:
        source = (manifest or {}).get("source", {})
        return {
            "model": model.model_name,
            "model_options": model.build_options,
            "lesions": list(model.lesions),
            "task": model.task,
            "recipe": self.recipe.name,
            "recipe_description": self.recipe.description,
            "paper": self.recipe.paper,
            "preprocessing": preprocessing.as_dict(),
            "position": position,
            "metrics": metrics,
            "data": {"name": source.get("name", Path(self.options.data).name), "credit": (manifest or {}).get("credit", "")},
            "training": {key: value for key, value in dataclasses.asdict(self.options).items() if key not in ("progress",)},
            "edgeseg_version": _version(),
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        }

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> RunSummary:
        options = self.options
        if options.threads:
            torch.set_num_threads(options.threads)
        device_type = "cuda" if options.device.startswith("cuda") or (options.device == "auto" and torch.cuda.is_available()) else "cpu"
        info = init_distributed(device_type)
        try:
            return self._run(info)
        finally:
            shutdown(info)

    def _run(self, info: Distributed) -> RunSummary:
        from edgeseg.models import create

        options, recipe = self.options, self.recipe
        device = select_device(options.device, info.local_rank)
        channels_last = options.channels_last if options.channels_last is not None else device.type == "cuda"
        if info.is_main:
            self._check_run_dir()
        torch.manual_seed(options.seed)
        model = create(recipe.model, **recipe.model_options)
        if options.init and not self.resume:
            _initialise(model, options.init)
        lesions = tuple(model.lesions)
        data = self._load_data(lesions)
        train_items, val_items, preprocessing, manifest = data.train, data.val, data.preprocessing, data.manifest
        if not train_items:
            raise EdgesegError(f"{options.data}: no training images")
        self._prepare_run_dir(info)
        barrier(info)
        log = RunLog(self.run_dir, lesions, grading=model.task == "grading") if info.is_main else None

        position = {"stage": 0, "epoch": 0, "iteration": 0, "step": 0}
        best = {"mean": -math.inf, "epoch": None, "metrics": {}}
        resume_state = None
        if self.resume:
            weights, resume_state, card = load_resume(self.run_dir / RESUME)
            model.load_state_dict(weights)
            position = resume_state["position"]
            best = position.pop("best", best)
            restore_rng(resume_state)
            if log:
                log.truncate(position["step"])
        model.to(device)
        if channels_last:
            model = model.to(memory_format=torch.channels_last)

        amp_dtype = _amp_dtype(options, device)
        scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)
        if resume_state and resume_state.get("scaler"):
            scaler.load_state_dict(resume_state["scaler"])

        last = len(recipe.stages) - 1
        if position["stage"] > last or (position["stage"] == last and position["epoch"] >= recipe.stages[last].epochs):
            raise EdgesegError(f"{self.run_dir}: this run already finished all {recipe.epochs} epochs; pass a larger --epochs to train on")
        world, accumulation = info.world_size, options.accumulate
        global_batch = recipe.batch_size * world * accumulation
        seconds_per_epoch: list[float] = []
        last_save = time.monotonic()

        for stage_index in range(position["stage"], len(recipe.stages)):
            stage = recipe.stages[stage_index]
            task = build_task(recipe, stage, data, options.seed, options.crop)
            parameters = _trainable(model, stage)
            optimizer = _make_optimizer(stage, parameters)
            if resume_state and stage_index == position["stage"] and resume_state.get("optimizer"):
                restore_optimizer(optimizer, resume_state)
                resume_state = None
            network = model
            if info.enabled:
                network = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
            if options.compile:
                network = torch.compile(network)
            network.train()
            start_epoch = position["epoch"] if stage_index == position["stage"] else 0
            for epoch in range(start_epoch, stage.epochs):
                plan = task.plan(epoch, global_batch)
                start_iteration = position["iteration"] if (stage_index, epoch) == (position["stage"], position["epoch"]) else 0
                if options.max_iterations is not None:
                    plan = plan[: options.max_iterations]
                keys = [micro_batch(batch, info.rank, world, accumulation, m) for batch in plan[start_iteration:] for m in range(accumulation)]
                loader = torch.utils.data.DataLoader(task.dataset, batch_sampler=keys, num_workers=options.workers)
                batches = iter(loader)
                epoch_start = time.monotonic()
                losses = []
                bar = _progress(options.progress and info.is_main, len(plan), start_iteration, f"{stage.name} {epoch + 1}/{stage.epochs}")
                for iteration in range(start_iteration, len(plan)):
                    factor = stage.schedule.factor_at(epoch, iteration, len(plan), stage.epochs)
                    for group in optimizer.param_groups:
                        group["lr"] = stage.optimizer.lr * factor
                    total = 0.0
                    stage_step = epoch * len(plan) + iteration
                    for micro in range(accumulation):
                        batch = _move(next(batches), device, channels_last)
                        sync = contextlib.nullcontext() if (micro == accumulation - 1 or not info.enabled) else network.no_sync()
                        with sync, torch.autocast(device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                            context = StepContext(epoch, stage.epochs, iteration, len(plan), stage_step, options.seed)
                            loss = task.compute_loss(network, batch, context) / accumulation
                        scaler.scale(loss).backward()
                        total += float(loss.detach())
                    if not math.isfinite(total):
                        raise EdgesegError(
                            f"loss became {total} at stage {stage.name} epoch {epoch + 1} iteration {iteration + 1}; "
                            f"lower the learning rate or disable --amp"
                        )
                    scaler.step(optimizer)
                    scaler.update()
                    optimizer.zero_grad(set_to_none=True)
                    losses.append(total)
                    position = {"stage": stage_index, "epoch": epoch, "iteration": iteration + 1, "step": position["step"] + 1}
                    if log:
                        log.step({"step": position["step"], "stage": stage.name, "epoch": epoch + 1, "iteration": iteration + 1, "loss": total, "lr": optimizer.param_groups[0]["lr"]})
                    if bar:
                        bar.update(1)
                        bar.set_postfix(loss=f"{total:.4f}", val=_fmt(best["metrics"].get("mean")))
                    due = (options.checkpoint_every and position["step"] % options.checkpoint_every == 0) or (
                        time.monotonic() - last_save > 60 * options.checkpoint_minutes
                    )
                    if due and iteration + 1 < len(plan) and info.is_main:
                        self._save_resume(model, optimizer, scaler, position, best, preprocessing, manifest)
                        last_save = time.monotonic()
                if bar:
                    bar.close()
                seconds = time.monotonic() - epoch_start
                seconds_per_epoch.append(seconds)
                position = {"stage": stage_index, "epoch": epoch + 1, "iteration": 0, "step": position["step"]}
                metrics: dict[str, float] = {}
                last_epoch_of_run = stage_index == len(recipe.stages) - 1 and epoch + 1 == stage.epochs
                if info.is_main and val_items and ((epoch + 1) % recipe.val_every == 0 or last_epoch_of_run):
                    if options.precise_bn_images:
                        calibration = train_items[: options.precise_bn_images]
                        recalibrate_batchnorm(model, calibration, preprocessing, device, recipe.batch_size)
                    metrics = validate(model, val_items, preprocessing, lesions, device, data.graded_val)
                    if metrics["mean"] > best["mean"]:
                        best = {"mean": metrics["mean"], "epoch": self._global_epoch(stage_index, epoch), "metrics": metrics}
                        save_model(self.run_dir / "best.safetensors", model, self._card(model, preprocessing, manifest, position, metrics))
                if info.is_main:
                    log.epoch({"stage": stage.name, "epoch": epoch + 1, "step": position["step"], "train_loss": sum(losses) / max(1, len(losses)), "seconds": seconds, **{f"val_{k}": v for k, v in metrics.items() if not isinstance(v, dict)}})
                    save_model(self.run_dir / "last.safetensors", model, self._card(model, preprocessing, manifest, position, metrics))
                    self._save_resume(model, optimizer, scaler, position, best, preprocessing, manifest)
                    log.plot(self.run_dir / "curves.png", f"{recipe.name} on {Path(options.data).name}")
                    last_save = time.monotonic()
                barrier(info)
        if info.is_main:
            self._save_resume(model, optimizer, scaler, position, best, preprocessing, manifest)
            if not (self.run_dir / "best.safetensors").exists():
                save_model(self.run_dir / "best.safetensors", model, self._card(model, preprocessing, manifest, position, {}))
        mean_seconds = sum(seconds_per_epoch) / len(seconds_per_epoch) if seconds_per_epoch else float("nan")
        return RunSummary(self.run_dir, best["epoch"], best["metrics"], mean_seconds, len(seconds_per_epoch))

    def _global_epoch(self, stage_index: int, epoch: int) -> int:
        return sum(stage.epochs for stage in self.recipe.stages[:stage_index]) + epoch + 1

    def _save_resume(self, model, optimizer, scaler, position, best, preprocessing, manifest) -> None:
        saved_position = {**position, "best": best}
        save_resume(
            self.run_dir / RESUME,
            model,
            optimizer,
            saved_position,
            self._card(model, preprocessing, manifest, position, best.get("metrics", {})),
            scaler_state=scaler.state_dict() if scaler.is_enabled() else None,
        )


def _progress(enabled: bool, total: int, initial: int, description: str):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=description, unit="it", leave=False, dynamic_ncols=True)


def _fmt(value: float | None) -> str:
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def _version() -> str:
    from edgeseg import __version__

    return __version__


def train(options: TrainOptions) -> RunSummary:
    """Train from scratch into ``options.out``."""
    return Trainer(options).run()


def resume(run_dir: str | Path, **overrides: Any) -> RunSummary:
    """Continue the run in ``run_dir`` from its ``resume.safetensors``."""
    run_dir = Path(run_dir)
    if not (run_dir / RESUME).is_file():
        raise EdgesegError(f"{run_dir}: no {RESUME} to resume from (the run saved no checkpoint yet); start it again without --resume")
    saved = read_json(run_dir / CONFIG)
    changed = {key: value for key, value in overrides.items() if value is not None and saved.get(key) != value}
    saved.update(changed)
    saved["out"] = str(run_dir)
    options = TrainOptions.from_dict(saved)
    if set(changed) - {"progress"} and int(os.environ.get("RANK", "0")) == 0:  # later resumes keep the new settings
        atomic_write_json(run_dir / CONFIG, dataclasses.asdict(options))
    return Trainer(options, resume=True).run()
