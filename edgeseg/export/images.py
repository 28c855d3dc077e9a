"""Real fundus squares for int8 calibration and for verification, preprocessed as the model card says.

Where they come from, in order: ``--data DIR`` (a prepared folder or an IDRiD download); else
the training data the model card names, when it is on this machine; else synthetic fundus
photographs (:mod:`edgeseg.data.synthetic`), with a warning, since calibration ranges and
accuracy checks are only as good as the images behind them. Synthetic images are chosen so that
the model's outputs on them mean something: lesion-rich photographs are drawn (three candidates
per image needed), and the ones on which the PyTorch model ranks the drawn lesions best (its mean
per-lesion average precision on the image) are kept. The choice is written into each file's
metadata (``verification_images``, ``calibration_images``).

Calibration takes images from the training part of the training split; verification (split
``val``) takes the validation part carved out of it exactly as training did (same seed and
share), so no image both calibrates and verifies. ``train`` and ``test`` pick whole splits.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeseg.data.datasets import open_split
from edgeseg.errors import EdgesegError
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.runners import Runner
from edgeseg.data.splits import training_split


@dataclass
class FundusSquare:
    """A preprocessed square (S, S, 3) uint8 and its lesion masks (L, S, S) bool."""

    stem: str
    square: np.ndarray
    masks: np.ndarray


@dataclass
class ImageSet:
    squares: list[FundusSquare]
    source: str


def _card_data(card: dict) -> Path | None:
    data = card.get("training", {}).get("data")
    return Path(data) if data and Path(data).exists() else None


def fundus_squares(
    card: dict, preprocessing: Preprocessing, purpose: str, count: int, data: str | Path | None = None, split: str = "val",
    reference: Runner | None = None,
) -> ImageSet:
    """``count`` squares for ``purpose`` (``calibration`` or ``verification``); ``reference`` (the
    PyTorch model) chooses among synthetic candidates when no real image is on this machine."""
    lesions = tuple(card["lesions"])
    root = Path(data) if data else _card_data(card)
    if root is None:
        warnings.warn(
            f"no real fundus images for {purpose} (pass --data DIR; the model's training data "
            f"{card.get('training', {}).get('data', '?')} is not on this machine): using synthetic fundus images",
            stacklevel=2,
        )
        return _synthetic(preprocessing, lesions, count, 1 if purpose == "calibration" else 2, reference)
    samples = _select(card, root, purpose, split)
    if not samples:
        raise EdgesegError(f"{root}: no images in split {split!r} for {purpose}")
    chosen = [samples[index * len(samples) // min(count, len(samples))] for index in range(min(count, len(samples)))]
    squares = []
    for sample in chosen:
        image = sample.load_image()
        prepared = preprocessing.prepare(image)
        masks = preprocessing.masks_to_square(sample.load_masks(image.shape[:2], lesions), prepared.geometry).astype(bool)
        squares.append(FundusSquare(sample.stem, prepared.square, masks))
    part = "training part" if purpose == "calibration" else split
    return ImageSet(squares, f"{len(squares)} images of {root} ({part})")


def _select(card: dict, root: Path, purpose: str, split: str) -> list:
    if purpose == "verification" and split in ("train", "test"):
        return open_split(root, split)
    samples = open_split(root, "train")
    train_indices, val_indices = training_split(card.get("training", {}), len(samples))
    return [samples[i] for i in (train_indices if purpose == "calibration" else val_indices)]


SYNTHETIC_LESIONS = {"MA": 24, "HE": 10, "EX": 10, "SE": 5}  # lesions drawn per synthetic photograph
SYNTHETIC_CANDIDATES = 3  # candidates drawn per synthetic image kept


def _synthetic(preprocessing: Preprocessing, lesions: tuple[str, ...], count: int, seed: int, reference: Runner | None) -> ImageSet:
    from edgeseg.data.synthetic import make_fundus
    from edgeseg.metrics.pr import average_precision

    candidates = []
    for index in range(count * (SYNTHETIC_CANDIDATES if reference is not None else 1)):
        fundus = make_fundus(max(preprocessing.size, 256), seed=seed * 1000 + index, lesion_counts=SYNTHETIC_LESIONS)
        prepared = preprocessing.prepare(fundus.image)
        masks = preprocessing.masks_to_square(fundus.lesion_masks(lesions), prepared.geometry).astype(bool)
        candidates.append(FundusSquare(f"synthetic_{index}", prepared.square, masks))
    if reference is None:
        return ImageSet(candidates, f"{count} synthetic fundus images (no real images on this machine)")
    scores = []
    for item in candidates:
        maps = reference.lesion_maps(item.square)
        scores.append(np.mean([average_precision(maps[i], item.masks[i]) for i in range(len(lesions)) if item.masks[i].any()]))
    order = np.argsort(scores)[::-1][:count]
    kept = [candidates[i] for i in sorted(order)]
    return ImageSet(kept, f"{count} synthetic fundus images (no real images on this machine), the {count} of {len(candidates)} "
                          f"lesion-rich candidates on which the PyTorch model ranks the lesions best (mean per-image AP "
                          f"{np.mean([scores[i] for i in order]):.3f} kept, {np.mean(scores):.3f} over all candidates)")
