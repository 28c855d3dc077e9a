"""Red-Seg's losses (paper 004, Section 2.2): the lambda schedule, Top-k weighted CE, FN + FP."""

from __future__ import annotations

import math

import pytest
import torch

from edgeseg.losses.topk import TopKWeightedBCE, squared_error_loss, topk_lambda, topk_weighted_bce

LOG2 = math.log(2)

# One 2x2 image, one channel. Pixel: logit x, p = sigmoid(x), mask y.
#   A: x = 0,      p = 0.5,  y = 1  -> -log p       = log 2
#   B: x = ln 3,   p = 0.75, y = 0  -> -log(1 - p)  = log 4
#   C: x = -ln 3,  p = 0.25, y = 0  -> -log(1 - p)  = log 4/3
#   D: x = 0,      p = 0.5,  y = 0  -> -log(1 - p)  = log 2
LOGITS = torch.tensor([[[[0.0, math.log(3)], [-math.log(3), 0.0]]]])
MASK = torch.tensor([[[[1.0, 0.0], [0.0, 0.0]]]])


@pytest.mark.parametrize(
    "iteration, expected",
    [
        (0, 0.14),
        (1, 0.14),
        (9_999, 0.14),
        # lambda0 / (M / S) = 0.14 / 9.72 = 0.0144033 per step of S = 10 000 iterations.
        (10_000, 0.14 * (1 - 1 / 9.72)),  # the paper's value for r in [S, 2S - 1]
        (19_999, 0.14 - 0.14 / 9.72),
        (20_000, 0.14 - 2 * 0.14 / 9.72),
        (97_200, 0.14 - 9 * 0.14 / 9.72),  # last iteration: 0.0103704
        (200_000, 0.0),  # past M the schedule would go negative: clamped
    ],
)
def test_lambda_schedule(iteration, expected):
    assert topk_lambda(iteration) == pytest.approx(expected, abs=1e-12)


def test_lambda_schedule_at_the_last_iteration_by_hand():
    assert topk_lambda(97_200) == pytest.approx(0.0103704, abs=1e-7)


def test_lambda_schedule_rejects_a_bad_step():
    with pytest.raises(ValueError):
        topk_lambda(5, step=0)


def test_topk_keeps_the_hardest_negatives():
    # keep = round(0.5 * 4) = 2 negatives: B (log 4) and D (log 2); C is dropped.
    # N+ = 1, b = 2 / (2 + 1) = 2/3.
    # L1 = 2/3 log 2 + 1/3 (log 4 + log 2) = 2/3 log 2 + log 2 = 5/3 log 2 (sum over pixels);
    # mean reduction divides by the 4 pixels: 5/12 log 2.
    assert topk_weighted_bce(LOGITS, MASK, 0.5, "sum").item() == pytest.approx(5 / 3 * LOG2, rel=1e-6)
    assert topk_weighted_bce(LOGITS, MASK, 0.5).item() == pytest.approx(5 / 12 * LOG2, rel=1e-6)


def test_dropped_negatives_get_no_gradient():
    logits = LOGITS.clone().requires_grad_(True)
    topk_weighted_bce(logits, MASK, 0.5).backward()
    grad = logits.grad[0, 0]
    assert grad[1, 0] == 0  # C, the easy negative
    assert grad[0, 0] < 0 and grad[0, 1] > 0 and grad[1, 1] > 0


def test_weight_uses_the_negatives_actually_kept():
    # keep = round(1.0 * 4) = 4 but only 3 negatives exist: all three kept, b = 3 / (3 + 1) = 3/4.
    # L1 = 3/4 log 2 + 1/4 (log 4 + log 4/3 + log 2) = 3/4 log 2 + 1/4 log(32/3).
    expected = 0.75 * LOG2 + 0.25 * math.log(32 / 3)
    assert topk_weighted_bce(LOGITS, MASK, 1.0, "sum").item() == pytest.approx(expected, rel=1e-6)
    assert topk_weighted_bce(LOGITS, MASK, 0.75, "sum").item() == pytest.approx(expected, rel=1e-6)


def test_image_without_lesion_has_zero_loss():
    # N+ = 0 gives b = lambda / lambda = 1: the negative term's weight 1 - b is 0.
    assert topk_weighted_bce(LOGITS, torch.zeros_like(MASK), 0.5).item() == 0.0


def test_channels_are_summed_and_images_averaged():
    one = topk_weighted_bce(LOGITS, MASK, 0.5)
    two_channels = topk_weighted_bce(LOGITS.repeat(1, 2, 1, 1), MASK.repeat(1, 2, 1, 1), 0.5)
    two_images = topk_weighted_bce(LOGITS.repeat(2, 1, 1, 1), MASK.repeat(2, 1, 1, 1), 0.5)
    assert two_channels.item() == pytest.approx(2 * one.item())
    assert two_images.item() == pytest.approx(one.item())


def test_scheduled_loss_follows_the_iteration():
    # lambda0 = 0.5, S = 10, M = 20: lambda = 0.5 for r < 10, 0.5 - 0.5 / 2 = 0.25 for r in [10, 19].
    loss = TopKWeightedBCE(lambda0=0.5, step=10, max_iterations=20, reduction="sum")
    loss.iteration = 9
    assert loss(LOGITS, MASK).item() == pytest.approx(5 / 3 * LOG2, rel=1e-6)
    # r = 10: keep = round(0.25 * 4) = 1 (B), b = 1/2: L1 = 1/2 log 2 + 1/2 log 4 = 3/2 log 2.
    loss.iteration = 10
    assert loss.keep_fraction == pytest.approx(0.25)
    assert loss(LOGITS, MASK).item() == pytest.approx(1.5 * LOG2, rel=1e-6)


def test_squared_error_is_false_negatives_plus_false_positives():
    # p = (0.5, 0.75, 0.25, 0.5), y = (1, 0, 0, 0):
    # FN = (1 - 0.5)^2 = 0.25; FP = 0.75^2 + 0.25^2 + 0.5^2 = 0.875; L2 = 1.125 (sum), / 4 = 0.28125.
    assert squared_error_loss(LOGITS, MASK, "sum").item() == pytest.approx(1.125)
    assert squared_error_loss(LOGITS, MASK).item() == pytest.approx(0.28125)


@pytest.mark.parametrize(
    "call",
    [
        lambda: topk_weighted_bce(LOGITS, MASK, 0.5, "max"),
        lambda: squared_error_loss(LOGITS, MASK, "none"),
        lambda: TopKWeightedBCE(reduction="avg"),
    ],
)
def test_unknown_reduction_is_an_error(call):
    with pytest.raises(ValueError, match="reduction"):
        call()
