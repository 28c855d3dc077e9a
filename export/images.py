"""Real fundus squares for int8 calibration and for verification, preprocessed as the model card says.

Where they come from, in order: ``--data DIR`` (a prepared folder or an IDRiD download); else
the training data the model card names, when it is on this machine; else synthetic fundus
photographs (:mod:`edgeseg.data.synthetic`), with a warning, since calibration ranges and
accuracy checks are only as good as the images behind them.

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
from edgeseg.train.preprocessing import Preprocessing
from edgeseg.train.validation import split_train_val


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
    card: dict, preprocessing: Preprocessing, purpose: str, count: int, data: str | Path | None = None, split: str = "val"
) -> ImageSet:
    """``count`` squares for ``purpose`` (``calibration`` or ``verification``)."""
    lesions = tuple(card["lesions"])
    root = Path(data) if data else _card_data(card)
    if root is None:
        warnings.warn(
            f"no real fundus images for {purpose} (pass --data DIR; the model's training data "
            f"{card.get('training', {}).get('data', '?')} is not on this machine): using synthetic fundus images",
            stacklevel=2,
        )
        return ImageSet(_synthetic(preprocessing, lesions, count, seed=1 if purpose == "calibration" else 2), "synthetic fundus images")
    samples = _select(card, root, purpose, split)
    if not samples:
        raise EdgesegError(f"{root}: no images in split {split!r} for {purpose}")
    chosen = [samples[index * len(samples) // min(count, len(samples))] for index in range(min(count, len(samples)))]
    squares = []
    for sample in chosen:
        image = sample.load_image()
        masks = preprocessing.masks_to_square(image, sample.load_masks(image.shape[:2], lesions)).astype(bool)
        squares.append(FundusSquare(sample.stem, preprocessing.image_to_square(image), masks))
    part = "training part" if purpose == "calibration" else split
    return ImageSet(squares, f"{len(squares)} images of {root} ({part})")


def _select(card: dict, root: Path, purpose: str, split: str) -> list:
    if purpose == "verification" and split in ("train", "test"):
        return open_split(root, split)
    samples = open_split(root, "train")
    training = card.get("training", {})
    train_indices, val_indices = split_train_val(len(samples), float(training.get("val_fraction", 0.15)), int(training.get("seed", 0)))
    return [samples[i] for i in (train_indices if purpose == "calibration" else val_indices)]


def _synthetic(preprocessing: Preprocessing, lesions: tuple[str, ...], count: int, seed: int) -> list[FundusSquare]:
    from edgeseg.data.synthetic import make_fundus

    squares = []
    for index in range(count):
        fundus = make_fundus(max(preprocessing.size, 256), seed=seed * 1000 + index)
        masks = preprocessing.masks_to_square(fundus.image, fundus.lesion_masks(lesions)).astype(bool)
        squares.append(FundusSquare(f"synthetic_{index}", preprocessing.image_to_square(fundus.image), masks))
    return squares
