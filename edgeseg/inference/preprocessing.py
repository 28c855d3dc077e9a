"""A model's input contract: the one record of how a photograph becomes the network's input, and
how the network's maps go back onto the photograph (after timm's per-model data config).

Pipeline (the forward transform, :meth:`Preprocessing.prepare`): field-of-view crop -> pad to a
centred square -> resize to ``size`` x ``size`` (area averaging down, bilinear up) -> optional
CLAHE on the L channel of CIE Lab (U²-XS-Net, paper 003) -> scale to [0, 1], subtract ``mean``,
divide by ``std`` per RGB channel (inside the network for every inference runner and exported
file; :meth:`Preprocessing.normalize` for training). The forward transform returns the
:class:`SquareGeometry` its inverse (:meth:`Preprocessing.to_image`) reuses, so the field of view
is found once per photograph.

:meth:`Preprocessing.as_dict` is the single serialisation: the model card's ``preprocessing``,
the ``preprocessing`` of every exported file's metadata and the golden vectors all hold it.
:meth:`Preprocessing.from_dict` reads it back; there is no other form.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.inference.fov import Box, FieldOfView
from edgeseg.inference.image_ops import clahe, normalize, pad_to_square, resize_image, resize_mask

CLAHE_CHANNEL = "L of CIE Lab (OpenCV)"


@dataclass(frozen=True)
class SquareGeometry:
    """Where the model's square sits in one photograph: the photograph's size, the field-of-view
    box, the padded square's side and the box's offset (top, left) inside it, and the model size."""

    width: int
    height: int
    box: Box
    side: int
    top: int
    left: int
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {"image_size": [self.width, self.height], "fov_box": self.box.as_list(), "square_side": self.side,
                "padding_top_left": [self.top, self.left], "model_size": self.size}

    @classmethod
    def from_dict(cls, data: dict) -> "SquareGeometry":
        (width, height), (top, left) = data["image_size"], data["padding_top_left"]
        return cls(int(width), int(height), Box(*map(int, data["fov_box"])), int(data["square_side"]), int(top), int(left),
                   int(data["model_size"]))


@dataclass(frozen=True)
class PreparedImage:
    """A photograph through the forward transform: the model's square (S, S, 3) uint8, its
    geometry and the photograph's field of view."""

    square: np.ndarray
    geometry: SquareGeometry
    field_of_view: FieldOfView


@dataclass(frozen=True)
class Preprocessing:
    """Input contract of a model; ``mean``/``std`` are RGB on the [0, 1] scale."""

    size: int
    clahe: bool
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    fov_crop: bool = True
    pad_square: bool = True
    clahe_clip: float = 2.0
    clahe_tiles: int = 8

    # -- the one serialisation --------------------------------------------------------------
    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "fov_crop": self.fov_crop,
            "pad_square": self.pad_square,
            "resize": "area down, bilinear up",
            "clahe": {"enabled": self.clahe, "clip_limit": self.clahe_clip, "tile_grid": self.clahe_tiles, "channel": CLAHE_CHANNEL},
            "mean": list(self.mean),
            "std": list(self.std),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Preprocessing":
        settings = data.get("clahe")
        if not isinstance(settings, dict) or "enabled" not in settings:
            raise EdgesegError(f"the preprocessing record's clahe is {settings!r}, not an object with 'enabled'; "
                               "write it as Preprocessing.as_dict does, or re-save the model with edgeseg")
        return cls(
            size=int(data["size"]),
            clahe=bool(settings["enabled"]),
            mean=tuple(float(v) for v in data["mean"]),
            std=tuple(float(v) for v in data["std"]),
            fov_crop=bool(data.get("fov_crop", cls.fov_crop)),
            pad_square=bool(data.get("pad_square", cls.pad_square)),
            clahe_clip=float(settings.get("clip_limit", cls.clahe_clip)),
            clahe_tiles=int(settings.get("tile_grid", cls.clahe_tiles)),
        )

    def with_size(self, size: int) -> "Preprocessing":
        return replace(self, size=int(size))

    # -- forward ------------------------------------------------------------------------------
    def geometry(self, image: np.ndarray, field_of_view: FieldOfView | None = None) -> SquareGeometry:
        """The square geometry of ``image`` (its field of view found here unless given)."""
        height, width = image.shape[:2]
        if self.fov_crop:
            box = (field_of_view or FieldOfView.find(image)).box()
        else:
            box = Box(0, 0, width, height)
        if self.pad_square:
            side = max(box.width, box.height)
            top, left = (side - box.height) // 2, (side - box.width) // 2
        else:
            side, top, left = 0, 0, 0
        return SquareGeometry(width, height, box, side, top, left, self.size)

    def prepare(self, image: np.ndarray, field_of_view: FieldOfView | None = None) -> PreparedImage:
        """The forward transform of an RGB ``uint8`` photograph: its square and geometry."""
        field_of_view = field_of_view or FieldOfView.find(image)
        geometry = self.geometry(image, field_of_view)
        return PreparedImage(self.to_square(image, geometry), geometry, field_of_view)

    def to_square(self, image: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        """Crop, pad and resize an RGB ``uint8`` image to (size, size, 3), CLAHE applied if set."""
        square = self._crop_pad(image, geometry)
        resized = resize_image(square, (self.size, self.size))
        return clahe(resized, self.clahe_clip, self.clahe_tiles) if self.clahe else resized

    def image_to_square(self, image: np.ndarray) -> np.ndarray:
        """:meth:`to_square` with the geometry found on ``image``."""
        return self.to_square(image, self.geometry(image))

    def masks_to_square(self, masks: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        """(L, H, W) masks of a photograph through the same crop, pad and resize (tiny lesions kept)."""
        out = np.zeros((masks.shape[0], self.size, self.size), np.uint8)
        for index, mask in enumerate(masks):
            out[index] = resize_mask(self._crop_pad(mask, geometry), (self.size, self.size))[0]
        return out

    def maps_to_square(self, maps: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        """(L, H, W) float maps of a photograph through the same crop and pad, area-resized to
        (L, size, size) float32."""
        out = np.zeros((maps.shape[0], self.size, self.size), np.float32)
        for index, channel in enumerate(maps):
            out[index] = resize_image(self._crop_pad(channel.astype(np.float32), geometry), (self.size, self.size))
        return out

    def normalize(self, square: np.ndarray) -> np.ndarray:
        """(3, size, size) float32 network input from a square (training; inference normalises
        inside the network, :class:`edgeseg.inference.torch_module.PixelsToProbabilities`)."""
        return normalize(square, self.mean, self.std)

    def _crop_pad(self, array: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        cropped = geometry.box.crop(array)
        return pad_to_square(cropped)[0] if self.pad_square else cropped

    # -- inverse ------------------------------------------------------------------------------
    def to_box(self, square_map: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        """One (S, S) float map of the square on the pixels of the field-of-view box (box height,
        box width) float32: the resize undone (bilinear) and the padding cut off."""
        box = geometry.box
        channel = np.asarray(square_map, np.float32)
        if not self.pad_square:
            return cv2.resize(channel, (box.width, box.height), interpolation=cv2.INTER_LINEAR)
        restored = cv2.resize(channel, (geometry.side, geometry.side), interpolation=cv2.INTER_LINEAR)
        return restored[geometry.top : geometry.top + box.height, geometry.left : geometry.left + box.width]

    def to_image(self, square_map: np.ndarray, geometry: SquareGeometry) -> np.ndarray:
        """One (S, S) float map of the square back onto the photograph's pixels (H, W) float32:
        :meth:`to_box`, and 0 outside the field-of-view crop."""
        box = geometry.box
        full = np.zeros((geometry.height, geometry.width), np.float32)
        full[box.y0 : box.y1, box.x0 : box.x1] = self.to_box(square_map, geometry)
        return full

    def point_to_image(self, x: float, y: float, geometry: SquareGeometry) -> tuple[float, float]:
        """A point of the model's square (pixel centres at integers) on the photograph's pixels."""
        box = geometry.box
        if not self.pad_square:
            return (box.x0 + (x + 0.5) * box.width / self.size - 0.5, box.y0 + (y + 0.5) * box.height / self.size - 0.5)
        scale = geometry.side / self.size
        return (box.x0 - geometry.left + (x + 0.5) * scale - 0.5, box.y0 - geometry.top + (y + 0.5) * scale - 0.5)

    def length_to_image(self, length: float, geometry: SquareGeometry) -> float:
        """A horizontal length on the model's square in photograph pixels."""
        return length * (geometry.side if self.pad_square else geometry.box.width) / self.size
