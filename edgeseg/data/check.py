"""`edgeseg data check`: validate a data set and summarise it before anyone trains on it.

Every image is decoded in full (a truncated JPEG is caught, not silently padded), checked to be a
colour fundus photograph, and every mask is decoded and compared with its image's size. Masks
without an image and files that do not follow the layout's naming are reported too.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from edgeseg.data import folder, idrid
from edgeseg.inference.fov import fundus_problem
from edgeseg.data.samples import SegSample
from edgeseg.errors import DataError
from edgeseg.fileio import MASK_SUFFIXES, read_image, read_mask
from edgeseg.lesions import ALL_LESIONS


@dataclass
class SplitSummary:
    """Counts for one split: images, masks per lesion, image sizes, problems."""

    name: str
    images: int = 0
    masks: Counter = field(default_factory=Counter)
    sizes: Counter = field(default_factory=Counter)
    problems: int = 0


@dataclass
class CheckReport:
    """The result of :func:`check_dataset`."""

    root: Path
    layout: str
    splits: list[SplitSummary]
    problems: list[str]
    grading: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def _check_sample(sample: SegSample) -> tuple[tuple[int, int] | None, list[str]]:
    problems = []
    try:
        image = read_image(sample.image)
    except DataError as exc:
        return None, [str(exc)]
    problem = fundus_problem(image)
    if problem:
        problems.append(f"{sample.image}: {problem}")
    for lesion, path in sorted(sample.masks.items()):
        try:
            read_mask(path, image.shape[:2])
        except DataError as exc:
            problems.append(str(exc))
    return (image.shape[1], image.shape[0]), problems


def _orphans(mask_index: dict[str, dict[str, Path]], stems: set[str]) -> list[str]:
    return [
        f"{path}: mask has no image named {stem}.* in the images folder"
        for lesion in ALL_LESIONS
        for stem, path in sorted(mask_index.get(lesion, {}).items())
        if stem not in stems
    ]


def _misnamed(masks_root: Path) -> list[str]:
    """Problems with the generic layout's masks/ folder: unknown lesion folders, stray names."""
    if not masks_root.is_dir():
        return []
    problems = []
    for entry in sorted(masks_root.iterdir()):
        if not entry.is_dir():
            continue
        if entry.name not in ALL_LESIONS:
            problems.append(f"{entry}: unknown lesion folder; expected one of {', '.join(ALL_LESIONS)}")
            continue
        for path in sorted(entry.iterdir()):
            if path.name.startswith("."):
                continue
            if path.suffix.lower() not in MASK_SUFFIXES or not path.stem.lower().endswith(f"_{entry.name.lower()}"):
                problems.append(f"{path}: not named <stem>_{entry.name}.png; it is ignored")
    return problems


def _collect(root: Path) -> tuple[str, list[tuple[str, list[SegSample]]], list[str]]:
    """(layout name, [(split, samples)], problems found from file names alone)."""
    splits: list[tuple[str, list[SegSample]]] = []
    problems: list[str] = []
    if idrid.is_idrid(root):
        for split in idrid.SPLIT_DIRS:
            try:
                samples = idrid.read_idrid_segmentation(root, split)
            except DataError as exc:
                problems.append(str(exc))
                continue
            splits.append((split, samples))
            problems += _orphans(idrid.segmentation_mask_files(root, split), {s.stem for s in samples})
        return "IDRiD", splits, problems
    names = folder.list_splits(root)
    if not names:
        folder.split_dir(root, None)
    for name in names:
        split_root = root / name if name else root
        try:
            samples = folder.read_folder(root, name or None)
        except DataError as exc:
            problems.append(str(exc))
            continue
        splits.append((name or root.name, samples))
        problems += _orphans(folder.mask_files(split_root), {s.stem for s in samples})
        problems += _misnamed(split_root / "masks")
    return "folder", splits, problems


def _check_grading(root: Path) -> tuple[dict[str, int], list[str]]:
    """Labelled grading images per split, and problems (unreadable labels, empty files).

    Grading images are not decoded here (516 of them); `prepare` and training decode them.
    """
    counts, problems = {}, []
    for split in idrid.SPLIT_DIRS:
        try:
            samples = idrid.read_idrid_grading(root, split)
        except DataError as exc:
            problems.append(str(exc))
            continue
        counts[split] = len(samples)
        problems += [f"{s.image}: empty file (0 bytes)" for s in samples if s.image.stat().st_size == 0]
    return counts, problems


def check_dataset(
    root: str | Path,
    workers: int | None = None,
    progress: Callable[[Iterable, int], Iterable] | None = None,
) -> CheckReport:
    """Validate the data set under ``root`` (IDRiD or generic layout); never raises on bad files.

    Raises :class:`DataError` only when ``root`` holds no recognisable data set at all.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found")
    layout, splits, problems = _collect(root)
    if not splits:
        raise DataError(problems[0] if problems else f"{root}: no images found")
    samples = [sample for _, split_samples in splits for sample in split_samples]
    workers = workers or min(4, os.cpu_count() or 1)
    if workers > 1 and len(samples) > 4:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_check_sample, samples, chunksize=2)
            results = list(progress(results, len(samples)) if progress else results)
    else:
        iterator = map(_check_sample, samples)
        results = list(progress(iterator, len(samples)) if progress else iterator)
    summaries = []
    position = 0
    for name, split_samples in splits:
        summary = SplitSummary(name)
        for sample in split_samples:
            size, sample_problems = results[position]
            position += 1
            summary.images += 1
            summary.masks.update(sample.masks.keys())
            if size:
                summary.sizes[f"{size[0]}x{size[1]}"] += 1
            summary.problems += len(sample_problems)
            problems += sample_problems
        summaries.append(summary)
    grading: dict[str, int] = {}
    if layout == "IDRiD" and (root / idrid.GRADING_DIR).is_dir():
        grading, grading_problems = _check_grading(root)
        problems += grading_problems
    return CheckReport(root, layout, summaries, problems, grading)
