"""How a recipe stage turns data into a loss: one small class per kind of training step.

A task owns its dataset (indexed by keys), plans the global batches of an epoch as lists of
keys, and computes the loss of a collated batch. The engine (:mod:`edgeseg.train.engine`) does
the rest: devices, mixed precision, DDP, accumulation, checkpoints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import dataclasses
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from edgeseg.data.augment import TrainAugment
from edgeseg.errors import EdgesegError
from edgeseg.losses import DeepSupervision, class_balanced_bce, dice_loss, u2xs_loss
from edgeseg.losses.topk import squared_error_loss
from edgeseg.losses.weighted_ce import weighted_cross_entropy
from edgeseg.train.datasets import AugmentedSegmentation, CachedImage, balanced_lesion_weights, epoch_plan
from edgeseg.train.recipes import Recipe, Stage

@dataclass(frozen=True)
class StepContext:
    """Where training stands when a loss is computed (all counts from 0)."""

    epoch: int
    epochs: int
    iteration: int
    iterations: int
    stage_step: int
    seed: int


LOSSES: dict[str, Callable[..., Callable]] = {
    "u2xs": lambda **options: DeepSupervision(lambda logits, target: u2xs_loss(logits, target, **options)),
    "dice": lambda **options: DeepSupervision(dice_loss, **options),
    "cbce": lambda **options: DeepSupervision(class_balanced_bce, **options),
    "squared_error": lambda **options: DeepSupervision(lambda logits, target: squared_error_loss(logits, target, **options)),
    "wce": lambda **options: DeepSupervision(lambda logits, target: weighted_cross_entropy(logits, target, **options)),
}


def build_loss(stage: Stage) -> Callable:
    if stage.loss not in LOSSES:
        raise EdgesegError(f"stage {stage.name!r}: unknown loss {stage.loss!r}; choose from {', '.join(sorted(LOSSES))}")
    return LOSSES[stage.loss](**stage.loss_options)


def make_augment(recipe: Recipe, crop: int | None, train: Sequence[CachedImage]) -> TrainAugment:
    """The recipe's augmentation, cropping to ``crop`` pixels when given (``--crop``), its
    lesion-centred crops drawing lesion types as ``recipe.crop_sampling`` says (``--crop-sampling``)."""
    if crop is None:
        return recipe.augment
    weights = balanced_lesion_weights(train) if recipe.crop_sampling == "balanced" else None
    return dataclasses.replace(recipe.augment, crop=crop, lesion_weights=weights)


class SegmentationTask:
    """One batch of (image, masks) -> the model's training output -> the stage's loss."""

    def __init__(self, recipe: Recipe, stage: Stage, data: Any, seed: int, crop: int | None = None) -> None:
        self.stage = stage
        self.loss = self.make_loss()
        self.dataset = AugmentedSegmentation(data.train, data.preprocessing, make_augment(recipe, crop, data.train), seed)
        self.seed = seed

    def make_loss(self) -> Callable | None:
        return build_loss(self.stage)

    def plan(self, epoch: int, global_batch: int) -> list[list[tuple[int, int, int]]]:
        batches = epoch_plan(len(self.dataset), global_batch, self.seed, epoch)
        return [
            [(index, epoch, step * global_batch + slot) for slot, index in enumerate(batch)]
            for step, batch in enumerate(batches)
        ]

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        images, masks = batch
        return self.loss(model(images), masks)


class TopKSegmentationTask(SegmentationTask):
    """Red-Seg stage 1 (paper 004): deep-supervised Top-k weighted cross-entropy whose kept
    share of negatives, lambda, decays linearly in steps over the stage.

    The paper decays lambda over M = 97 200 iterations (300 epochs of 324 images) in M / S = 9.72
    steps; here M is the stage's own number of iterations and S = M / 9.72, so the decay keeps
    its shape whatever the data set size and epoch count.
    """

    def make_loss(self) -> Callable:
        from edgeseg.losses.topk import TopKWeightedBCE

        self.topk = TopKWeightedBCE(**self.stage.loss_options)
        return DeepSupervision(self.topk)

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        total = max(1, context.epochs * context.iterations)
        self.topk.max_iterations = total
        self.topk.step = max(1, round(total / 9.72))
        self.topk.iteration = context.stage_step + 1
        return super().compute_loss(model, batch, context)


class DualSamplingTask(SegmentationTask):
    """Dual2Net (paper 000): two independently drawn (image, mask) pairs per sample, the first
    for the large-lesion branch (uniform sampler), the second for the small-lesion branch
    (re-balanced sampler), and the DSM Dice loss with alpha = 1 - (epoch / epochs)^2."""

    def plan(self, epoch: int, global_batch: int) -> list[list[tuple]]:
        large = epoch_plan(len(self.dataset), global_batch, self.seed, epoch, stream=0)
        small = epoch_plan(len(self.dataset), global_batch, self.seed, epoch, stream=1)
        return [
            [(index_l, index_s, epoch, step * global_batch + slot) for slot, (index_l, index_s) in enumerate(zip(batch_l, batch_s))]
            for step, (batch_l, batch_s) in enumerate(zip(large, small))
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dataset = _PairDataset(self.dataset)

    def make_loss(self) -> None:
        """The DSM loss is built per step: its sampler's generator is seeded by the position."""
        return None

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        from edgeseg.losses.dsm import DSMDiceLoss

        images_large, masks_large, images_small, masks_small = batch
        generator = torch.Generator().manual_seed(context.seed * 1_000_003 + context.stage_step)
        loss = DSMDiceLoss(max_epoch=context.epochs, generator=generator, **self.stage.loss_options)
        output = model(images_large, images_small)
        return loss(output, masks_large, masks_small, context.epoch)


class _PairDataset(torch.utils.data.Dataset):
    """Keys (index_large, index_small, epoch, slot) -> both augmented samples."""

    def __init__(self, single: AugmentedSegmentation) -> None:
        self.single = single

    def __len__(self) -> int:
        return len(self.single)

    def __getitem__(self, key: tuple[int, int, int, int]) -> tuple[torch.Tensor, ...]:
        index_large, index_small, epoch, slot = key
        image_l, mask_l = self.single[(index_large, epoch, 2 * slot)]
        image_s, mask_s = self.single[(index_small, epoch, 2 * slot + 1)]
        return image_l, mask_l, image_s, mask_s


class AlternatingGradingTask:
    """SUNet (paper 002): batches of images with lesion masks (DR + DME + lesion regulariser
    losses) alternate with batches of graded images without masks (L_R = 0).

    An epoch is one pass over the graded images without masks, each followed by a batch with
    masks (the masked set is cycled); without such images, every batch has masks (phi = 1).
    Every image needs a (DR, DME) grade.
    """

    def __init__(self, recipe: Recipe, stage: Stage, data: Any, seed: int, crop: int | None = None) -> None:
        self.stage = stage
        self.seed = seed
        augment = make_augment(recipe, crop, data.train)
        masked = [item for item in data.train if item.grade is not None]
        if not masked and not data.graded_train:
            raise EdgesegError("SUNet training needs graded images; none of the training images has a grade")
        lesions = data.train[0].masks.shape[0] if data.train else 1
        self.dataset = _GradedDataset(
            AugmentedSegmentation(masked, data.preprocessing, augment, seed),
            AugmentedSegmentation(data.graded_train, data.preprocessing, augment, seed + 1, blank_lesions=lesions),
        )

    def plan(self, epoch: int, global_batch: int) -> list[list[tuple]]:
        masked, unmasked = self.dataset.masked, self.dataset.unmasked
        with_masks = epoch_plan(len(masked), global_batch, self.seed, epoch, stream=0) if len(masked) else []
        if not len(unmasked):
            return [[("masked", i, epoch, n * global_batch + k) for k, i in enumerate(b)] for n, b in enumerate(with_masks)]
        without = epoch_plan(len(unmasked), global_batch, self.seed, epoch, stream=1)
        batches = []
        for n, batch in enumerate(without):
            batches.append([("unmasked", i, epoch, 2 * n * global_batch + k) for k, i in enumerate(batch)])
            if with_masks:
                cycled = with_masks[n % len(with_masks)]
                batches.append([("masked", i, epoch, (2 * n + 1) * global_batch + k) for k, i in enumerate(cycled)])
        return batches

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        from edgeseg.losses.sunet import sunet_loss

        images, masks, has_masks, dr, dme = batch
        return sunet_loss(model(images), dr, dme, masks if bool(has_masks[0]) else None, **self.stage.loss_options)


class _GradedDataset(torch.utils.data.Dataset):
    """Keys ("masked" | "unmasked", index, epoch, slot) -> (image, masks, has_masks, dr, dme)."""

    def __init__(self, masked: AugmentedSegmentation, unmasked: AugmentedSegmentation) -> None:
        self.masked, self.unmasked = masked, unmasked

    def __len__(self) -> int:
        return len(self.masked) + len(self.unmasked)

    def __getitem__(self, key: tuple[str, int, int, int]) -> tuple:
        kind, index, epoch, slot = key
        source = self.masked if kind == "masked" else self.unmasked
        image, masks = source[(index, epoch, slot)]
        dr, dme = source.items[index].grade
        return image, masks, kind == "masked", dr, dme


STAGE_OUTPUTS: dict[str, tuple[str, ...]] = {"wce_global": ("global",), "wce_local": ("local",), "localglobal": ("logits", "global")}
"""The local-global model's outputs each stage loss scores (see ``forward_patches``)."""


class LocalGlobalTask(SegmentationTask):
    """The mutually local-global U-Nets (paper 001): GlobalNet sees the whole image downsampled
    to ``global_size``; LocalNet and the fusion module see ``patches_per_image`` full-resolution
    patches, centred on a lesion pixel for half of them. The stage's loss picks the output:
    ``wce_global`` (pre-training GlobalNet), ``wce_local`` (pre-training LocalNet) or
    ``localglobal`` (Eq. 1, fusion and fine-tuning), all weighted cross-entropy (Eq. 2).

    The model runs only the parts the stage's loss scores (:data:`STAGE_OUTPUTS`): GlobalNet
    alone in its pre-training, LocalNet alone in its own; fusion and fine-tuning run all three
    (in the fusion stage the frozen nets build no graph: neither their weights nor the images
    require gradients)."""

    patches_per_image = 2

    def make_loss(self) -> Callable:
        from edgeseg.losses.weighted_ce import LocalGlobalLoss

        if self.stage.loss == "localglobal":
            return LocalGlobalLoss(**self.stage.loss_options)
        if self.stage.loss in ("wce_global", "wce_local"):
            return lambda logits, target: weighted_cross_entropy(logits, target, **self.stage.loss_options)
        raise EdgesegError(f"stage {self.stage.name!r}: the local-global step takes wce_global, wce_local or localglobal")

    def compute_loss(self, model: nn.Module, batch: Any, context: StepContext) -> torch.Tensor:
        from edgeseg.losses.weighted_ce import downsample_mask
        from edgeseg.models.localglobal import downsample_image

        images, masks = batch
        network = getattr(model, "module", model)
        patch, global_size = network.patch_size, network.global_size
        generator = torch.Generator().manual_seed(context.seed * 1_000_003 + context.stage_step)
        boxes, index = _patch_boxes(masks, patch, self.patches_per_image, generator)
        patches = torch.stack([images[i, :, t:b, l:r] for i, (t, l, b, r) in zip(index, boxes.tolist())])
        patch_masks = torch.stack([masks[i, :, t:b, l:r] for i, (t, l, b, r) in zip(index, boxes.tolist())])
        global_image = downsample_image(images, global_size)
        global_masks = downsample_mask(masks, (global_size, global_size))
        output = model(global_image, patches, boxes.to(images.device), tuple(images.shape[-2:]), torch.tensor(index, device=images.device),
                       outputs=STAGE_OUTPUTS[self.stage.loss])
        if self.stage.loss == "wce_global":
            return self.loss(output["global"], global_masks)
        if self.stage.loss == "wce_local":
            return self.loss(output["local"], patch_masks)
        return self.loss(output, patch_masks, global_masks)


def _patch_boxes(masks: torch.Tensor, patch: int, per_image: int, generator: torch.Generator) -> tuple[torch.Tensor, list[int]]:
    """(top, left, bottom, right) boxes, ``per_image`` per image: even ones centred near a lesion
    pixel when the image has one, odd ones uniform."""
    batch, _, height, width = masks.shape
    if patch > min(height, width):
        raise EdgesegError(f"patch size {patch} exceeds the training image ({height}x{width}); raise --size")
    boxes, index = [], []
    for image in range(batch):
        lesion = torch.nonzero(masks[image].amax(dim=0) > 0)
        for k in range(per_image):
            if k % 2 == 0 and len(lesion):
                y, x = lesion[int(torch.randint(len(lesion), (1,), generator=generator))].tolist()
            else:
                y, x = (int(torch.randint(size, (1,), generator=generator)) for size in (height, width))
            top = min(max(0, y - patch // 2), height - patch)
            left = min(max(0, x - patch // 2), width - patch)
            boxes.append((top, left, top + patch, left + patch))
            index.append(image)
    return torch.tensor(boxes), index
