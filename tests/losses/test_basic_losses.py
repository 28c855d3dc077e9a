"""Dice, CBCE, focal BCE, the U²-XS-Net loss and deep supervision against hand-worked values."""

from __future__ import annotations

import math

import pytest
import torch

from edgeseg.losses import DeepSupervision, class_balanced_bce, dice_loss, focal_bce, lesion_weights, u2xs_loss

# One channel, four pixels: logits x = (2, 0, -1, 1), target y = (1, 0, 0, 0).
LOGITS = torch.tensor([2.0, 0.0, -1.0, 1.0]).view(1, 1, 2, 2)
TARGET = torch.tensor([1.0, 0.0, 0.0, 0.0]).view(1, 1, 2, 2)


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def test_dice_loss_by_hand():
    # p = 0.5 everywhere, y = (1, 0, 1, 0): sum(p y) = 1, sum p = 2, sum y = 2, smooth 1
    # D = (2 * 1 + 1) / (4 + 1) = 0.6, loss 0.4
    target = torch.tensor([1.0, 0.0, 1.0, 0.0]).view(1, 1, 2, 2)
    assert dice_loss(torch.zeros(1, 1, 2, 2), target).item() == pytest.approx(0.4)


def test_class_balanced_bce_by_hand():
    # N = 4, N+ = 1: w+ = 4 / (2 * 1) = 2, w- = 4 / (2 * 3) = 2/3.
    # per-pixel BCE: log(1 + e^-2), log 2, log(1 + e^-1), log(1 + e^1)
    bce = [math.log1p(math.exp(-2)), math.log(2), math.log1p(math.exp(-1)), math.log1p(math.exp(1))]
    expected = (2 * bce[0] + (2 / 3) * (bce[1] + bce[2] + bce[3])) / 4  # = 0.450076
    assert class_balanced_bce(LOGITS, TARGET).item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.450076, abs=1e-6)


def test_focal_bce_by_hand():
    # gamma = 1: y=1 pixel: (1 - p) * -log p; y=0 pixels: p * -log(1 - p)
    p = [_sigmoid(v) for v in (2.0, 0.0, -1.0, 1.0)]
    terms = [(1 - p[0]) * -math.log(p[0])] + [q * -math.log(1 - q) for q in p[1:]]
    expected = sum(terms) / 4  # = 0.351506
    assert focal_bce(LOGITS, TARGET, gamma=1.0).item() == pytest.approx(expected, abs=1e-6)
    assert expected == pytest.approx(0.351506, abs=1e-6)
    plain = focal_bce(LOGITS, TARGET, gamma=0.0).item()
    assert plain == pytest.approx(torch.nn.functional.binary_cross_entropy_with_logits(LOGITS, TARGET).item())


def test_lesion_weights_by_hand():
    # channel 0: y = (1,0,0,0): r0 = 3 / (1 + 1) = 1.5; channel 1: y = (1,1,0,0): r1 = 2 / 3
    # w = r^(1/8) / (1.5^(1/8) + (2/3)^(1/8)) = (0.525320, 0.474680)
    target = torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]).view(1, 2, 2, 2)
    weights = lesion_weights(target)
    assert weights.tolist() == pytest.approx([0.525320, 0.474680], abs=1e-6)


def test_u2xs_loss_by_hand():
    # Two channels of four pixels; L = (1/C) sum_k (0.75 fBCE_k + 0.25 Dice_k) w_k with C = 2.
    logits = torch.tensor([[2.0, 0.0, -1.0, 1.0], [0.0, 0.0, 0.0, 0.0]]).view(1, 2, 2, 2)
    target = torch.tensor([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0]]).view(1, 2, 2, 2)
    p0 = [_sigmoid(v) for v in (2.0, 0.0, -1.0, 1.0)]
    focal0 = ((1 - p0[0]) * -math.log(p0[0]) + sum(q * -math.log(1 - q) for q in p0[1:])) / 4
    dice0 = 1 - (2 * p0[0] + 1) / (sum(p0) + 1 + 1)
    focal1 = (2 * 0.5 * math.log(2) + 2 * 0.5 * math.log(2)) / 4  # every pixel: 0.5 * log 2
    dice1 = 1 - (2 * (0.5 + 0.5) + 1) / (2.0 + 2.0 + 1)  # = 0.4
    w0, w1 = 0.525320, 0.474680
    expected = ((0.75 * focal0 + 0.25 * dice0) * w0 + (0.75 * focal1 + 0.25 * dice1) * w1) / 2
    assert u2xs_loss(logits, target).item() == pytest.approx(expected, abs=1e-5)


def test_deep_supervision_weights_main_and_sides_equally():
    mean = lambda logits, target: logits.mean()  # noqa: E731 - a stand-in base loss
    output = {"logits": torch.full((1, 1, 2, 2), 1.0), "side": [torch.full((1, 1, 2, 2), v) for v in (2.0, 3.0)]}
    assert DeepSupervision(mean)(output, TARGET).item() == pytest.approx(6.0)
    assert DeepSupervision(mean, main_weight=0.5, side_weights=[1.0, 0.0])(output, TARGET).item() == pytest.approx(2.5)
    assert DeepSupervision(mean)(torch.ones(1, 1, 2, 2), TARGET).item() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="2 side outputs but 1"):
        DeepSupervision(mean, side_weights=[1.0])(output, TARGET)


def test_deep_supervision_adds_the_auxiliary_head():
    mean = lambda logits, target: logits.mean()  # noqa: E731
    output = {"logits": torch.full((1, 1, 2, 2), 1.0), "aux": torch.full((1, 1, 2, 2), 5.0)}
    assert DeepSupervision(mean)(output, TARGET).item() == pytest.approx(1.0 + 0.4 * 5.0)
