"""Field of view: find the bright retinal disc inside a fundus photograph's black border.

Every paper crops or resizes around the field of view (U²-XS-Net: "crop to the retinal disc";
Dual2Net on DDR: "crop the bounding box of the field of view"). The detector works on a
downscaled copy so that it costs a few milliseconds even on 4288x2848 photographs.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_WORK_SIDE = 512
BLANK_SPAN = 8  # grey levels: a frame whose values all lie within this is blank
MIN_RETINA = 64  # px across: the model's 512 px square would be this upscaled 8x; a microaneurysm 3 px wide there is under half a pixel here


@dataclass(frozen=True)
class Box:
    """A pixel box ``[x0, x1) x [y0, y1)`` in image coordinates."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    def crop(self, array: np.ndarray) -> np.ndarray:
        """Crop the first two axes of ``array`` (an image or a mask) to this box."""
        return array[self.y0 : self.y1, self.x0 : self.x1]

    def as_list(self) -> list[int]:
        return [self.x0, self.y0, self.x1, self.y1]


def _work_copy(image: np.ndarray) -> tuple[np.ndarray, float]:
    height, width = image.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    else:
        small = image
    return small, scale


def _fov_mask_small(small: np.ndarray) -> np.ndarray:
    brightness = cv2.medianBlur(np.ascontiguousarray(small.max(axis=2)), 5)
    reference = float(np.percentile(brightness, 95))
    threshold = max(12.0, 0.12 * reference)
    mask = (brightness > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return np.zeros(mask.shape, bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return labels == largest


@dataclass(frozen=True)
class FieldOfView:
    """The field of view of one photograph, found once on a work copy of at most 512 px and
    reused by every consumer: the fundus check, the crop box and the full-resolution mask."""

    image_shape: tuple[int, int]
    small: np.ndarray  # the work copy (RGB uint8)
    small_mask: np.ndarray  # bool, the work copy's size
    scale: float  # work copy size / image size

    @classmethod
    def find(cls, image: np.ndarray) -> "FieldOfView":
        small, scale = _work_copy(image)
        return cls(image.shape[:2], small, _fov_mask_small(small), scale)

    def mask(self) -> np.ndarray:
        """Boolean (H, W) mask of the field of view: the largest bright region of the photograph."""
        mask = self.small_mask.astype(np.uint8)
        if self.scale < 1.0:
            mask = cv2.resize(mask, (self.image_shape[1], self.image_shape[0]), interpolation=cv2.INTER_NEAREST)
        return mask.astype(bool)

    def box(self, margin: float = 0.005) -> Box:
        """Bounding box of the field of view, grown by ``margin`` of the image size on each side;
        the whole image when no field of view is found (an all-black image)."""
        height, width = self.image_shape
        ys, xs = np.nonzero(self.small_mask)
        if xs.size == 0:
            return Box(0, 0, width, height)
        pad_x, pad_y = margin * width, margin * height
        x0 = int(max(0, np.floor(xs.min() / self.scale - pad_x)))
        y0 = int(max(0, np.floor(ys.min() / self.scale - pad_y)))
        x1 = int(min(width, np.ceil((xs.max() + 1) / self.scale + pad_x)))
        y1 = int(min(height, np.ceil((ys.max() + 1) / self.scale + pad_y)))
        return Box(x0, y0, x1, y1)

    def problem(self) -> str | None:
        """Why the photograph does not look like a colour fundus photograph, or None if it does.

        A heuristic with four checks, tuned so that every IDRiD photograph passes: the frame is
        not blank (one colour everywhere), the image is not grayscale (its colour channels differ),
        a field of view covers a fair part of it, and that field of view is red-dominant, as the
        retina is under a fundus camera's white flash.
        """
        if int(self.small.max()) - int(self.small.min()) <= BLANK_SPAN:
            return "blank frame (one colour everywhere); was the lens covered or the flash off?"
        pixels = self.small.reshape(-1, 3).astype(np.int16)
        if np.abs(pixels[:, 0] - pixels[:, 1]).max() <= 2 and np.abs(pixels[:, 1] - pixels[:, 2]).max() <= 2:
            return "grayscale image; edgeseg needs a colour (RGB) fundus photograph"
        if self.small_mask.mean() < 0.15:
            return "no field of view found (the image is almost entirely dark); is it a fundus photograph?"
        red, green, blue = (self.small[..., c][self.small_mask].mean() for c in range(3))
        if not (red > 1.1 * green and red > 1.3 * blue):
            return (
                f"does not look like a fundus photograph (mean RGB in the bright region "
                f"{red:.0f}/{green:.0f}/{blue:.0f}; a retina is red-dominant)"
            )
        return None

    def too_small(self, factor: float = 1.0) -> str | None:
        """Why a photograph to analyse is too small (its retina under :data:`MIN_RETINA` px across;
        ``factor``: photograph pixels per pixel of the image this field of view was found on), or
        None. Not part of :meth:`problem`: training and test data may be small on purpose."""
        box = self.box(0.0)
        across = round(max(box.width, box.height) * factor)
        if across >= MIN_RETINA:
            return None
        return (f"too small: the retina is {across} px across, less than the {MIN_RETINA} px edgeseg needs to see lesions; "
                "use the camera's full-resolution photograph")


def field_of_view_mask(image: np.ndarray) -> np.ndarray:
    """Boolean (H, W) mask of the field of view (:meth:`FieldOfView.mask`)."""
    return FieldOfView.find(image).mask()


def field_of_view_box(image: np.ndarray, margin: float = 0.005) -> Box:
    """Bounding box of the field of view (:meth:`FieldOfView.box`)."""
    return FieldOfView.find(image).box(margin)


def fundus_problem(image: np.ndarray) -> str | None:
    """Why ``image`` is not a colour fundus photograph, or None (:meth:`FieldOfView.problem`)."""
    return FieldOfView.find(image).problem()
