from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from edgeseg.metrics.grading import grading_scores, quadratic_weighted_kappa


def test_accuracies_by_hand():
    scores = grading_scores([0, 1, 2, 3], [0, 1, 1, 3], [0, 1, 2, 0], [0, 2, 2, 0])
    assert scores.dr_accuracy == 0.75 and scores.dme_accuracy == 0.75
    assert scores.joint_accuracy == 0.5  # images 0 and 3 have both right


@pytest.mark.parametrize("seed", range(5))
def test_kappa_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 5, 103)
    prediction = np.clip(truth + rng.integers(-1, 2, 103), 0, 4)
    expected = cohen_kappa_score(truth, prediction, weights="quadratic")
    assert quadratic_weighted_kappa(truth, prediction, 5) == pytest.approx(expected, abs=1e-9)


def test_perfect_kappa():
    assert quadratic_weighted_kappa([0, 1, 2], [0, 1, 2], 3) == pytest.approx(1.0)


# --- referable DR, ROC and confusion matrices (issue #19) -------------------------------------
from sklearn.metrics import confusion_matrix as sk_confusion_matrix
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from edgeseg.outputs import referable
from edgeseg.metrics.grading import (
    confusion_matrix,
    plot_confusion_matrices,
    referable_probability,
    referral_rates,
    referral_threshold,
    roc_auc,
    roc_curve,
    screening_scores,
    sensitivity_at_specificity,
)


def _scored(seed: int, ties: bool):
    rng = np.random.default_rng(seed)
    truth = rng.random(103) < 0.55
    scores = rng.random(103) + 0.6 * truth
    return truth, np.round(scores, 1) if ties else scores


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ties", [False, True])
def test_roc_auc_and_curve_match_scikit_learn(seed, ties):
    truth, scores = _scored(seed, ties)
    assert roc_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores), abs=1e-12)
    fpr, tpr, _ = sk_roc_curve(truth, scores, drop_intermediate=False)
    curve = roc_curve(truth, scores)
    np.testing.assert_allclose(curve.false_positive_rate, fpr)
    np.testing.assert_allclose(curve.true_positive_rate, tpr)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("target", [0.8, 0.9])
def test_sensitivity_at_specificity_matches_the_scikit_learn_curve(seed, target):
    truth, scores = _scored(seed, ties=True)
    fpr, tpr, _ = sk_roc_curve(truth, scores, drop_intermediate=False)
    assert sensitivity_at_specificity(truth, scores, target) == pytest.approx(tpr[1 - fpr >= target].max())


def test_sensitivity_at_specificity_by_hand():
    truth = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    scores = [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5, 0.9, 0.95, 0.45, 0.6, 0.97, 0.99]
    # 90 % specificity allows one false positive in ten: threshold 0.95 finds 0.97 and 0.99
    assert sensitivity_at_specificity(truth, scores, 0.9) == 0.5
    # 80 % allows two (0.9 and 0.95): threshold 0.6 also finds 0.6; 0.45 would let 0.5 in
    assert sensitivity_at_specificity(truth, scores, 0.8) == 0.75


def test_roc_needs_both_classes():
    with pytest.raises(ValueError, match="both positive and negative"):
        roc_auc([1, 1, 1], [0.2, 0.5, 0.9])


@pytest.mark.parametrize("seed", range(3))
def test_confusion_matrix_matches_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    truth, prediction = rng.integers(0, 5, 103), rng.integers(0, 5, 103)
    np.testing.assert_array_equal(confusion_matrix(truth, prediction, 5), sk_confusion_matrix(truth, prediction, labels=range(5)))
    with pytest.raises(ValueError, match="0..2"):
        confusion_matrix([0, 3], [0, 1], 3)


def test_referable_rule():
    dr = [0, 1, 2, 3, 4, 0, 1, 1]
    dme = [0, 0, 0, 0, 0, 1, 2, 1]
    assert referable(dr, dme).tolist() == [False, False, True, True, True, False, True, False]


def test_referable_probability_by_hand():
    dr = np.array([[0.5, 0.3, 0.2, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]])
    dme = np.array([[0.6, 0.2, 0.2], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(referable_probability(dr, dme), [1 - 0.8 * 0.8, 1.0])


def test_screening_scores_and_plot(tmp_path):
    dr_truth, dme_truth = [0, 1, 2, 3, 4, 2], [0, 0, 1, 2, 2, 1]
    dr_pred, dme_pred = [0, 2, 2, 3, 3, 1], [0, 0, 1, 2, 1, 1]
    scores = screening_scores(dr_truth, dr_pred, dme_truth, dme_pred, [0.1, 0.7, 0.8, 0.9, 0.6, 0.3])
    assert scores["images"] == 6 and scores["referable_images"] == 4
    assert scores["dr_accuracy"] == pytest.approx(3 / 6) and scores["joint_accuracy"] == pytest.approx(3 / 6)
    assert scores["confusion"]["referable"] == [[1, 1], [1, 3]]  # photograph 5 (DR 2 -> 1) is missed
    assert scores["referable_auc"] == pytest.approx(roc_auc_score([0, 0, 1, 1, 1, 1], [0.1, 0.7, 0.8, 0.9, 0.6, 0.3]))
    assert "sensitivity_at_90_specificity" in scores
    path = plot_confusion_matrices(scores["confusion"], tmp_path / "confusion.png", "test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not list(tmp_path.glob(".*.tmp"))


def test_referral_threshold_keeps_the_sensitivity():
    truth = np.array([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0])
    probability = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4, 0.3, 0.2, 0.1, 0.35, 0.05, 0.01])
    threshold = referral_threshold(truth, probability, 0.9)
    assert threshold == pytest.approx(0.2) and (probability[truth == 1] >= threshold).mean() >= 0.9


def test_the_referral_rates_count_referrals_among_the_referable_and_the_others():
    """Sensitivity: referred among the referable; specificity: not referred among the others."""
    truth = np.array([True, True, True, True, False, False, False, False, False])
    referred = np.array([True, True, True, False, True, False, False, False, False])
    assert referral_rates(truth, referred) == (0.75, 0.8)
    assert np.isnan(referral_rates(np.ones(3, bool), np.ones(3, bool))[1])
    assert np.isnan(referral_rates(np.zeros(3, bool), np.zeros(3, bool))[0])
    with pytest.raises(ValueError):
        referral_rates(truth, referred[:-1])


def test_the_referral_threshold_counts_the_referrals_the_grades_make():
    """The threshold is chosen for the advice predict gives (edgeseg.outputs.advises_referral):
    photographs whose grades refer need no probability above it."""
    # 20 referable photographs: 10 referred by their grades (probabilities low), 10 by probability only.
    truth = np.array([True] * 20 + [False] * 5)
    by_grades = np.array([True] * 10 + [False] * 15)
    probability = np.concatenate([np.full(10, 0.05), np.linspace(0.95, 0.50, 10), np.full(5, 0.2)])
    threshold = referral_threshold(truth, probability, 0.95, by_grades)
    advice = (probability >= threshold) | by_grades
    # 0.95 of 20 is 19: the grades' 10 and the 9 most probable of the rest, so the threshold is the 9th (0.55).
    assert advice[truth].sum() == 19 and threshold == probability[18]
    assert referral_threshold(truth, probability, 0.95, np.array([True] * 20 + [False] * 5)) == 1.0
    assert referral_threshold(np.zeros(5, bool), probability[:5], 0.9) == 0.5
