"""The preprocessing a model was trained with, recorded in its model card and replayed by
`predict`, `export` and the benchmarks, so that every consumer feeds the network alike.

Pipeline: field-of-view crop -> pad to a centred square -> resize to ``size`` x ``size`` ->
optional CLAHE on luminance (U²-XS-Net, paper 003) -> scale to [0, 1] -> subtract ``mean``,
divide by ``std`` (per RGB channel). Masks follow the same crop, pad and resize (with
:func:`edgeseg.data.transforms.resize_mask`, which keeps microaneurysms).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from edgeseg.data.fov import Box, field_of_view_box
from edgeseg.data.transforms import clahe, normalize, pad_to_square, resize_image, resize_mask


@dataclass(frozen=True)
class Preprocessing:
    """Input preprocessing of a model; ``mean``/``std`` are RGB on the [0, 1] scale."""

    size: int
    clahe: bool
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    fov_crop: bool = True
    pad_square: bool = True

    def as_dict(self) -> dict:
        return {key: list(value) if isinstance(value, tuple) else value for key, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        return cls(
            size=int(data["size"]),
            clahe=bool(data["clahe"]),
            mean=tuple(float(v) for v in data["mean"]),
            std=tuple(float(v) for v in data["std"]),
            fov_crop=bool(data.get("fov_crop", True)),
            pad_square=bool(data.get("pad_square", True)),
        )

    def geometry(self, image: np.ndarray) -> tuple[Box, tuple[int, int], int]:
        """(field-of-view box, (top, left) padding inside the square, square side) for ``image``."""
        height, width = image.shape[:2]
        box = field_of_view_box(image) if self.fov_crop else Box(0, 0, width, height)
        side = max(box.width, box.height) if self.pad_square else 0
        offset = ((side - box.height) // 2, (side - box.width) // 2) if self.pad_square else (0, 0)
        return box, offset, side

    def image_to_square(self, image: np.ndarray) -> np.ndarray:
        """Crop, pad and resize an RGB ``uint8`` image to (size, size, 3), CLAHE applied if set."""
        box, _, _ = self.geometry(image)
        cropped = box.crop(image)
        square = pad_to_square(cropped)[0] if self.pad_square else cropped
        resized = resize_image(square, (self.size, self.size))
        return clahe(resized) if self.clahe else resized

    def masks_to_square(self, image: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """The (L, H, W) masks of ``image`` through the same crop, pad and resize."""
        box, _, _ = self.geometry(image)
        out = np.zeros((masks.shape[0], self.size, self.size), np.uint8)
        for index, mask in enumerate(masks):
            cropped = box.crop(mask)
            square = pad_to_square(cropped)[0] if self.pad_square else cropped
            out[index] = resize_mask(square, (self.size, self.size))[0]
        return out

    def maps_to_square(self, image: np.ndarray, maps: np.ndarray) -> np.ndarray:
        """(L, H, W) float maps of ``image`` (probabilities) through the same crop and pad,
        area-resized to (L, size, size) float32."""
        box, _, _ = self.geometry(image)
        out = np.zeros((maps.shape[0], self.size, self.size), np.float32)
        for index, channel in enumerate(maps):
            cropped = box.crop(channel.astype(np.float32))
            square = pad_to_square(cropped)[0] if self.pad_square else cropped
            out[index] = resize_image(square, (self.size, self.size))
        return out

    def normalize(self, square: np.ndarray) -> np.ndarray:
        """(3, size, size) float32 network input from a preprocessed square image."""
        return normalize(square, self.mean, self.std)


def mean_std(images: Sequence[np.ndarray]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and std (RGB, [0, 1] scale) of preprocessed training squares."""
    sums = np.zeros(3)
    squares = np.zeros(3)
    count = 0
    for image in images:
        pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
        sums += pixels.sum(axis=0)
        squares += (pixels**2).sum(axis=0)
        count += pixels.shape[0]
    mean = sums / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 1e-12))
    return tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in std)
