"""The image operations of the model's input contract (:mod:`edgeseg.inference.preprocessing`):
CLAHE, mean/std normalisation, resizing and padding to a centred square, and the mask resize that
keeps every microaneurysm. Data preparation and the apps' ports use the same functions.

Conventions: images are RGB ``uint8`` arrays (H, W, 3); masks are ``bool`` or ``uint8`` arrays
(H, W). Sources: CLAHE and data-set mean/std normalisation from U²-XS-Net (paper 003,
"Pre-processing").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np


def clahe(image: np.ndarray, clip_limit: float = 2.0, tile_grid: int = 8) -> np.ndarray:
    """Contrast-limited adaptive histogram equalisation on the L channel of CIE Lab.

    Equalising luminance only keeps the lesions' colours (red haemorrhages, yellow exudates).
    """
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    equaliser = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tile_grid, tile_grid))
    lab[..., 0] = equaliser.apply(np.ascontiguousarray(lab[..., 0]))
    return cv2.cvtColor(lab, cv2.COLOR_LAB2RGB)


def normalize(image: np.ndarray, mean: Sequence[float], std: Sequence[float]) -> np.ndarray:
    """Scale an RGB ``uint8`` image to [0, 1], subtract ``mean``, divide by ``std``; (3, H, W).

    ``mean`` and ``std`` are per channel on the [0, 1] scale (the manifest's ``mean_std``).
    """
    scaled = image.astype(np.float32) / 255.0
    scaled -= np.asarray(mean, np.float32)
    scaled /= np.asarray(std, np.float32)
    return np.ascontiguousarray(scaled.transpose(2, 0, 1))


def fit_size(width: int, height: int, longest: int) -> tuple[int, int]:
    """(width, height) scaled so that the longest side is ``longest``, aspect ratio kept."""
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize an image to ``size`` = (width, height): area averaging down, bilinear up."""
    shrinking = size[0] < image.shape[1] or size[1] < image.shape[0]
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=interpolation)


def pad_to_square(image: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Pad an (H, W, ...) array with zeros to a centred square; returns it and (top, left).

    Dual2Net pads DDR's field-of-view boxes to squares the same way; the padding keeps lesion
    shapes, where stretching to a square would not.
    """
    height, width = image.shape[:2]
    side = max(height, width)
    top, left = (side - height) // 2, (side - width) // 2
    padding = [(top, side - height - top), (left, side - width - left)] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, padding), (top, left)


@dataclass(frozen=True)
class MaskResizeStats:
    """Connected components of a mask before a resize, and how many kept a pixel after it."""

    components: int
    survived: int
    survived_without_rescue: int


def _component_hits(labels: np.ndarray, count: int, resized: np.ndarray) -> np.ndarray:
    """Per label, the input pixels that ``resized``, mapped back to the input grid, covers."""
    back = cv2.resize(
        resized.astype(np.uint8), (labels.shape[1], labels.shape[0]), interpolation=cv2.INTER_NEAREST
    )
    return np.bincount(labels[back > 0], minlength=count)


def resize_mask(
    mask: np.ndarray, size: tuple[int, int], keep_components: bool = True
) -> tuple[np.ndarray, MaskResizeStats]:
    """Resize a boolean (H, W) mask to ``size`` = (width, height), keeping tiny lesions.

    Shrinking, the resized mask is the pixels at least half covered by lesion (area-weighted
    coverage), which keeps the area of large lesions; enlarging, it is the bilinearly
    interpolated mask at one half, the interpolation :func:`resize_image` uses for the image. A microaneurysm a few pixels wide can fall below half
    of every output pixel and vanish; with ``keep_components`` each component that vanished gets
    the output pixel at its centroid back. The returned stats count the components that still
    overlap the resized mask (mapped back to the input grid), with and without that rescue.
    """
    source = mask.astype(np.uint8)
    if size[0] >= mask.shape[1] and size[1] >= mask.shape[0]:
        # Enlarging: interpolate exactly as resize_image does, so that mask and image agree.
        enlarged = cv2.resize(source.astype(np.float32), size, interpolation=cv2.INTER_LINEAR) >= 0.5
        components = cv2.connectedComponents(source, connectivity=8)[0] - 1
        return enlarged, MaskResizeStats(components, components, components)
    count, labels, _, centroids = cv2.connectedComponentsWithStats(source, connectivity=8)
    coverage = cv2.resize(source.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    resized = coverage >= 0.5
    if count <= 1:
        return resized, MaskResizeStats(0, 0, 0)
    hits = _component_hits(labels, count, resized)
    survived_plain = survived = int(np.count_nonzero(hits[1:]))
    if keep_components and survived_plain < count - 1:
        lost = np.flatnonzero(hits[1:] == 0) + 1
        scale_x, scale_y = size[0] / mask.shape[1], size[1] / mask.shape[0]
        xs = np.clip((centroids[lost, 0] + 0.5) * scale_x, 0, size[0] - 1).astype(int)
        ys = np.clip((centroids[lost, 1] + 0.5) * scale_y, 0, size[1] - 1).astype(int)
        resized[ys, xs] = True
        survived = int(np.count_nonzero(_component_hits(labels, count, resized)[1:]))
    return resized, MaskResizeStats(count - 1, survived, survived_plain)
