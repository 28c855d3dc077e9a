"""The SUNet loss (paper 002, Eqs. 3-5) with its alternating training on partly labelled data.

    L_total = L_R + alpha L_DR + beta L_DME,   alpha = 1, beta = 0.5                     (Eq. 5)

- L_DR, L_DME (Eq. 3): softmax cross-entropy of the DR grade (5 classes) and the DME risk
  (3 classes), averaged over the batch.
- L_R (Eq. 4), the lesion regulariser: pixel-wise cross-entropy of the lesion map. edgeseg uses
  a binary cross-entropy per lesion channel (sigmoid), because IDRiD's lesion masks may overlap
  and every edgeseg lesion output is a per-channel sigmoid. As in Eq. 4 it is averaged over the
  pixels (1/N) and summed over the lesion channels (sum over i < N_L), then averaged over the
  batch.
- Alternating training (Section 2.3): batches of images with lesion masks train all three
  terms; for a batch without masks pass ``lesion_mask=None`` and L_R = 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F

DR_WEIGHT = 1.0
DME_WEIGHT = 0.5


def lesion_regulariser_loss(lesion_logits: torch.Tensor, lesion_mask: torch.Tensor) -> torch.Tensor:
    """L_R: binary cross-entropy per lesion channel, mean over pixels and batch, sum over channels."""
    per_channel = F.binary_cross_entropy_with_logits(lesion_logits, lesion_mask.to(lesion_logits.dtype), reduction="none")
    return per_channel.mean(dim=(0, 2, 3)).sum()


def sunet_loss(
    output: Mapping[str, torch.Tensor],
    dr_grade: torch.Tensor,
    dme_grade: torch.Tensor,
    lesion_mask: torch.Tensor | None = None,
    alpha: float = DR_WEIGHT,
    beta: float = DME_WEIGHT,
) -> torch.Tensor:
    """L_total of Eq. 5 from SUNet's training output (``"dr"``, ``"dme"``, ``"lesion"`` logits),
    the grades (N,) as class indices and the lesion masks (N, C, H, W), or ``None`` for a batch
    without masks (then L_R = 0)."""
    dr_loss = F.cross_entropy(output["dr"], dr_grade)
    dme_loss = F.cross_entropy(output["dme"], dme_grade)
    total = alpha * dr_loss + beta * dme_loss
    if lesion_mask is not None:
        total = total + lesion_regulariser_loss(output["lesion"], lesion_mask)
    return total
