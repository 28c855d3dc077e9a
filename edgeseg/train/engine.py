"""The training engine: one loop for every recipe, on the CPU or CUDA, on one or many processes.

- Device: ``auto`` picks CUDA when present. Mixed precision (``amp``): bf16 autocast where the
  device supports it, else fp16 with a gradient scaler. Channels-last memory format on CUDA.
- Scale: `torchrun` + DistributedDataParallel (NCCL on CUDA, gloo on the CPU); each process
  trains on its slice of every global batch, and gradient accumulation splits further, so
  ``global batch = per-process batch x processes x accumulation`` gives the same training for
  any split (BatchNorm statistics aside, which are per micro-batch in every case).
- Determinism: model initialisation from ``seed``; every sample's augmentation from
  (seed, epoch, position); the learning rate from the position alone.
- Weight averaging (``ema``, :mod:`edgeseg.train.averaging`): validation and the saved models
  hold the moving average of the weights.
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
from edgeseg.data.splits import split_grouped_train_val, split_train_val
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_json, read_json
from edgeseg.train.datasets import cache_images, micro_batch
from edgeseg.train.distributed import Distributed, barrier, init_distributed, select_device, shutdown
from edgeseg.data.statistics import channel_mean_std
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.train.options import CONFIG, RESUME, SESSION_ONLY, RunSummary, TrainOptions, resolve_recipe, saved_options
from edgeseg.train.recipes import Stage, get_recipe
from edgeseg.train.runlog import RunLog
from edgeseg.train.steps import build_task
from edgeseg.train.tasks import StepContext
from edgeseg.train.validation import images_with_lesion, recalibrate_batchnorm, validate


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


def _move(batch: Any, device: torch.device, channels_last: bool) -> Any:
    if isinstance(batch, torch.Tensor):
        batch = batch.to(device, non_blocking=True)
        return batch.contiguous(memory_format=torch.channels_last) if channels_last and batch.dim() == 4 else batch
    if isinstance(batch, (list, tuple)):
        return type(batch)(_move(item, device, channels_last) for item in batch)
    return batch


def make_optimizer(stage: Stage, parameters: list[nn.Parameter]) -> torch.optim.Optimizer:
    spec = stage.optimizer
    if spec.name == "adam":
        return torch.optim.Adam(parameters, lr=spec.lr, weight_decay=spec.weight_decay)
    if spec.name == "sgd":
        return torch.optim.SGD(parameters, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    raise EdgesegError(f"unknown optimizer {spec.name!r}")


def trainable_parameters(model: nn.Module, stage: Stage) -> list[nn.Parameter]:
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


def _check_same_data(card: dict, data: TrainingData, run_dir: Path) -> None:
    """A resumed run trains on the data it started on: the training images' channel mean and
    standard deviation (recomputed on load) match those in its resume file, to 1e-4 (data
    prepared again on another machine decodes within a grey level here and there)."""
    saved = card.get("preprocessing", {})
    if "mean" not in saved:
        return
    now = data.preprocessing
    worst = max(abs(a - b) for a, b in zip([*saved["mean"], *saved["std"]], [*now.mean, *now.std]))
    if worst > 1e-4:
        raise EdgesegError(f"{run_dir}: the data at {data.root} is not what this run trained on (channel mean/std differ by "
                           f"{worst:.4f}); prepare it with the command that made it, or pass --data DIR")


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
        atomic_write_json(self.run_dir / CONFIG, saved_options(self.options))

    def load_data(self, lesions: tuple[str, ...]) -> TrainingData:
        """Cache the training split (masks, and grades for grading recipes), carve the
        validation split from it, and fit the normalisation on the training part."""
        from edgeseg.data.folder import list_splits, read_folder, read_grades, split_dir

        options, recipe = self.options, self.recipe
        samples = open_split(options.data, "train")
        if recipe.data == "grading":  # copies of grading-test photographs never reach a grading model
            from edgeseg.data.grading import training_copies_of_test

            test_copies = training_copies_of_test(read_manifest(options.data))
            samples = [sample for sample in samples if sample.stem not in test_copies]
        try:
            train_indices, val_indices = split_train_val(len(samples), options.val_fraction, options.seed, options.val_fold)
        except ValueError as exc:
            raise EdgesegError(f"{options.data}: {exc}") from None
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
        graded_train, graded_val = [], []
        if graded:  # one split over both parts that keeps the copies of a photograph on one side
            from edgeseg.data.grading import training_groups

            groups = training_groups(read_manifest(options.data), [s.stem for s in samples], [g.stem for g in graded])
            kept, held = split_grouped_train_val(groups[0] + groups[1], options.val_fraction, options.seed, options.val_fold)
            train_indices, val_indices = [i for i in kept if i < len(samples)], [i for i in held if i < len(samples)]
            graded_train = [graded[i - len(samples)] for i in kept if i >= len(samples)]
            graded_val = [graded[i - len(samples)] for i in held if i >= len(samples)]
        train_items = [items[i] for i in train_indices]
        val_items = [items[i] for i in val_indices]
        mean, std = channel_mean_std([item.image for item in train_items + graded_train])
        preprocessing = dataclasses.replace(geometry, mean=mean, std=std)
        return TrainingData(train_items, val_items, graded_train, graded_val, preprocessing, read_manifest(options.data), options.data, lesions)

    def _card(self, session: "_Session", metrics: dict) -> dict:
        model, preprocessing, manifest = session.model, session.data.preprocessing, session.data.manifest
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
            "position": session.position,
            "metrics": metrics,
            "data": {"name": source.get("name", Path(self.options.data).name), "credit": (manifest or {}).get("credit", "")},
            "training": saved_options(self.options),
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
        session = self._start(info)
        for stage_index in range(session.position["stage"], len(self.recipe.stages)):
            self._train_stage(session, stage_index)
            if session.stopped:
                break
        return self._finish(session)

    def _start(self, info: Distributed) -> "_Session":
        """Build the model, load the data, prepare the run folder, and restore a resumed run."""
        from edgeseg.models import create

        options, recipe = self.options, self.recipe
        device = select_device(options.device, info.local_rank)
        channels_last = options.channels_last if options.channels_last is not None else device.type == "cuda"
        if info.is_main:
            self._check_run_dir()
        torch.manual_seed(options.seed)
        if options.init and options.pretrained:
            raise EdgesegError("--init and --pretrained both choose the starting weights; give one of them")
        model = create(recipe.model, **recipe.model_options)
        if options.init and not self.resume:
            _initialise(model, options.init)
        data = self.load_data(tuple(model.lesions))
        if options.pretrained and not self.resume:  # folded into the data set's normalisation, known only now
            from edgeseg.models.pretrained import load_pretrained

            load_pretrained(model, options.pretrained, data.preprocessing.mean, data.preprocessing.std)
        if not data.train:
            raise EdgesegError(f"{options.data}: no training images")
        self._prepare_run_dir(info)
        barrier(info)
        log = RunLog(self.run_dir, tuple(model.lesions), grading=model.task == "grading") if info.is_main else None
        session = _Session(info, device, channels_last, model, data, log)
        if self.resume:
            weights, session.resume_state, card = load_resume(self.run_dir / RESUME)
            _check_same_data(card, data, self.run_dir)
            model.load_state_dict(weights)
            session.position = session.resume_state["position"]
            session.best = session.position.pop("best", session.best)
            restore_rng(session.resume_state)
            if log:
                log.truncate(session.position["step"])
        model.to(device)
        if channels_last:
            session.model = model.to(memory_format=torch.channels_last)
        if options.ema is not None:
            from edgeseg.train.averaging import WeightAverage

            session.average = WeightAverage(session.model, options.ema)
            if session.resume_state:
                session.average.restore(session.resume_state["_tensors"])
        session.amp_dtype = _amp_dtype(options, device)
        session.scaler = torch.amp.GradScaler(device.type, enabled=session.amp_dtype == torch.float16)
        if session.resume_state and session.resume_state.get("scaler"):
            session.scaler.load_state_dict(session.resume_state["scaler"])
        last, position = len(recipe.stages) - 1, session.position
        if position["stage"] > last or (position["stage"] == last and position["epoch"] >= recipe.stages[last].epochs):
            raise EdgesegError(f"{self.run_dir}: this run already finished all {recipe.epochs} epochs; pass a larger --epochs to train on")
        return session

    def _train_stage(self, session: "_Session", stage_index: int) -> None:
        """One stage: its task, its trainable parameters and optimizer, its epochs."""
        options, stage, info = self.options, self.recipe.stages[stage_index], session.info
        task = build_task(self.recipe, stage, session.data, options.seed, options.crop)
        session.optimizer = make_optimizer(stage, trainable_parameters(session.model, stage))
        if session.resume_state and stage_index == session.position["stage"] and session.resume_state.get("optimizer"):
            restore_optimizer(session.optimizer, session.resume_state)
            session.resume_state = None
        network = session.model
        if info.enabled:
            device = session.device
            network = nn.parallel.DistributedDataParallel(session.model, device_ids=[device.index] if device.type == "cuda" else None)
        if options.compile:
            network = torch.compile(network)
        network.train()
        start_epoch = session.position["epoch"] if stage_index == session.position["stage"] else 0
        for epoch in range(start_epoch, stage.epochs):
            losses, seconds = self._train_epoch(session, stage_index, epoch, task, network)
            self._end_epoch(session, stage_index, epoch, losses, seconds)
            if self._time_is_up(session) and (stage_index, epoch + 1) != (len(self.recipe.stages) - 1, stage.epochs):
                session.stopped = True
                return

    def _time_is_up(self, session: "_Session") -> bool:
        """``--stop-after MINUTES`` has passed since this session started (rank 0 decides for all
        processes, so that they stop at the same epoch end)."""
        if self.options.stop_after is None:
            return False
        up = torch.tensor([float(time.monotonic() - session.started > 60 * self.options.stop_after)], device=session.device)  # NCCL: on the GPU
        if session.info.enabled:
            torch.distributed.broadcast(up, src=0)
        return bool(up.item())

    def _train_epoch(self, session: "_Session", stage_index: int, epoch: int, task: Any, network: nn.Module) -> tuple[list[float], float]:
        """The optimizer steps of one epoch (from where a resumed run stopped); (losses, seconds)."""
        options, stage, info = self.options, self.recipe.stages[stage_index], session.info
        world, accumulation = info.world_size, options.accumulate
        plan = task.plan(epoch, self.recipe.batch_size * world * accumulation)
        position = session.position
        start_iteration = position["iteration"] if (stage_index, epoch) == (position["stage"], position["epoch"]) else 0
        if options.max_iterations is not None:
            plan = plan[: options.max_iterations]
        keys = [micro_batch(batch, info.rank, world, accumulation, m) for batch in plan[start_iteration:] for m in range(accumulation)]
        batches = iter(torch.utils.data.DataLoader(task.dataset, batch_sampler=keys, num_workers=options.workers))
        epoch_start, losses = time.monotonic(), []
        bar = _progress(options.progress and info.is_main, len(plan), start_iteration, f"{stage.name} {epoch + 1}/{stage.epochs}")
        for iteration in range(start_iteration, len(plan)):
            factor = stage.schedule.factor_at(epoch, iteration, len(plan), stage.epochs)
            for group in session.optimizer.param_groups:
                group["lr"] = stage.optimizer.lr * factor
            context = StepContext(epoch, stage.epochs, iteration, len(plan), epoch * len(plan) + iteration, options.seed)
            total = self._step(session, task, network, batches, context)
            losses.append(total)
            session.position = {"stage": stage_index, "epoch": epoch, "iteration": iteration + 1, "step": session.position["step"] + 1}
            if session.log:
                session.log.step({"step": session.position["step"], "stage": stage.name, "epoch": epoch + 1, "iteration": iteration + 1,
                                  "loss": total, "lr": session.optimizer.param_groups[0]["lr"]})
            if bar:
                bar.update(1)
                bar.set_postfix(loss=f"{total:.4f}", val=_fmt(session.best["metrics"].get("mean")))
            due = (options.checkpoint_every and session.position["step"] % options.checkpoint_every == 0) or (
                time.monotonic() - session.last_save > 60 * options.checkpoint_minutes
            )
            if due and iteration + 1 < len(plan) and info.is_main:
                self._save_resume(session)
        if bar:
            bar.close()
        return losses, time.monotonic() - epoch_start

    def _step(self, session: "_Session", task: Any, network: nn.Module, batches: Any, context: StepContext) -> float:
        """One optimizer step over ``--accumulate`` micro-batches; returns the loss."""
        accumulation, info, device = self.options.accumulate, session.info, session.device
        total = 0.0
        for micro in range(accumulation):
            batch = _move(next(batches), device, session.channels_last)
            sync = contextlib.nullcontext() if (micro == accumulation - 1 or not info.enabled) else network.no_sync()
            with sync, torch.autocast(device.type, dtype=session.amp_dtype or torch.float32, enabled=session.amp_dtype is not None):
                loss = task.compute_loss(network, batch, context) / accumulation
            session.scaler.scale(loss).backward()
            total += float(loss.detach())
        if not math.isfinite(total):
            stage = self.recipe.stages[session.position["stage"]]
            raise EdgesegError(f"loss became {total} at stage {stage.name} epoch {context.epoch + 1} iteration {context.iteration + 1}; "
                               f"lower the learning rate or disable --amp")
        session.scaler.step(session.optimizer)
        session.scaler.update()
        session.optimizer.zero_grad(set_to_none=True)
        if session.average:
            session.average.update(session.model)
        return total

    def _end_epoch(self, session: "_Session", stage_index: int, epoch: int, losses: list[float], seconds: float) -> None:
        """Validate when due (keeping the best model), log, and checkpoint the epoch's end."""
        recipe, data, info = self.recipe, session.data, session.info
        stage = recipe.stages[stage_index]
        session.seconds_per_epoch.append(seconds)
        session.position = {"stage": stage_index, "epoch": epoch + 1, "iteration": 0, "step": session.position["step"]}
        metrics: dict[str, float] = {}
        last_epoch_of_run = stage_index == len(recipe.stages) - 1 and epoch + 1 == stage.epochs
        due = (epoch + 1) % recipe.val_every == 0 or last_epoch_of_run
        if info.is_main and due and self.options.precise_bn_images:  # also without a validation split: the saved weights are used
            recalibrate_batchnorm(session.evaluated, data.train[: self.options.precise_bn_images], data.preprocessing, session.device,
                                  recipe.batch_size)
        if info.is_main and due and data.val:
            metrics = validate(session.evaluated, data.val, data.preprocessing, data.lesions, session.device, data.graded_val)
            if metrics["mean"] > session.best["mean"]:
                session.best = {"mean": metrics["mean"], "epoch": self._global_epoch(stage_index, epoch), "metrics": metrics}
                save_model(self.run_dir / "best.safetensors", session.evaluated, self._card(session, metrics))
        if info.is_main:
            session.log.epoch({"stage": stage.name, "epoch": epoch + 1, "step": session.position["step"],
                               "train_loss": sum(losses) / max(1, len(losses)), "seconds": seconds,
                               **{f"val_{k}": v for k, v in metrics.items() if not isinstance(v, dict)}})
            save_model(self.run_dir / "last.safetensors", session.evaluated, self._card(session, metrics))
            self._save_resume(session)
            if due:  # the curves gain a validation point; _finish draws the rest (plotting every epoch cost 0.6 s)
                self._plot(session)
        barrier(info)

    def _plot(self, session: "_Session") -> None:
        session.log.plot(self.run_dir / "curves.png", f"{self.recipe.name} on {Path(self.options.data).name}")

    def _finish(self, session: "_Session") -> RunSummary:
        if session.info.is_main:
            self._save_resume(session)
            self._plot(session)
            if not (self.run_dir / "best.safetensors").exists():
                save_model(self.run_dir / "best.safetensors", session.evaluated, self._card(session, {}))
        seconds = session.seconds_per_epoch
        mean_seconds = sum(seconds) / len(seconds) if seconds else float("nan")
        return RunSummary(self.run_dir, session.best["epoch"], session.best["metrics"], mean_seconds, len(seconds),
                          len(session.data.val), images_with_lesion(session.data.val, session.data.lesions), self.options.val_fold,
                          stopped=session.stopped, epochs_total=self.recipe.epochs,
                          last_epoch=self._global_epoch(session.position["stage"], session.position["epoch"] - 1))

    def _global_epoch(self, stage_index: int, epoch: int) -> int:
        return sum(stage.epochs for stage in self.recipe.stages[:stage_index]) + epoch + 1

    def _save_resume(self, session: "_Session") -> None:
        if session.log:  # the logs first: never behind the resume state (a resume cuts them back to it)
            session.log.flush()
        saved_position = {**session.position, "best": session.best}
        save_resume(
            self.run_dir / RESUME,
            session.model,
            session.optimizer,
            saved_position,
            self._card(session, session.best.get("metrics", {})),
            scaler_state=session.scaler.state_dict() if session.scaler.is_enabled() else None,
            extra_tensors=session.average.tensors() if session.average else None,
        )
        session.last_save = time.monotonic()


@dataclass
class _Session:
    """The state of one training session, shared by the steps of :meth:`Trainer._run`."""

    info: Distributed
    device: torch.device
    channels_last: bool
    model: nn.Module
    data: TrainingData
    log: RunLog | None
    position: dict = field(default_factory=lambda: {"stage": 0, "epoch": 0, "iteration": 0, "step": 0})
    best: dict = field(default_factory=lambda: {"mean": -math.inf, "epoch": None, "metrics": {}})
    resume_state: dict | None = None
    amp_dtype: torch.dtype | None = None
    scaler: Any = None
    optimizer: torch.optim.Optimizer | None = None
    seconds_per_epoch: list[float] = field(default_factory=list)
    last_save: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    stopped: bool = False  # by --stop-after, before the last epoch
    average: Any = None  # a WeightAverage with --ema

    @property
    def evaluated(self) -> nn.Module:
        """The model that is validated and saved: the weight average with ``--ema``."""
        return self.average.module if self.average else self.model


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
    """Train from scratch into ``options.out`` (a frozen student's grading head: recipe
    ``u2xs-graded``, :mod:`edgeseg.train.grading_head`)."""
    if get_recipe(options.recipe).data == "student-maps":
        from edgeseg.train.grading_head import train_head

        return train_head(options)
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
    if set(changed) - set(SESSION_ONLY) and int(os.environ.get("RANK", "0")) == 0:  # later resumes keep the new settings
        atomic_write_json(run_dir / CONFIG, saved_options(options))
    if not Path(options.data).exists():
        raise EdgesegError(
            f"{run_dir}: its data folder {options.data} is not here; prepare it again with the command that made it "
            f"(e.g. edgeseg data prepare --idrid ../shared/data/IDRiD --out {options.data} --longest-side 1440) or pass --data DIR"
        )
    return Trainer(options, resume=True).run()
