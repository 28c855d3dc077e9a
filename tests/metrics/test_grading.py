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
