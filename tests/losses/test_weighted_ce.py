"""The weighted cross-entropy (paper 001, Eq. 2) and the local-global total (Eq. 1) by hand."""

from __future__ import annotations

import math

import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.losses.weighted_ce import LocalGlobalLoss, downsample_mask, weighted_cross_entropy

# One image, four pixels: logits (0, ln 3, -ln 3, 0) give p = (1/2, 3/4, 1/4, 1/2); y = (1, 1, 0, 0).
LOGITS = torch.tensor([0.0, math.log(3), -math.log(3), 0.0]).view(1, 1, 2, 2)
TARGET = torch.tensor([1.0, 1.0, 0.0, 0.0]).view(1, 1, 2, 2)


def test_weighted_cross_entropy_by_hand():
    # |Y+| = 2, |Y-| = 2, gamma = 1: positive weight 2 / (2 + 1) = 2/3
    # positives: -(log 1/2 + log 3/4) = log 8/3; negatives: -(log(1 - 1/4) + log(1 - 1/2)) = log 8/3
    # L = (2/3 + 1) log 8/3 = (5/3) log 8/3, divided by the 4 pixels: (5/12) log 8/3 = 0.408679
    expected = 5 / 12 * math.log(8 / 3)
    assert expected == pytest.approx(0.408679, abs=1e-6)
    assert weighted_cross_entropy(LOGITS, TARGET).item() == pytest.approx(expected, abs=1e-6)


def test_gamma_sets_the_positive_weight():
    # gamma = 0: weight |Y-| / |Y+| = 1, L = 2 log(8/3) / 4; gamma = 2: weight 1/2, L = 1.5 log(8/3) / 4
    assert weighted_cross_entropy(LOGITS, TARGET, gamma=0).item() == pytest.approx(math.log(8 / 3) / 2, abs=1e-6)
    assert weighted_cross_entropy(LOGITS, TARGET, gamma=2).item() == pytest.approx(1.5 * math.log(8 / 3) / 4, abs=1e-6)


def test_weights_are_per_image_and_the_batch_is_averaged():
    # Image 2: all negative, p = 1/2 everywhere: no positive term, L = 4 log 2 / 4 = log 2.
    # Image 1 is the case above; the batch loss is the mean of the two.
    logits = torch.cat([LOGITS, torch.zeros(1, 1, 2, 2)])
    target = torch.cat([TARGET, torch.zeros(1, 1, 2, 2)])
    expected = (5 / 12 * math.log(8 / 3) + math.log(2)) / 2
    assert weighted_cross_entropy(logits, target).item() == pytest.approx(expected, abs=1e-6)


def test_matches_the_set_sums_of_equation_2_on_random_masks():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 2, 5, 7, generator=generator)
    target = (torch.rand(3, 2, 5, 7, generator=generator) < 0.2).float()
    values = []
    for image_logits, image_target in zip(logits.flatten(0, 1), target.flatten(0, 1)):
        p = torch.sigmoid(image_logits.double())
        positive, negative = image_target.bool(), ~image_target.bool()
        weight = negative.sum() / (positive.sum() + 1.0)
        loss = -weight * torch.log(p[positive]).sum() - torch.log(1 - p[negative]).sum()
        values.append(loss / image_target.numel())
    assert weighted_cross_entropy(logits, target).item() == pytest.approx(torch.stack(values).mean().item(), rel=1e-5)


def test_local_global_total_by_hand():
    # L_local: the case above, (5/12) log 8/3.
    # L_global: logits 0 (p = 1/2), y = (1, 0, 0, 0): weight 3 / (1 + 1) = 3/2,
    #   (3/2 log 2 + 3 log 2) / 4 = (9/8) log 2.
    # L = 0.5 * (9/8) log 2 + 2 * (5/12) log 8/3
    output = {"logits": LOGITS, "global": torch.zeros(1, 1, 2, 2)}
    global_target = torch.tensor([1.0, 0.0, 0.0, 0.0]).view(1, 1, 2, 2)
    expected = 0.5 * 9 / 8 * math.log(2) + 2 * 5 / 12 * math.log(8 / 3)
    loss = LocalGlobalLoss(global_weight=0.5, local_weight=2.0)(output, TARGET, global_target)
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_global_target_defaults_to_the_downsampled_whole_image_mask():
    # A 4x4 mask with its top-left 2x2 block positive becomes (1, 0, 0, 0) at 2x2.
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :2] = 1
    assert downsample_mask(mask, (2, 2)).flatten().tolist() == [1.0, 0.0, 0.0, 0.0]
    output = {"logits": torch.zeros(1, 1, 4, 4), "global": torch.zeros(1, 1, 2, 2)}
    # L_local on p = 1/2: |Y+| = 4, |Y-| = 12, weight 12 / (4 + 1) = 12/5; positives 4 log 2,
    # negatives 12 log 2: (12/5 * 4 + 12) log 2 / 16 pixels = (27/20) log 2.
    # L_global on the downsampled mask (1, 0, 0, 0): (9/8) log 2 as above.
    expected = (27 / 20 + 9 / 8) * math.log(2)
    assert LocalGlobalLoss()(output, mask).item() == pytest.approx(expected, abs=1e-6)


def test_patch_targets_without_global_target_are_a_clear_error():
    output = {"logits": torch.zeros(4, 1, 2, 2), "global": torch.zeros(1, 1, 2, 2)}
    with pytest.raises(EdgesegError, match="global_target"):
        LocalGlobalLoss()(output, torch.zeros(4, 1, 2, 2))


def test_wce_recipe_loss_is_eq2_on_the_output():
    from edgeseg.train.recipes import get_recipe
    from edgeseg.train.tasks import build_loss

    loss = build_loss(get_recipe("localnet").stages[0])
    expected = 5 / 12 * math.log(8 / 3)  # the hand-computed value above
    assert loss({"logits": LOGITS}, TARGET).item() == pytest.approx(expected, abs=1e-6)
    assert loss(LOGITS, TARGET).item() == pytest.approx(expected, abs=1e-6)
