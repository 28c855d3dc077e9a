"""The losses of the mutually local-global U-Nets (paper 001, Section 2.2, Eq. 1 and 2).

Eq. 2, the HED-style weighted cross-entropy (Xie and Tu 2015) with the smoothing ``gamma``, for
one image X with positive pixels Y+ and negative pixels Y-, p_j = P(y_j = 1 | X):

    L = -(|Y-| / (|Y+| + gamma)) sum_{j in Y+} log p_j - sum_{j in Y-} log(1 - p_j)

**Normalisation** (the paper sums): L is divided by the image's pixel count |X| = |Y+| + |Y-|,
then averaged over the images and channels of the batch, so its scale does not depend on the
patch or image size; the class weight is computed per image and channel, as Eq. 2 defines it.
Soft masks (a mask downsampled to GlobalNet's size) count fractionally: |Y+| = sum y,
|Y-| = sum (1 - y), and the sums are weighted by y and 1 - y.

**gamma**: the paper gives no value; the default 1 keeps the weight finite on patches without
lesion (as U²-XS-Net's r_k = neg / (pos + 1)). The paper's prose calls the weight
|Y0| / (gamma |Y1|); papers.md follows the equation, and so does this module.

Eq. 1, L = l1 L_global + l2 L_local + l3 ||theta||^2, is :class:`LocalGlobalLoss`. L_local
scores the fused patch output (the local stream's final output, Fig. 1); L_global scores
GlobalNet's output against the mask downsampled to its size. **The l3 ||theta||^2 term is left
to the optimiser**: its gradient is 2 l3 theta, so use
``torch.optim.Adam(model.parameters(), lr=2e-4, weight_decay=2 * l3)`` (Adam's coupled L2, not
AdamW's decoupled decay).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from edgeseg.errors import EdgesegError


def weighted_cross_entropy(logits: torch.Tensor, target: torch.Tensor, gamma: float = 1.0) -> torch.Tensor:
    """Eq. 2 of paper 001 on logits (N, C, H, W) and masks in [0, 1], per image and channel,
    divided by the pixel count and averaged over images and channels."""
    dims = (-2, -1)
    positives = target.sum(dim=dims)
    negatives = (1 - target).sum(dim=dims)
    positive_weight = negatives / (positives + gamma)
    positive_loss = -(target * F.logsigmoid(logits)).sum(dim=dims)
    negative_loss = -((1 - target) * F.logsigmoid(-logits)).sum(dim=dims)
    pixels = target.shape[-2] * target.shape[-1]
    return ((positive_weight * positive_loss + negative_loss) / pixels).mean()


def downsample_mask(mask: torch.Tensor, size: tuple[int, int] | torch.Size) -> torch.Tensor:
    """A whole-image mask (N, C, H, W) at GlobalNet's ``size``: each pixel is the lesion fraction
    of the region it covers (area averaging)."""
    return F.adaptive_avg_pool2d(mask, tuple(size))


class LocalGlobalLoss:
    """Eq. 1 of paper 001 without the L2 term (see the module docstring):
    ``global_weight * L_global + local_weight * L_local``, each :func:`weighted_cross_entropy`.

    ``output`` is the dict of ``localglobal``'s training forward: ``logits`` (fused) and
    ``global``. ``target`` matches ``logits``: the patch masks for
    :meth:`~edgeseg.models.localglobal.LocalGlobalUNet.forward_patches`, or the whole-image masks
    for the tiled ``forward``. ``global_target`` is the whole-image mask at GlobalNet's size; when
    omitted, ``target`` must be the whole-image mask and is downsampled by :func:`downsample_mask`.
    """

    def __init__(self, global_weight: float = 1.0, local_weight: float = 1.0, gamma: float = 1.0) -> None:
        self.global_weight = global_weight
        self.local_weight = local_weight
        self.gamma = gamma

    def __call__(self, output: dict[str, torch.Tensor], target: torch.Tensor, global_target: torch.Tensor | None = None) -> torch.Tensor:
        global_logits = output["global"]
        if global_target is None:
            if target.shape[0] != global_logits.shape[0]:
                raise EdgesegError(
                    f"{target.shape[0]} masks for {global_logits.shape[0]} global outputs: "
                    "pass global_target (the whole-image masks) when training on patches"
                )
            global_target = downsample_mask(target, global_logits.shape[-2:])
        local_loss = weighted_cross_entropy(output["logits"], target, self.gamma)
        global_loss = weighted_cross_entropy(global_logits, global_target, self.gamma)
        return self.global_weight * global_loss + self.local_weight * local_loss
