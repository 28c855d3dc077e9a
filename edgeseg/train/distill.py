"""Knowledge distillation: a student (U²-XS-Net) learns from the ground truth and from trained
teachers' probabilities.

Loss per step: ``L = L_student(output, masks) + weight * L_student(output[:, taught], soft)``,
the student's own recipe loss (U²-XS-Net: focal BCE + Dice with deep supervision, paper 003)
applied a second time with the teachers' probability maps as soft targets, on the lesion
channels some teacher predicts (Hinton et al. 2015 use the same idea with a cross-entropy on
soft targets; focal BCE and Dice both accept soft targets).

Teachers are any edgeseg runs or model files: each runs once per training image with its *own*
preprocessing (its size, CLAHE, normalisation), exactly as `edgeseg predict` runs it, and its
probabilities are mapped into the student's square. Several teachers may each cover some lesions
(a teacher per lesion); where two cover the same lesion their probabilities are averaged. A
teacher given as ``PATH:MA`` (or ``PATH:MA+HE``) teaches only those of its lesions, so a model that
leads on one lesion and not on another (Red-Seg on MA, not HE) teaches only where it leads. The
soft maps are then augmented with the image and masks (same rotation, flip, warp and crop).
The maps are kept in the run folder (``teacher_maps.safetensors``), so a resumed run does not
run its teachers again.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from edgeseg.data.datasets import open_split
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_bytes
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.lesions import ALL_LESIONS
from edgeseg.losses import DeepSupervision
from edgeseg.train.calibration import TEACHER_CALIBRATIONS, match_prevalence
from edgeseg.train.datasets import AugmentedSegmentation, CachedImage
from edgeseg.train.options import DistillOptions
from edgeseg.train.tasks import LOSSES, SegmentationTask, StepContext, make_augment


def parse_teacher(spec: str) -> tuple[str, tuple[str, ...] | None]:
    """``"runs/redseg:MA+HE"`` -> ``("runs/redseg", ("MA", "HE"))``; a plain path -> ``(path, None)``
    (all of the teacher's lesions). Only a suffix of lesion codes after the last colon is read as a
    restriction, so paths with colons stay paths."""
    path, _, suffix = spec.rpartition(":")
    codes = tuple(code.strip().upper() for code in suffix.split("+"))
    if path and codes and all(code in ALL_LESIONS for code in codes):
        return path, codes
    return spec, None


def _taught_by(runner: Any, path: str, only: tuple[str, ...] | None) -> tuple[str, ...]:
    """The lesions ``runner`` (opened from ``path``) teaches: its own, or ``only`` of them."""
    if only is None:
        return tuple(runner.info.lesions)
    missing = [code for code in only if code not in runner.info.lesions]
    if missing:
        raise EdgesegError(f"{path}: the teacher predicts {', '.join(runner.info.lesions)}, not {', '.join(missing)}; "
                           f"name only its lesions after the colon")
    return only


def teacher_maps(
    teachers: list[str], items: list[CachedImage], root: str, lesions: tuple[str, ...], preprocessing: Preprocessing,
    progress: bool = False,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The teachers' averaged probabilities on each training image, in the student's square,
    with a progress bar when ``progress`` (as training shows one, also into a log file).

    Returns (taught channel indices into ``lesions``, one (K, S, S) float32 array per item).
    """
    from tqdm import tqdm

    from edgeseg.inference.fov import FieldOfView
    from edgeseg.inference.runners import open_runner

    specs = [parse_teacher(spec) for spec in teachers]
    runners = [open_runner(path) for path, _ in specs]
    teaches = [_taught_by(runner, path, only) for runner, (path, only) in zip(runners, specs)]
    taught = [index for index, lesion in enumerate(lesions) if any(lesion in own for own in teaches)]
    if not taught:
        raise EdgesegError(f"no teacher predicts any of the student's lesions {', '.join(lesions)}")
    by_stem = {sample.stem: sample for sample in open_split(root, "train")}
    maps = []
    for item in tqdm(items, desc="teachers", unit="img", leave=False, disable=not progress):
        image = by_stem[item.stem].load_image()
        field_of_view = FieldOfView.find(image)
        student_geometry = preprocessing.geometry(image, field_of_view)
        total = np.zeros((len(taught), preprocessing.size, preprocessing.size), np.float32)
        count = np.zeros(len(taught), np.float32)
        for runner, own in zip(runners, teaches):
            contract = runner.info.preprocessing
            prepared = contract.prepare(image, field_of_view)
            probabilities = runner.lesion_maps(prepared.square)
            for slot, index in enumerate(taught):
                if lesions[index] in own:
                    channel = contract.to_image(probabilities[runner.info.lesions.index(lesions[index])], prepared.geometry)
                    total[slot] += preprocessing.maps_to_square(channel[None], student_geometry)[0]
                    count[slot] += 1
        maps.append(total / count[:, None, None])
    return np.asarray(taught), maps


def _fingerprint(teachers: list[str], stems: list[str], lesions: tuple[str, ...], size: int) -> str:
    """SHA-256 of the teachers' weight files and the lesions each teaches, the training images'
    stems, the student's lesions and input size: what the teachers' maps depend on."""
    from edgeseg.model_file import resolve_model_file

    digest = hashlib.sha256()
    for teacher in teachers:
        path, only = parse_teacher(teacher)
        with open(resolve_model_file(path), "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        digest.update(json.dumps(only).encode())
    digest.update(json.dumps([stems, list(lesions), size]).encode())
    return digest.hexdigest()


def cached_teacher_maps(
    cache: Path | None, teachers: list[str], items: list[CachedImage], root: str, lesions: tuple[str, ...],
    preprocessing: Preprocessing, progress: bool = False,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`teacher_maps`, kept in ``cache`` (safetensors, float16, written atomically) and
    reused while its fingerprint matches, so that a resumed distillation does not run its
    teachers again. The maps are always used as stored (rounded to float16), so a resumed run
    trains on exactly the targets of an uninterrupted one."""
    from safetensors import SafetensorError, safe_open
    from safetensors.numpy import load, save

    stems = [item.stem for item in items]
    fingerprint = _fingerprint(teachers, stems, lesions, preprocessing.size)
    if cache is not None and cache.is_file():
        try:
            with safe_open(str(cache), framework="numpy") as handle:
                stored = (handle.metadata() or {}).get("fingerprint")
            if stored == fingerprint:
                tensors = load(cache.read_bytes())
                return tensors["taught"], [tensors[f"maps/{stem}"].astype(np.float32) for stem in stems]
        except (OSError, SafetensorError, KeyError):
            pass  # unreadable or incomplete: computed again below
    taught, maps = teacher_maps(teachers, items, root, lesions, preprocessing, progress)
    rounded = [array.astype(np.float16) for array in maps]
    if cache is not None:
        tensors = {"taught": taught.astype(np.int64), **{f"maps/{stem}": array for stem, array in zip(stems, rounded)}}
        atomic_write_bytes(cache, save(tensors, metadata={"fingerprint": fingerprint}))
    return taught, [array.astype(np.float32) for array in rounded]


def _prevalence(items: list[CachedImage], taught: np.ndarray) -> np.ndarray:
    """Share of mask pixels of each taught lesion over the training images, in the student's square."""
    counts = np.zeros(len(taught))
    pixels = 0
    for item in items:
        if item.masks is not None:
            counts += item.masks[taught].reshape(len(taught), -1).sum(axis=1)
            pixels += item.masks[0].size
    return counts / max(pixels, 1)


class _SoftTargetDataset(torch.utils.data.Dataset):
    """Keys (index, epoch, slot) -> (image, masks, soft targets), augmented alike."""

    def __init__(self, plain: AugmentedSegmentation, soft: list[np.ndarray]) -> None:
        self.plain, self.soft = plain, soft

    def __len__(self) -> int:
        return len(self.plain)

    def __getitem__(self, key: tuple[int, int, int]) -> tuple[torch.Tensor, ...]:
        index, epoch, slot = key
        item = self.plain.items[index]
        rng = np.random.default_rng([self.plain.seed, epoch, slot, index])
        image, masks, soft = self.plain.augment.with_soft_maps(item.image, item.masks, self.soft[index], rng)
        return (torch.from_numpy(self.plain.preprocessing.normalize(image)), torch.from_numpy(masks.astype(np.float32)),
                torch.from_numpy(np.ascontiguousarray(soft, np.float32)))


class DistillationTask(SegmentationTask):
    """Distillation step: the stage's ``loss_options`` carry ``teachers`` (paths) and ``weight``."""

    def __init__(self, recipe: Any, stage: Any, data: Any, seed: int, crop: int | None = None) -> None:
        options = dict(stage.loss_options)
        teachers, self.weight = options.pop("teachers", []), float(options.pop("weight", DistillOptions.weight))
        cache, progress = options.pop("cache", None), bool(options.pop("progress", False))
        calibration = options.pop("calibration", DistillOptions.teacher_calibration)
        if not teachers:
            raise EdgesegError(f"recipe {recipe.name!r} distils from teachers: pass --teacher RUN_DIR[,RUN_DIR...]")
        if calibration not in TEACHER_CALIBRATIONS:  # checked before the teachers' pass, which takes minutes
            raise EdgesegError(f"unknown teacher calibration {calibration!r}: use one of {', '.join(TEACHER_CALIBRATIONS)}")
        self.loss_options = options
        super().__init__(recipe, stage, data, seed, crop)
        self.taught, soft = cached_teacher_maps(Path(cache) if cache else None, teachers, data.train, data.root, data.lesions,
                                                data.preprocessing, progress)
        if calibration == "prevalence":
            soft, shifts = match_prevalence(soft, _prevalence(data.train, self.taught))
            if progress:
                named = ", ".join(f"{data.lesions[i]} {b:+.2f}" for i, b in zip(self.taught, shifts))
                print(f"teachers' logits shifted to the training prevalence: {named}", file=sys.stderr)
        self.dataset = _SoftTargetDataset(AugmentedSegmentation(data.train, data.preprocessing, make_augment(recipe, crop, data.train), seed), soft)
        base = LOSSES[stage.loss](**options).base
        taught = torch.as_tensor(self.taught)
        self.distillation = DeepSupervision(lambda logits, target: base(logits[:, taught.to(logits.device)], target))

    def make_loss(self) -> Callable:
        return LOSSES[self.stage.loss](**self.loss_options)

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        images, masks, soft = batch
        output = model(images)
        return self.loss(output, masks) + self.weight * self.distillation(output, soft)
