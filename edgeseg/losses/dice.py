"""Dice loss, the papers' plain "Dice" baseline and a part of several composite losses.

D(P, Y) = 2 sum(p y) / (sum(p) + sum(y)), loss = 1 - D (Dual2Net Eq. 1; U²-XS-Net's Dice_k).
A smoothing term ``smooth`` is added to numerator and denominator (1, as in the public
Dual2Net code) so that an image without lesion gives a finite loss.
"""

from __future__ import annotations

import torch


def soft_dice(probabilities: torch.Tensor, target: torch.Tensor, smooth: float = 1.0, dims: tuple[int, ...] = (0, 2, 3)) -> torch.Tensor:
    """Soft Dice coefficient per channel, summed over ``dims`` (default: batch and pixels)."""
    intersection = (probabilities * target).sum(dim=dims)
    total = probabilities.sum(dim=dims) + target.sum(dim=dims)
    return (2 * intersection + smooth) / (total + smooth)


def dice_loss(logits: torch.Tensor, target: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - soft Dice of sigmoid(logits) against ``target`` (N, C, H, W), averaged over channels."""
    return (1 - soft_dice(torch.sigmoid(logits), target, smooth)).mean()
