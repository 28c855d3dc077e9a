"""Grading scores of SUNet (paper 002) and of a screening verdict.

- DR accuracy, DME accuracy, and joint accuracy = |images with both the DR grade and the DME
  risk right| / |test images| (the IDRiD challenge's sub-challenge 2 measure).
- Quadratic-weighted kappa, usual for ordinal DR grades.
- Confusion matrices (rows: truth, columns: prediction) and their plot.
- **Referable** DR: DR grade >= 2 (moderate non-proliferative or worse) or DME risk == 2, the
  screening referral rule of the edgeseg issue #19. Scored from a referral probability by the
  ROC AUC (exact: the Mann-Whitney statistic, ties counted as one half) and the sensitivity at
  80 % and 90 % specificity (the best sensitivity of any threshold whose specificity reaches
  the target, read off the exact ROC curve).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeseg.outputs import DME_GRADES, DR_GRADES, REFERABLE_DME, REFERABLE_DR, referable

SPECIFICITY_TARGETS = (0.8, 0.9)


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


def referable_probability(dr_probabilities: np.ndarray, dme_probabilities: np.ndarray) -> np.ndarray:
    """P(referable) from per-image DR (N, 5) and DME (N, 3) class probabilities, taking the two
    heads as independent given the image: 1 - P(DR < 2) P(DME < 2)."""
    dr_probabilities, dme_probabilities = np.asarray(dr_probabilities, float), np.asarray(dme_probabilities, float)
    not_referable = dr_probabilities[:, :REFERABLE_DR].sum(axis=1) * dme_probabilities[:, :REFERABLE_DME].sum(axis=1)
    return 1.0 - not_referable


def _binary(truth: Sequence[bool], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    truth, scores = np.asarray(truth, bool), np.asarray(scores, float)
    if truth.shape != scores.shape or truth.ndim != 1:
        raise ValueError("truth and scores must be 1-D and of equal length")
    if truth.all() or not truth.any():
        raise ValueError("ROC needs both positive and negative images")
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite")
    return truth, scores


@dataclass(frozen=True)
class RocCurve:
    """The exact ROC curve: one point per distinct score (threshold: score >= t is positive),
    from (0, 0) to (1, 1); ``thresholds[0]`` is +inf."""

    false_positive_rate: np.ndarray
    true_positive_rate: np.ndarray
    thresholds: np.ndarray


def roc_curve(truth: Sequence[bool], scores: Sequence[float]) -> RocCurve:
    """Every operating point of ``scores`` against binary ``truth``."""
    truth, scores = _binary(truth, scores)
    order = np.argsort(-scores, kind="mergesort")
    scores, truth = scores[order], truth[order]
    last_of_tie = np.r_[np.nonzero(np.diff(scores))[0], scores.size - 1]
    true_positives = np.cumsum(truth)[last_of_tie]
    false_positives = (last_of_tie + 1) - true_positives
    tpr = np.r_[0.0, true_positives / truth.sum()]
    fpr = np.r_[0.0, false_positives / (~truth).sum()]
    return RocCurve(fpr, tpr, np.r_[np.inf, scores[last_of_tie]])


def roc_auc(truth: Sequence[bool], scores: Sequence[float]) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counted as one half (the trapezoid under the exact curve)."""
    curve = roc_curve(truth, scores)
    return float(np.trapezoid(curve.true_positive_rate, curve.false_positive_rate))


def sensitivity_at_specificity(truth: Sequence[bool], scores: Sequence[float], specificity: float) -> float:
    """The highest sensitivity among thresholds whose specificity is at least ``specificity``."""
    curve = roc_curve(truth, scores)
    allowed = 1.0 - curve.false_positive_rate >= specificity - 1e-12
    return float(curve.true_positive_rate[allowed].max())


def referral_threshold(truth: Sequence[bool], probability: Sequence[float], sensitivity: float,
                       referred_by_grades: Sequence[bool] | None = None) -> float:
    """The highest threshold at which the referral advice (:func:`edgeseg.outputs.advises_referral`:
    the probability at the threshold, or referable grades, ``referred_by_grades``) finds at least
    ``sensitivity`` of the referable photographs (``truth``); 1.0 when the grades alone do, 0.5
    when no photograph is referable."""
    truth = np.asarray(truth, bool)
    probability = np.asarray(probability, np.float64)
    by_grades = np.zeros_like(truth) if referred_by_grades is None else np.asarray(referred_by_grades, bool)
    if not truth.any():
        return 0.5
    needed = int(np.ceil(sensitivity * truth.sum())) - int((truth & by_grades).sum())
    if needed <= 0:
        return 1.0
    return float(np.sort(probability[truth & ~by_grades])[::-1][needed - 1])


def referral_rates(truth: Sequence[bool], referred: Sequence[bool]) -> tuple[float, float]:
    """The referral advice's (sensitivity, specificity) against the referable truth: the share
    of referable photographs referred and of the others not referred (NaN where a class is empty)."""
    truth, referred = np.asarray(truth, bool), np.asarray(referred, bool)
    if truth.shape != referred.shape:
        raise ValueError("truth and referrals must have equal length")
    sensitivity = float(referred[truth].mean()) if truth.any() else float("nan")
    specificity = float((~referred[~truth]).mean()) if not truth.all() else float("nan")
    return sensitivity, specificity


def confusion_matrix(truth: Sequence[int], prediction: Sequence[int], classes: int) -> np.ndarray:
    """(classes, classes) counts, rows the true class and columns the predicted one."""
    truth, prediction = np.asarray(truth, int), np.asarray(prediction, int)
    if truth.shape != prediction.shape:
        raise ValueError("truth and prediction must have equal length")
    if truth.size and (min(truth.min(), prediction.min()) < 0 or max(truth.max(), prediction.max()) >= classes):
        raise ValueError(f"grades must lie in 0..{classes - 1}")
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (truth, prediction), 1)
    return matrix


def screening_scores(
    dr_truth: Sequence[int],
    dr_prediction: Sequence[int],
    dme_truth: Sequence[int],
    dme_prediction: Sequence[int],
    referable_scores: Sequence[float] | None = None,
    referrals: Sequence[bool] | None = None,
) -> dict:
    """Every grading figure of one set of images, as a JSON-ready dict: counts, accuracies, kappas,
    confusion matrices (DR, DME, referable) and, given a referral probability per image,
    the referable ROC AUC and the sensitivity at 80 % and 90 % specificity (NaN when the images
    are all referable or all not); given the referral advice per image (``refer``, as `predict`
    gives it: :func:`edgeseg.outputs.advises_referral`), its sensitivity and specificity."""
    grading = grading_scores(dr_truth, dr_prediction, dme_truth, dme_prediction)
    truth_referable = referable(dr_truth, dme_truth)
    predicted_referable = referable(dr_prediction, dme_prediction)
    scores: dict = {
        "images": int(len(truth_referable)),
        "referable_images": int(truth_referable.sum()),
        "dr_accuracy": grading.dr_accuracy,
        "dme_accuracy": grading.dme_accuracy,
        "joint_accuracy": grading.joint_accuracy,
        "dr_kappa": grading.dr_kappa,
        "dme_kappa": grading.dme_kappa,
        "referable_accuracy_from_grades": accuracy(truth_referable, predicted_referable),
        "confusion": {
            "dr": confusion_matrix(dr_truth, dr_prediction, DR_GRADES).tolist(),
            "dme": confusion_matrix(dme_truth, dme_prediction, DME_GRADES).tolist(),
            "referable": confusion_matrix(truth_referable, predicted_referable, 2).tolist(),
        },
    }
    if referable_scores is not None:
        both_classes = 0 < truth_referable.sum() < truth_referable.size
        scores["referable_auc"] = roc_auc(truth_referable, referable_scores) if both_classes else float("nan")
        for target in SPECIFICITY_TARGETS:
            value = sensitivity_at_specificity(truth_referable, referable_scores, target) if both_classes else float("nan")
            scores[f"sensitivity_at_{round(100 * target)}_specificity"] = value
    if referrals is not None:
        referred = np.asarray(referrals, bool)
        scores["referral_sensitivity"], scores["referral_specificity"] = referral_rates(truth_referable, referred)
        scores["confusion"]["referral"] = confusion_matrix(truth_referable, referred, 2).tolist()
    return scores


def plot_confusion_matrices(confusion: dict, path: str | Path, title: str = "") -> Path:
    """Write the DR, DME and referable confusion matrices (``screening_scores(...)["confusion"]``)
    as one PNG, counts in the cells, rows the truth; atomically. Returns ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from edgeseg.fileio import atomic_path

    panels = [("DR grade", confusion["dr"], [str(i) for i in range(DR_GRADES)]),
              ("DME risk", confusion["dme"], [str(i) for i in range(DME_GRADES)]),
              ("referable", confusion["referable"], ["no", "yes"])]
    figure, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.0))
    for axis, (name, matrix, labels) in zip(axes, panels):
        matrix = np.asarray(matrix)
        axis.imshow(matrix, cmap="Blues", vmin=0, vmax=max(1, int(matrix.max())))
        for (row, column), count in np.ndenumerate(matrix):
            colour = "white" if count > matrix.max() / 2 else "black"
            axis.text(column, row, str(count), ha="center", va="center", color=colour)
        axis.set(xticks=range(len(labels)), yticks=range(len(labels)), xticklabels=labels, yticklabels=labels,
                 xlabel="predicted", ylabel="true", title=f"{name} ({int(np.trace(matrix))}/{int(matrix.sum())} right)")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return path
