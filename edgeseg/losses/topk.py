"""Red-Seg's two training stages (paper 004, Section 2.2), on per-lesion logits (N, C, H, W).

**Stage 1** (Section 2.2.1), the Top-k weighted cross-entropy with a decaying k. Per image and
lesion channel, with p = sigmoid(logits) and binary masks y:

    L1 = -b sum_{y_i=1} log p_i - (1 - b) sum_{i in top} log(1 - p_i),   b = lambda / (lambda + N+)

``top`` holds the lambda negatives with the largest loss -log(1 - p_i) (the easy negatives are
dropped), N+ is the number of positives. lambda shrinks linearly in steps of S iterations:

    lambda(r) = lambda0 - (lambda0 / (M / S)) floor(r / S),   lambda0 = 0.14, S = 10 000, M = 97 200

with lambda0 a fraction of the image's pixels (``../shared/docs/papers.md``, Decision): the loss
keeps round(lambda(r) H W) negatives. b is computed with the number of negatives actually kept
(fewer than lambda when the image has fewer negatives). An image without positives has b = 1 and
a zero loss, as the formula says.

**Stage 2** (Section 2.2.2), started from stage 1's weights:

    L2 = FN + FP = sum_i y_i (1 - p_i)^2 + sum_i p_i^2 (1 - y_i) = sum_i (y_i - p_i)^2

**Reduction and learning rate.** The Caffe original sums each loss over the pixels of one image
(batch 1) and adds its eight losses (two branches x (3 sides + fused)) with weight 1, with SGD
lr 1e-8 (stage 2: 1e-9), momentum 0.9, weight decay 5e-4. Here ``reduction="mean"`` (default)
divides each image's sum by its pixel count H W, averages over the images of the batch, and sums
over lesion channels (one loss per branch, so :class:`edgeseg.losses.DeepSupervision` over the
fused output and the three sides of :class:`edgeseg.models.redseg.RedSeg` gives the eight summed
losses). Dividing by the constant H W scales every gradient by 1 / (H W), so SGD reproduces the
Caffe run with lr = lr_caffe H W and weight decay = wd_caffe / (H W), momentum unchanged. At the
paper's 1072x712 input (763 264 pixels): stage 1 lr 7.6e-3, stage 2 lr 7.6e-4, weight decay
6.6e-10 (lr x weight decay = 5e-12 per step in both, i.e. practically no decay). The equivalence
is exact at the paper's input size and batch 1; at another training size use that size's H W
(a 512x512 input: 2.6e-3 and 2.6e-4); with the batch mean, a larger batch keeps the same step
size per image.
``reduction="sum"`` keeps the paper's per-image sum (then use the paper's learning rates).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

REDUCTIONS: tuple[str, ...] = ("mean", "sum")


def topk_lambda(iteration: int, lambda0: float = 0.14, step: int = 10_000, max_iterations: int = 97_200) -> float:
    """lambda(r) = lambda0 - (lambda0 / (M / S)) floor(r / S) (paper 004, Section 2.2.1), the share
    of an image's pixels kept as hard negatives at iteration ``r`` (counted from 1); never below 0."""
    if iteration < 0 or step <= 0 or max_iterations <= 0:
        raise ValueError(f"need iteration >= 0, step > 0 and max_iterations > 0; got {iteration}, {step}, {max_iterations}")
    decrement = lambda0 / (max_iterations / step)
    return max(lambda0 - decrement * (iteration // step), 0.0)


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _reduce(per_image: torch.Tensor, pixels: int, reduction: str) -> torch.Tensor:
    """(N, C) per-image sums -> one number: / pixels for "mean", batch mean, channel sum."""
    if reduction == "mean":
        per_image = per_image / pixels
    return per_image.mean(dim=0).sum()


def topk_weighted_bce(logits: torch.Tensor, target: torch.Tensor, keep_fraction: float, reduction: str = "mean") -> torch.Tensor:
    """Stage-1 loss L1 of Red-Seg keeping round(``keep_fraction`` H W) hardest negatives per image
    and channel; ``target`` pixels >= 0.5 are positives. See the module docstring for the reduction."""
    _check_reduction(reduction)
    batch, channels, height, width = logits.shape
    pixels = height * width
    flat_logits = logits.reshape(batch * channels, pixels)
    positive = (target.reshape(batch * channels, pixels) >= 0.5).to(logits.dtype)
    positive_sum = (F.softplus(-flat_logits) * positive).sum(dim=1)
    negative_loss = F.softplus(flat_logits) * (1 - positive)
    keep = min(round(keep_fraction * pixels), pixels)
    top_sum = negative_loss.topk(keep, dim=1).values.sum(dim=1)
    positives = positive.sum(dim=1)
    kept = torch.clamp(pixels - positives, max=keep)
    weight = kept / (kept + positives).clamp(min=1)
    per_image = weight * positive_sum + (1 - weight) * top_sum
    return _reduce(per_image.reshape(batch, channels), pixels, reduction)


class TopKWeightedBCE:
    """Stage-1 loss with the lambda schedule built in: set ``iteration`` (r, from 1) before each
    training step; every call of that step (fused and side outputs) uses lambda(r).

    ``DeepSupervision(TopKWeightedBCE())`` is Red-Seg's stage-1 objective.
    """

    def __init__(self, lambda0: float = 0.14, step: int = 10_000, max_iterations: int = 97_200, reduction: str = "mean") -> None:
        _check_reduction(reduction)
        self.lambda0 = lambda0
        self.step = step
        self.max_iterations = max_iterations
        self.reduction = reduction
        self.iteration = 1

    @property
    def keep_fraction(self) -> float:
        """lambda(r) at the current iteration."""
        return topk_lambda(self.iteration, self.lambda0, self.step, self.max_iterations)

    def __call__(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return topk_weighted_bce(logits, target, self.keep_fraction, self.reduction)


def squared_error_loss(logits: torch.Tensor, target: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Stage-2 loss L2 = FN + FP = sum_i (y_i - sigmoid(x_i))^2 per image and channel (paper 004,
    Section 2.2.2), reduced as :func:`topk_weighted_bce` is. ``DeepSupervision(squared_error_loss)``
    is Red-Seg's stage-2 objective."""
    _check_reduction(reduction)
    batch, channels, height, width = logits.shape
    per_image = ((target - torch.sigmoid(logits)) ** 2).sum(dim=(2, 3))
    return _reduce(per_image, height * width, reduction)
