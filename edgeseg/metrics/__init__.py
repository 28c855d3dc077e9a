"""Metrics as the seed papers score: AUPR (IDRiD protocol), pixel and region scores, grading."""

from edgeseg.metrics.grading import (
    GradingScores,
    RocCurve,
    accuracy,
    confusion_matrix,
    grading_scores,
    joint_accuracy,
    quadratic_weighted_kappa,
    referable_probability,
    roc_auc,
    roc_curve,
    screening_scores,
    sensitivity_at_specificity,
)
from edgeseg.metrics.pixel import Confusion, pixel_confusion
from edgeseg.metrics.pr import (
    AUPR_METHODS,
    DEFAULT_AUPR,
    PRAccumulator,
    PRCurve,
    aupr,
    aupr_trapezoid,
    average_precision,
    pr_curve,
)
from edgeseg.metrics.region import REGION_SIGMAS, region_confusion, region_f_scores

__all__ = [
    "AUPR_METHODS",
    "Confusion",
    "DEFAULT_AUPR",
    "GradingScores",
    "PRAccumulator",
    "PRCurve",
    "REGION_SIGMAS",
    "RocCurve",
    "accuracy",
    "aupr",
    "aupr_trapezoid",
    "average_precision",
    "confusion_matrix",
    "grading_scores",
    "joint_accuracy",
    "pixel_confusion",
    "pr_curve",
    "quadratic_weighted_kappa",
    "referable_probability",
    "region_confusion",
    "region_f_scores",
    "roc_auc",
    "roc_curve",
    "screening_scores",
    "sensitivity_at_specificity",
]
