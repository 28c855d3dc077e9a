"""The SUNet loss (paper 002, Eqs. 3-5) against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch

from edgeseg.losses.sunet import lesion_regulariser_loss, sunet_loss

LOG2 = math.log(2)

# DR logits (0, ln 4, 0, 0, 0): softmax denominator 1 + 4 + 1 + 1 + 1 = 8; grade 1 -> -log(4/8) = log 2.
# DME logits (ln 2, 0, 0): denominator 2 + 1 + 1 = 4; grade 0 -> -log(2/4) = log 2.
# Lesion logits (1, 2, 1, 2), masks:
#   channel 0: x = (0, ln 3), y = (1, 0): -log 0.5 = log 2, -log(1 - 0.75) = log 4 -> mean 3/2 log 2
#   channel 1: x = (ln 3, -ln 3), y = (1, 1): -log 0.75 = log 4/3, -log 0.25 = log 4 -> mean 1/2 log 16/3
OUTPUT = {
    "dr": torch.tensor([[0.0, math.log(4), 0.0, 0.0, 0.0]]),
    "dme": torch.tensor([[math.log(2), 0.0, 0.0]]),
    "lesion": torch.tensor([[[[0.0, math.log(3)]], [[math.log(3), -math.log(3)]]]]),
}
DR, DME = torch.tensor([1]), torch.tensor([0])
MASK = torch.tensor([[[[1.0, 0.0]], [[1.0, 1.0]]]])
L_R = 1.5 * LOG2 + 0.5 * math.log(16 / 3)  # channels summed


def test_lesion_regulariser_by_hand():
    assert lesion_regulariser_loss(OUTPUT["lesion"], MASK).item() == pytest.approx(L_R, rel=1e-6)


def test_total_with_lesion_masks():
    # L_total = L_R + 1 * log 2 + 0.5 * log 2
    assert sunet_loss(OUTPUT, DR, DME, MASK).item() == pytest.approx(L_R + 1.5 * LOG2, rel=1e-6)


def test_batch_without_lesion_masks_drops_the_regulariser():
    # L_R = 0: 1 * log 2 + 0.5 * log 2
    assert sunet_loss(OUTPUT, DR, DME, None).item() == pytest.approx(1.5 * LOG2, rel=1e-6)


def test_weights_alpha_and_beta():
    # alpha = 2, beta = 3: L_R + 2 log 2 + 3 log 2
    assert sunet_loss(OUTPUT, DR, DME, MASK, alpha=2.0, beta=3.0).item() == pytest.approx(L_R + 5 * LOG2, rel=1e-6)


def test_lesion_head_gets_no_gradient_without_masks():
    lesion = OUTPUT["lesion"].clone().requires_grad_(True)
    dr = OUTPUT["dr"].clone().requires_grad_(True)
    output = {**OUTPUT, "lesion": lesion, "dr": dr}
    sunet_loss(output, DR, DME, None).backward()
    assert lesion.grad is None and dr.grad is not None
