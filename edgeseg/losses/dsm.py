"""The dual-sampling modulated (DSM) Dice loss of Dual2Net (paper 000, Sec. 3.3, Eqs. 1-8).

- Large-lesion branch L, uniform sampler: every pixel once, L_L = 1 - D(P_L, Y_L) (Eqs. 2-3),
  i.e. :func:`edgeseg.losses.dice.dice_loss`.
- Small-lesion branch S, re-balanced sampler: per image, N = H x W pixels drawn with
  replacement, N1 among the lesion pixels and N - N1 among the background, N1 / N =
  ``positive_share`` (0.5 in the paper; the public scripts use 0.25 for DeepLabv3 and HED).
  L_S = 1 - D over the drawn multiset (Eq. 4): a pixel drawn k times counts k times.
- Modulation (Eqs. 5-6): L_DSM = alpha L_L + (1 - alpha) L_S, alpha = 1 - (epoch / max_epoch)^2.
  The printed Eq. 5 swaps the weights; the text, BBN and the public code weight the uniform
  (large) branch by alpha, so training starts on large lesions and shifts to small ones
  (``../shared/docs/papers.md``, Decision).
- Total (Eq. 1): L = L_DSM + lambda (L_aux_L + L_aux_S), lambda = 0.4, auxiliary losses plain
  Dice (Eqs. 7-8) on each branch's auxiliary logits. HED has no auxiliary classifier; its
  five deeply supervised side outputs take that role: L_aux of a HED branch is the mean plain
  Dice over its side outputs (the mean keeps it on the scale of one auxiliary classifier, so
  lambda keeps its meaning).

Dice is the smoothed one of :mod:`edgeseg.losses.dice` (smoothing 1, as the public code),
summed over the batch and pixels per lesion channel, averaged over channels. The single-branch
baselines of the paper are :func:`edgeseg.losses.bce.class_balanced_bce` (CBCE) and
:func:`edgeseg.losses.dice.dice_loss` (Dice).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from edgeseg.losses.dice import dice_loss

AUX_WEIGHT = 0.4
POSITIVE_SHARE = 0.5


def dsm_alpha(epoch: float, max_epoch: float) -> float:
    """Eq. 6: alpha = 1 - (epoch / max_epoch)^2, the weight of the uniform (large) branch; 1 at
    the start of training, 0 at ``max_epoch``."""
    if max_epoch <= 0 or not 0 <= epoch <= max_epoch:
        raise ValueError(f"need 0 <= epoch <= max_epoch and max_epoch > 0, got epoch={epoch}, max_epoch={max_epoch}")
    return 1.0 - (epoch / max_epoch) ** 2


def rebalanced_pixel_counts(
    target: torch.Tensor, positive_share: float = POSITIVE_SHARE, generator: torch.Generator | None = None
) -> torch.Tensor:
    """The re-balanced pixel sampler (Sec. 3.3): how many times each pixel of ``target`` is drawn.

    For each image and lesion channel of ``target`` (batch, C, H, W), N = H x W draws with
    replacement: N1 = round(``positive_share`` x N) uniformly among its lesion pixels (> 0.5) and
    N - N1 uniformly among its background pixels. A map without lesion pixels draws all N from the
    background, a map without background all N from the lesion. Vectorised: pixels are ordered
    lesion-first per map, and draw j picks rank floor(u_j x pool size) in its pool with
    u_j ~ U[0, 1) from ``generator``. Returns float counts with the shape of ``target``.
    """
    if not 0.0 <= positive_share <= 1.0:
        raise ValueError(f"positive_share must be in [0, 1], got {positive_share}")
    maps = target.detach().reshape(-1, target.shape[-2] * target.shape[-1]) > 0.5
    rows, pixels = maps.shape
    positives = maps.sum(dim=1, keepdim=True)
    positive_draws = torch.where(positives == pixels, pixels, torch.where(positives == 0, 0, round(positive_share * pixels)))
    lesion_first = torch.argsort((~maps).to(torch.uint8), dim=1, stable=True)
    device = generator.device if generator is not None else target.device
    uniform = torch.rand((rows, pixels), generator=generator, device=device, dtype=torch.float64).to(target.device)
    from_lesion = torch.arange(pixels, device=target.device) < positive_draws
    pool_size = torch.where(from_lesion, positives, pixels - positives)
    pool_start = torch.where(from_lesion, 0, positives)
    rank = pool_start + torch.minimum((uniform * pool_size).long(), pool_size - 1)
    drawn = lesion_first.gather(1, rank)
    dtype = target.dtype if target.is_floating_point() else torch.get_default_dtype()
    counts = torch.zeros((rows, pixels), dtype=dtype, device=target.device)
    counts.scatter_add_(1, drawn, torch.ones_like(counts))
    return counts.reshape(target.shape)


def sampled_dice_loss(logits: torch.Tensor, target: torch.Tensor, counts: torch.Tensor, smooth: float = 1.0) -> torch.Tensor:
    """1 - D over a multiset of pixels (Eqs. 3-4), pixel i counted ``counts[i]`` times:
    D = (2 sum c p y + smooth) / (sum c p + sum c y + smooth) per channel over the batch and
    pixels, averaged over channels. ``counts`` of ones gives :func:`dice_loss`."""
    probabilities = torch.sigmoid(logits)
    dims = (0, 2, 3)
    intersection = (counts * probabilities * target).sum(dim=dims)
    total = (counts * probabilities).sum(dim=dims) + (counts * target).sum(dim=dims)
    return (1 - (2 * intersection + smooth) / (total + smooth)).mean()


def auxiliary_dice_loss(
    branch: Mapping[str, torch.Tensor | list[torch.Tensor]], target: torch.Tensor, smooth: float = 1.0
) -> torch.Tensor:
    """Eqs. 7-8: plain Dice on a branch's ``"aux"`` logits, or the mean plain Dice over its
    ``"side"`` outputs (HED); zero for a branch with neither."""
    if "aux" in branch:
        return dice_loss(branch["aux"], target, smooth)
    sides = branch.get("side", [])
    if not sides:
        return target.new_zeros(())
    return torch.stack([dice_loss(side, target, smooth) for side in sides]).mean()


class DSMDiceLoss:
    """Dual2Net's total loss (Eq. 1) on :meth:`edgeseg.models.dual2net.Dual2Net.forward_branches`.

    ``loss(output, target_large, target_small, epoch)``: ``output`` has the branch dicts
    ``"large"`` and ``"small"`` (the training output of ``Dual2Net.forward(x)`` has them under
    ``"branches"``; pass the same mask twice then); ``epoch`` in [0, ``max_epoch``], fractions
    allowed. ``generator`` makes the re-balanced sampler reproducible.
    """

    def __init__(
        self,
        max_epoch: float,
        positive_share: float = POSITIVE_SHARE,
        aux_weight: float = AUX_WEIGHT,
        smooth: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> None:
        self.max_epoch = max_epoch
        self.positive_share = positive_share
        self.aux_weight = aux_weight
        self.smooth = smooth
        self.generator = generator

    def terms(
        self, output: Mapping[str, Mapping], target_large: torch.Tensor, target_small: torch.Tensor, epoch: float
    ) -> dict[str, torch.Tensor | float]:
        """Every term of Eq. 1: ``alpha``, ``large`` (L_L), ``small`` (L_S), ``dsm``,
        ``aux_large``, ``aux_small`` and ``total``."""
        alpha = dsm_alpha(epoch, self.max_epoch)
        large, small = output["large"], output["small"]
        counts = rebalanced_pixel_counts(target_small, self.positive_share, self.generator)
        loss_large = dice_loss(large["logits"], target_large, self.smooth)
        loss_small = sampled_dice_loss(small["logits"], target_small, counts, self.smooth)
        dsm = alpha * loss_large + (1 - alpha) * loss_small
        aux_large = auxiliary_dice_loss(large, target_large, self.smooth)
        aux_small = auxiliary_dice_loss(small, target_small, self.smooth)
        total = dsm + self.aux_weight * (aux_large + aux_small)
        return {
            "alpha": alpha,
            "large": loss_large,
            "small": loss_small,
            "dsm": dsm,
            "aux_large": aux_large,
            "aux_small": aux_small,
            "total": total,
        }

    def __call__(
        self, output: Mapping[str, Mapping], target_large: torch.Tensor, target_small: torch.Tensor, epoch: float
    ) -> torch.Tensor:
        return self.terms(output, target_large, target_small, epoch)["total"]
