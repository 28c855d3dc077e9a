from __future__ import annotations

import math

import numpy as np
import pytest

from edgeseg.metrics.pixel import Confusion, pixel_confusion


def test_hand_worked_scores():
    truth = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0], bool)
    prediction = np.array([1, 1, 1, 0, 1, 1, 0, 0, 0, 0], bool)
    counts = pixel_confusion(prediction, truth)
    assert (counts.tp, counts.fp, counts.fn) == (3, 2, 1)
    assert counts.sensitivity == pytest.approx(0.75)
    assert counts.ppv == pytest.approx(0.6)
    assert counts.f_score == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert counts.iou == pytest.approx(0.5)
    assert counts.dice == pytest.approx(6 / 9)
    assert counts.f_score == pytest.approx(counts.dice)


def test_undefined_scores_are_nan():
    counts = Confusion(0, 0, 5)
    assert counts.sensitivity == 0 and math.isnan(counts.ppv) and math.isnan(counts.f_score)


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="differ in shape"):
        pixel_confusion(np.zeros(3, bool), np.zeros(4, bool))
