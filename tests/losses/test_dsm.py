from __future__ import annotations

import math

import pytest
import torch

from edgeseg.losses.dice import dice_loss
from edgeseg.losses.dsm import DSMDiceLoss, auxiliary_dice_loss, dsm_alpha, rebalanced_pixel_counts, sampled_dice_loss

LOG3 = math.log(3.0)  # sigmoid(log 3) = 0.75, sigmoid(-log 3) = 0.25, sigmoid(0) = 0.5


def _map(rows: list[list[float]]) -> torch.Tensor:
    return torch.tensor(rows, dtype=torch.float32)[None, None]


@pytest.mark.parametrize("epoch, expected", [(0, 1.0), (10, 0.9375), (20, 0.75), (30, 0.4375), (40, 0.0), (5.5, 1 - (5.5 / 40) ** 2)])
def test_alpha_is_one_minus_squared_progress(epoch, expected):
    assert dsm_alpha(epoch, 40) == pytest.approx(expected)


@pytest.mark.parametrize("epoch, max_epoch", [(-1, 40), (41, 40), (0, 0)])
def test_alpha_rejects_epochs_outside_the_schedule(epoch, max_epoch):
    with pytest.raises(ValueError):
        dsm_alpha(epoch, max_epoch)


def test_sampled_dice_by_hand():
    # p = (0.75, 0.25, 0.5, 0.5), y = (1, 0, 1, 0), counts c = (2, 1, 0, 1), smooth 1:
    # sum c p y = 2 * 0.75 = 1.5; sum c p = 1.5 + 0.25 + 0 + 0.5 = 2.25; sum c y = 2
    # D = (2 * 1.5 + 1) / (2.25 + 2 + 1) = 4 / 5.25 = 16/21, loss = 5/21
    logits = _map([[LOG3, -LOG3], [0.0, 0.0]])
    target = _map([[1, 0], [1, 0]])
    counts = _map([[2, 1], [0, 1]])
    assert sampled_dice_loss(logits, target, counts).item() == pytest.approx(5 / 21)


def test_sampled_dice_with_unit_counts_is_plain_dice():
    generator = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 3, 8, 8, generator=generator)
    target = (torch.rand(2, 3, 8, 8, generator=generator) > 0.7).float()
    assert sampled_dice_loss(logits, target, torch.ones_like(target)).item() == pytest.approx(dice_loss(logits, target).item())


@pytest.mark.parametrize("share", [0.25, 0.5, 0.75])
def test_rebalanced_sampler_draws_the_positive_share_over_10000_draws(share):
    target = torch.zeros(1, 1, 100, 100)  # N = 10 000 draws
    target[..., 40:50, 20:30] = 1  # 100 lesion pixels (1 %)
    counts = rebalanced_pixel_counts(target, share, torch.Generator().manual_seed(0))
    assert counts.sum().item() == 10_000
    positive_share = (counts * target).sum().item() / 10_000
    assert abs(positive_share - share) <= 0.02


def test_rebalanced_sampler_draws_with_replacement_uniformly_within_each_class():
    target = torch.zeros(1, 1, 100, 100)
    target[..., :10, :10] = 1
    counts = rebalanced_pixel_counts(target, 0.5, torch.Generator().manual_seed(1))[0, 0]
    lesion, background = counts[:10, :10].flatten(), counts[target[0, 0] == 0]
    assert lesion.min() > 1  # 5 000 draws over 100 pixels: every lesion pixel drawn many times
    # chi-square of the lesion counts against uniform (expected 50 each, 99 degrees of freedom)
    chi_square = ((lesion - 50) ** 2 / 50).sum().item()
    assert chi_square < 99 + 5 * math.sqrt(2 * 99)
    assert background.sum().item() == 5_000 and background.max() >= 2  # 5 000 draws over 9 900: repeats


def test_rebalanced_sampler_is_deterministic_with_a_generator_and_per_map():
    target = torch.zeros(2, 2, 16, 16)
    target[0, 0, :4, :4] = 1
    target[1, 1, 8:, 8:] = 1
    first = rebalanced_pixel_counts(target, 0.5, torch.Generator().manual_seed(7))
    second = rebalanced_pixel_counts(target, 0.5, torch.Generator().manual_seed(7))
    assert torch.equal(first, second)
    assert torch.equal(first.sum(dim=(2, 3)), torch.full((2, 2), 256.0))
    assert (first * target).sum().item() == 2 * 128  # the two maps with lesions


def test_rebalanced_sampler_falls_back_to_the_only_class_present():
    empty, full = torch.zeros(1, 1, 4, 4), torch.ones(1, 1, 4, 4)
    assert rebalanced_pixel_counts(empty, 0.5).sum().item() == 16
    assert rebalanced_pixel_counts(full, 0.5).sum().item() == 16
    with pytest.raises(ValueError):
        rebalanced_pixel_counts(empty, 1.5)


def _branch(logits: torch.Tensor, **extra) -> dict:
    return {"logits": logits, **extra}


def test_dsm_total_by_hand():
    # Large branch, uniform sampler: p = 0.5 everywhere, y_L = (1, 1, 0, 0):
    #   D = (2 * 1 + 1) / (2 + 2 + 1) = 0.6, L_L = 0.4
    # Small branch, re-balanced sampler, N = 4, N1 = 2: y_S = (1, 0, 0, 0), p = 0.75 on the
    #   lesion pixel and 0.25 on the background, so whichever pixels are drawn:
    #   sum c p y = 2 * 0.75 = 1.5, sum c p = 1.5 + 2 * 0.25 = 2, sum c y = 2
    #   D = (3 + 1) / (2 + 2 + 1) = 0.8, L_S = 0.2 (uniform Dice would give 1 - 2.5/3.5 = 0.286)
    # Auxiliary (plain Dice), logits 0: L_aux_L = 0.4 (as L_L);
    #   L_aux_S: sum p y = 0.5, sum p = 2, sum y = 1, D = (1 + 1) / (3 + 1) = 0.5, loss 0.5
    # Epoch 20 of 40: alpha = 1 - 0.25 = 0.75
    #   L_DSM = 0.75 * 0.4 + 0.25 * 0.2 = 0.35; total = 0.35 + 0.4 * (0.4 + 0.5) = 0.71
    target_large = _map([[1, 1], [0, 0]])
    target_small = _map([[1, 0], [0, 0]])
    output = {
        "large": _branch(torch.zeros(1, 1, 2, 2), aux=torch.zeros(1, 1, 2, 2)),
        "small": _branch(_map([[LOG3, -LOG3], [-LOG3, -LOG3]]), aux=torch.zeros(1, 1, 2, 2)),
    }
    terms = DSMDiceLoss(max_epoch=40, generator=torch.Generator().manual_seed(0)).terms(output, target_large, target_small, epoch=20)
    assert terms["alpha"] == pytest.approx(0.75)
    assert terms["large"].item() == pytest.approx(0.4)
    assert terms["small"].item() == pytest.approx(0.2)
    assert terms["aux_large"].item() == pytest.approx(0.4)
    assert terms["aux_small"].item() == pytest.approx(0.5)
    assert terms["dsm"].item() == pytest.approx(0.35)
    assert terms["total"].item() == pytest.approx(0.71)


@pytest.mark.parametrize("epoch, expected", [(0, 0.4), (20, 0.35), (40, 0.2)])
def test_alpha_weights_the_uniform_branch(epoch, expected):
    # L_L = 0.4 and L_S = 0.2 as in test_dsm_total_by_hand; no auxiliary outputs, so the total
    # is L_DSM: all L_L at the start, all L_S at the end.
    output = {"large": _branch(torch.zeros(1, 1, 2, 2)), "small": _branch(_map([[LOG3, -LOG3], [-LOG3, -LOG3]]))}
    loss = DSMDiceLoss(max_epoch=40)(output, _map([[1, 1], [0, 0]]), _map([[1, 0], [0, 0]]), epoch)
    assert loss.item() == pytest.approx(expected)


def test_hed_side_outputs_replace_the_auxiliary_loss_by_hand():
    # Two sides against y = (1, 1, 0, 0): logits 0 gives Dice loss 0.4 (see above);
    # p = (0.75, 0.75, 0.25, 0.25): sum p y = 1.5, sum p = 2, sum y = 2, D = 4/5, loss 0.2.
    # Mean over the sides: (0.4 + 0.2) / 2 = 0.3
    target = _map([[1, 1], [0, 0]])
    sides = [torch.zeros(1, 1, 2, 2), _map([[LOG3, LOG3], [-LOG3, -LOG3]])]
    assert auxiliary_dice_loss({"logits": sides[0], "side": sides}, target).item() == pytest.approx(0.3)
    assert auxiliary_dice_loss({"logits": sides[0]}, target).item() == 0.0


def test_dsm_loss_accepts_the_training_output_of_forward():
    logits = torch.zeros(2, 1, 4, 4, requires_grad=True)
    target = torch.zeros(2, 1, 4, 4)
    target[:, :, :2, :2] = 1
    branches = {"large": {"logits": logits, "aux": logits}, "small": {"logits": logits * 2, "aux": logits}}
    loss = DSMDiceLoss(max_epoch=10)(branches, target, target, epoch=3)
    loss.backward()
    assert torch.isfinite(loss) and logits.grad.abs().sum() > 0
