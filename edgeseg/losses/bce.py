"""Binary cross-entropy variants on logits.

- :func:`class_balanced_bce`: the CBCE baseline of Dual2Net (paper 000, Section 4): BCE with
  each class weighted by its inverse frequency in the batch, per channel.
- :func:`focal_bce`: the focal binary cross-entropy fBCE of U²-XS-Net (paper 003),
  -[y (1 - p)^gamma log p + (1 - y) p^gamma log(1 - p)], averaged over pixels.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def class_balanced_bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE with positives weighted by N / (2 N+) and negatives by N / (2 N-) per channel.

    With these inverse-frequency weights both classes contribute equally to the loss; a
    channel without positives falls back to plain BCE on its negatives.
    """
    dims = (0, 2, 3)
    total = target[:, :1].numel()
    positives = target.sum(dim=dims, keepdim=True)
    negatives = total - positives
    positive_weight = torch.where(positives > 0, total / (2 * positives.clamp(min=1)), torch.zeros_like(positives))
    negative_weight = torch.where(positives > 0, total / (2 * negatives.clamp(min=1)), torch.ones_like(negatives))
    weights = target * positive_weight + (1 - target) * negative_weight
    return F.binary_cross_entropy_with_logits(logits, target, weight=weights)


def focal_bce(logits: torch.Tensor, target: torch.Tensor, gamma: float = 1.0, dims: tuple[int, ...] = (0, 2, 3)) -> torch.Tensor:
    """Focal BCE per channel (mean over ``dims``); gamma = 0 gives plain BCE."""
    log_p = F.logsigmoid(logits)
    log_not_p = F.logsigmoid(-logits)
    p = log_p.exp()
    loss = -(target * (1 - p) ** gamma * log_p + (1 - target) * p**gamma * log_not_p)
    return loss.mean(dim=dims)
