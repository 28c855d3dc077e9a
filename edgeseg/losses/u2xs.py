"""The U²-XS-Net loss (paper 003, "Loss function"): focal BCE + Dice, weighted per lesion.

For C lesion channels, on sigmoid outputs p and masks y over the batch's pixels n:

    L = (1/C) sum_k (a fBCE_k(y_k, p_k, gamma) + (1 - a) Dice_k(y_k, p_k)) w_k
    r_k = sum_n (1 - y_nk) / (sum_n y_nk + 1),   w_k = r_k^(1/8) / sum_j r_j^(1/8)

with a = 0.75 and gamma = 1: rarer lesions (large r_k) weigh more, softened by the 8th root.
Deep supervision applies it with equal weights to the fused output and every side output
(:class:`edgeseg.losses.deep_supervision.DeepSupervision`).
"""

from __future__ import annotations

import torch

from edgeseg.losses.bce import focal_bce
from edgeseg.losses.dice import soft_dice


def lesion_weights(target: torch.Tensor, root: float = 8.0) -> torch.Tensor:
    """w_k = r_k^(1/root) / sum_j r_j^(1/root) with r_k the negative/positive ratio of channel k."""
    dims = (0, 2, 3)
    positives = target.sum(dim=dims)
    negatives = (1 - target).sum(dim=dims)
    ratio = negatives / (positives + 1)
    softened = ratio ** (1 / root)
    return softened / softened.sum()


def u2xs_loss(logits: torch.Tensor, target: torch.Tensor, alpha: float = 0.75, gamma: float = 1.0) -> torch.Tensor:
    """U²-XS-Net's weighted focal-BCE + Dice loss on one output map (N, C, H, W)."""
    weights = lesion_weights(target)
    focal = focal_bce(logits, target, gamma)
    dice = 1 - soft_dice(torch.sigmoid(logits), target)
    return ((alpha * focal + (1 - alpha) * dice) * weights).sum() / target.shape[1]
