"""Training augmentations, applied identically to an image and its masks.

Conventions: images are RGB ``uint8`` arrays (H, W, 3); masks are ``bool`` or ``uint8`` arrays
(L, H, W) with one channel per lesion in edgeseg's order. Every random choice comes from a
``numpy.random.Generator`` passed in, so a pipeline is deterministic under a seed.

Sources: rotations by 90/180/270 degrees and flips from every seed paper; small rotations, +-10 %
shifts and scaling from U²-XS-Net (paper 003); lesion-biased crops for patch training after the
re-balanced sampling idea of Dual2Net (paper 000) and the 256x256 patches of the local-global
U-Nets (001).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np


def rot90_flip(
    image: np.ndarray, masks: np.ndarray, rotations: int, flip: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``rotations`` x 90 degrees, then optionally flip left-right; exact for masks."""
    image = np.rot90(image, rotations, axes=(0, 1))
    masks = np.rot90(masks, rotations, axes=(1, 2))
    if flip:
        image, masks = image[:, ::-1], masks[:, :, ::-1]
    return np.ascontiguousarray(image), np.ascontiguousarray(masks)


def affine(
    image: np.ndarray, masks: np.ndarray, angle: float, scale: float, shift: tuple[float, float], threshold: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Rotate by ``angle`` degrees about the centre, scale, and shift by a fraction of the size.

    The image and the masks are interpolated bilinearly with the same matrix, and the masks
    thresholded at one half, so that a lesion's boundary stays where its colour is (nearest
    neighbour would shift the boundary of a 3-pixel microaneurysm by up to a pixel). Pixels moved
    in from outside are black (image) and background (masks). ``threshold=False`` keeps soft
    maps (a teacher's probabilities) interpolated instead.
    """
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2 - 0.5, height / 2 - 0.5), angle, scale)
    matrix[0, 2] += shift[0] * width
    matrix[1, 2] += shift[1] * height
    warped = cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR)
    warped_masks = np.stack(
        [cv2.warpAffine(channel.astype(np.float32), matrix, (width, height), flags=cv2.INTER_LINEAR) for channel in masks]
    )
    return warped, (warped_masks >= 0.5).astype(masks.dtype) if threshold else warped_masks.astype(masks.dtype)


def crop_window(
    masks: np.ndarray,
    crop: int,
    rng: np.random.Generator,
    lesion_probability: float = 0.5,
    lesion_weights: Sequence[float] | None = None,
) -> tuple[slice, slice]:
    """The (rows, columns) of a ``crop`` x ``crop`` window, centred near a lesion pixel with
    ``lesion_probability`` (see :func:`lesion_biased_crop`); ``masks`` at least ``crop`` a side.
    The lesion type is drawn among those present, uniformly, or in proportion to
    ``lesion_weights`` (one per mask channel) when given."""
    height, width = masks.shape[1:]
    present = [index for index in range(masks.shape[0]) if masks[index].any()]
    if present and rng.random() < lesion_probability:
        if lesion_weights is None:
            channel = present[int(rng.integers(len(present)))]
        else:
            weights = np.array([lesion_weights[index] for index in present], np.float64)
            channel = present[int(rng.choice(len(present), p=weights / weights.sum()))]
        ys, xs = np.nonzero(masks[channel])
        pick = int(rng.integers(ys.size))
        centre_y, centre_x = int(ys[pick]), int(xs[pick])
        top = int(np.clip(centre_y - crop // 2 + rng.integers(-crop // 4, crop // 4 + 1), 0, height - crop))
        left = int(np.clip(centre_x - crop // 2 + rng.integers(-crop // 4, crop // 4 + 1), 0, width - crop))
    else:
        top = int(rng.integers(height - crop + 1))
        left = int(rng.integers(width - crop + 1))
    return slice(top, top + crop), slice(left, left + crop)


def _pad_to(array: np.ndarray, crop: int, channels_first: bool) -> np.ndarray:
    """Zero-pad an image (H, W, C) or a stack (L, H, W) to at least ``crop`` a side."""
    height, width = array.shape[1:3] if channels_first else array.shape[:2]
    pad = [(0, max(0, crop - height)), (0, max(0, crop - width))]
    return np.pad(array, [(0, 0), *pad] if channels_first else [*pad, (0, 0)]) if pad[0][1] or pad[1][1] else array


def _cut(array: np.ndarray, window: tuple[slice, slice], crop: int, channels_first: bool) -> np.ndarray:
    padded = _pad_to(array, crop, channels_first)
    return np.ascontiguousarray(padded[(slice(None), *window)] if channels_first else padded[window])


def lesion_biased_crop(
    image: np.ndarray,
    masks: np.ndarray,
    crop: int,
    rng: np.random.Generator,
    lesion_probability: float = 0.5,
) -> tuple[np.ndarray, np.ndarray]:
    """Cut a ``crop`` x ``crop`` patch, centred on a lesion pixel with ``lesion_probability``.

    A lesion-centred patch picks a lesion type uniformly among those present, then one of its
    pixels uniformly, so rare small lesions (microaneurysms) are seen as often as large ones.
    Images smaller than ``crop`` are zero-padded first.
    """
    window = crop_window(_pad_to(masks, crop, True), crop, rng, lesion_probability)
    return _cut(image, window, crop, False), _cut(masks, window, crop, True)


@dataclass(frozen=True)
class TrainAugment:
    """The training augmentation of the seed papers, one object, deterministic under a seed.

    Always a random multiple of 90 degrees and a random flip (all papers); with probability
    ``affine_probability`` a small affine warp (U²-XS-Net: rotation, +-10 % shift, scaling).
    ``crop`` (pixels) cuts lesion-biased patches after the warp; None keeps the whole image.
    """

    affine_probability: float = 0.5
    max_angle: float = 15.0
    max_shift: float = 0.1
    scale_range: tuple[float, float] = (0.9, 1.1)
    crop: int | None = None
    lesion_probability: float = 0.5
    lesion_weights: tuple[float, ...] | None = None  # per mask channel; None: lesion types present drawn uniformly

    def __call__(
        self, image: np.ndarray, masks: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        image, masks, _ = self.with_soft_maps(image, masks, None, rng)
        return image, masks

    def with_soft_maps(
        self, image: np.ndarray, masks: np.ndarray, soft: np.ndarray | None, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The same augmentation, also applied to ``soft`` (K, H, W) float maps, which are
        interpolated but never thresholded (a teacher's probabilities in distillation)."""
        rotations, flip = int(rng.integers(4)), bool(rng.integers(2))
        rotated_image, masks = rot90_flip(image, masks, rotations, flip)
        if soft is not None:
            soft = rot90_flip(image, soft, rotations, flip)[1]
        image = rotated_image
        if rng.random() < self.affine_probability:
            angle = float(rng.uniform(-self.max_angle, self.max_angle))
            scale = float(rng.uniform(*self.scale_range))
            shift = (
                float(rng.uniform(-self.max_shift, self.max_shift)),
                float(rng.uniform(-self.max_shift, self.max_shift)),
            )
            if soft is not None:
                soft = affine(image, soft, angle, scale, shift, threshold=False)[1]
            image, masks = affine(image, masks, angle, scale, shift)
        if self.crop is not None:
            window = crop_window(_pad_to(masks, self.crop, True), self.crop, rng, self.lesion_probability, self.lesion_weights)
            image, masks = _cut(image, window, self.crop, False), _cut(masks, window, self.crop, True)
            if soft is not None:
                soft = _cut(soft, window, self.crop, True)
        return image, masks, soft
