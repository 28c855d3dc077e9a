"""Region-level F_sigma (Dual2Net Eqs. 9-12) against cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.metrics.region import region_confusion, region_f_scores


def _two_overlapping_blocks():
    truth = np.zeros((12, 20), bool)
    prediction = np.zeros((12, 20), bool)
    truth[0:2, 0:5] = True  # G1: 10 px
    prediction[0:2, 3:8] = True  # D1: 10 px, 4 px inside G1 -> both ratios 0.4
    prediction[8:10, 15:17] = True
    prediction[8, 17] = False  # D2: 4 px... made 3 px below
    prediction[9, 16] = False
    truth[5:6, 10:15] = True  # G2: 5 px, missed
    return prediction, truth


def test_hand_worked_counts():
    prediction, truth = _two_overlapping_blocks()
    assert prediction.sum() == 13 and truth.sum() == 15
    counts = region_confusion(prediction, truth, (0.2, 0.5))
    # sigma 0.2: D1 and G1 overlap 0.4 > 0.2, so both count whole: TP = 4 + 6 + 6.
    assert (counts[0.2].tp, counts[0.2].fp, counts[0.2].fn) == (16, 3, 5)
    # sigma 0.5: 0.4 <= 0.5, only the intersection is TP; the rest of D1 is FP, of G1 is FN.
    assert (counts[0.5].tp, counts[0.5].fp, counts[0.5].fn) == (4, 9, 11)
    scores = region_f_scores([prediction], [truth], (0.2, 0.5))
    assert scores[0.2] == pytest.approx(32 / 40)
    assert scores[0.5] == pytest.approx(8 / 28)


def test_large_prediction_around_small_lesion():
    truth = np.zeros((10, 10), bool)
    truth[4:6, 4:6] = True  # 4 px, fully covered: its ratio is 1
    prediction = np.zeros((10, 10), bool)
    prediction[2:8, 2:8] = True  # 36 px, ratio 4/36
    counts = region_confusion(prediction, truth, (0.2,))[0.2]
    assert (counts.tp, counts.fp, counts.fn) == (4, 32, 0)
    assert counts.f_score == pytest.approx(0.2)


def test_components_are_8_connected():
    truth = np.zeros((4, 4), bool)
    truth[0, 0] = True
    prediction = np.zeros((4, 4), bool)
    prediction[0, 0] = prediction[1, 1] = True  # one diagonal component, ratio 0.5
    assert region_f_scores([prediction], [truth], (0.35,))[0.35] == pytest.approx(1.0)
    assert region_f_scores([prediction], [truth], (0.5,))[0.5] == pytest.approx(2 / 3)


def test_counts_pool_over_images():
    """Pixel counts are pooled over the images before F is taken (Dual2Net Eqs. 9-12): with two
    different images the pooled F differs from the mean of the per-image Fs, so averaging per
    image instead of pooling fails here."""
    first_prediction, first_truth = _two_overlapping_blocks()
    second_truth = np.zeros((12, 20), bool)
    second_truth[2:10, 2:18] = True  # one large lesion, 128 px
    second_prediction = second_truth.copy()  # found exactly: F = 1 at every sigma
    first = region_f_scores([first_prediction], [first_truth], (0.5,))[0.5]
    second = region_f_scores([second_prediction], [second_truth], (0.5,))[0.5]
    pooled = region_f_scores([first_prediction, second_prediction], [first_truth, second_truth], (0.5,))[0.5]
    # sigma 0.5: image 1 gives TP 4, FP 9, FN 11; image 2 TP 128: pooled F = 2*132 / (2*132 + 9 + 11)
    assert pooled == pytest.approx(264 / 284)
    assert first == pytest.approx(8 / 28) and second == pytest.approx(1.0)
    assert abs(pooled - (first + second) / 2) > 0.2
