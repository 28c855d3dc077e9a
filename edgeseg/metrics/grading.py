"""Grading scores of SUNet (paper 002): DR accuracy, DME accuracy, joint accuracy, and the
quadratic-weighted kappa usual for ordinal DR grades.

Joint accuracy = |images with both the DR grade and the DME risk right| / |test images|
(the IDRiD challenge's sub-challenge 2 measure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def accuracy(truth: Sequence[int], prediction: Sequence[int]) -> float:
    """Share of exact matches."""
    truth, prediction = np.asarray(truth), np.asarray(prediction)
    if truth.shape != prediction.shape or truth.size == 0:
        raise ValueError("truth and prediction must be non-empty and of equal length")
    return float(np.mean(truth == prediction))


def joint_accuracy(
    dr_truth: Sequence[int], dr_prediction: Sequence[int], dme_truth: Sequence[int], dme_prediction: Sequence[int]
) -> float:
    """Share of images whose DR grade and DME risk are both right."""
    both = (np.asarray(dr_truth) == np.asarray(dr_prediction)) & (np.asarray(dme_truth) == np.asarray(dme_prediction))
    return float(np.mean(both))


def quadratic_weighted_kappa(truth: Sequence[int], prediction: Sequence[int], classes: int | None = None) -> float:
    """Cohen's kappa with quadratic weights w_ij = (i - j)^2 / (K - 1)^2 for K ordinal classes."""
    truth, prediction = np.asarray(truth, int), np.asarray(prediction, int)
    classes = classes or int(max(truth.max(), prediction.max())) + 1
    observed = np.zeros((classes, classes))
    np.add.at(observed, (truth, prediction), 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / observed.sum()
    index = np.arange(classes)
    weights = (index[:, None] - index[None, :]) ** 2 / max((classes - 1) ** 2, 1)
    denominator = float((weights * expected).sum())
    return 1.0 - float((weights * observed).sum()) / denominator if denominator else 1.0


@dataclass(frozen=True)
class GradingScores:
    dr_accuracy: float
    dme_accuracy: float
    joint_accuracy: float
    dr_kappa: float
    dme_kappa: float


def grading_scores(
    dr_truth: Sequence[int], dr_prediction: Sequence[int], dme_truth: Sequence[int], dme_prediction: Sequence[int]
) -> GradingScores:
    """All grading scores at once (DR: 5 classes, DME: 3 classes)."""
    return GradingScores(
        dr_accuracy=accuracy(dr_truth, dr_prediction),
        dme_accuracy=accuracy(dme_truth, dme_prediction),
        joint_accuracy=joint_accuracy(dr_truth, dr_prediction, dme_truth, dme_prediction),
        dr_kappa=quadratic_weighted_kappa(dr_truth, dr_prediction, 5),
        dme_kappa=quadratic_weighted_kappa(dme_truth, dme_prediction, 3),
    )
