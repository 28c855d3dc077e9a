"""Pixel-level scores at a threshold: SN, PPV, F, IoU and Dice, from pooled confusion counts.

Definitions as in Dual2Net (paper 000, "Evaluation Metrics") and ``../shared/docs/papers.md``:
SN = TP / (TP + FN), PPV = TP / (TP + FP), F = 2 SN PPV / (SN + PPV),
IoU = TP / (TP + FP + FN), Dice = 2 TP / (2 TP + FP + FN). At the pixel level F equals Dice; both
are given because the papers report both names. Counts pool over images (like AUPR), so a
lesion's score is not an average of per-image scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


@dataclass
class Confusion:
    """True/false positive and false negative counts (true negatives are not needed)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: "Confusion") -> "Confusion":
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def sensitivity(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def ppv(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def f_score(self) -> float:
        sn, ppv = self.sensitivity, self.ppv
        return _ratio(2 * sn * ppv, sn + ppv) if sn == sn and ppv == ppv else float("nan")

    @property
    def iou(self) -> float:
        return _ratio(self.tp, self.tp + self.fp + self.fn)

    @property
    def dice(self) -> float:
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    def as_dict(self) -> dict[str, float]:
        return {
            "SN": self.sensitivity,
            "PPV": self.ppv,
            "F": self.f_score,
            "IoU": self.iou,
            "Dice": self.dice,
        }


def pixel_confusion(prediction: np.ndarray, truth: np.ndarray) -> Confusion:
    """Confusion counts of a boolean ``prediction`` against boolean ``truth`` (same shape)."""
    prediction = np.asarray(prediction, bool)
    truth = np.asarray(truth, bool)
    if prediction.shape != truth.shape:
        raise ValueError(f"prediction {prediction.shape} and truth {truth.shape} differ in shape")
    tp = int(np.count_nonzero(prediction & truth))
    return Confusion(tp, int(np.count_nonzero(prediction)) - tp, int(np.count_nonzero(truth)) - tp)
