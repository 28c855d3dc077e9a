"""One sample of a segmentation or grading data set: file paths and labels, loaded on demand."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.fileio import read_image, read_mask
from edgeseg.lesions import LESIONS


@dataclass(frozen=True)
class SegSample:
    """An image and its lesion masks. A lesion without a mask file is all-negative.

    This is the IDRiD convention ("a missing mask means that lesion was not annotated on that
    image: treat it as all-negative", as the challenge did for AUPR).
    """

    stem: str
    image: Path
    masks: Mapping[str, Path] = field(default_factory=dict)
    split: str = ""

    def load_image(self) -> np.ndarray:
        """The RGB ``uint8`` image (H, W, 3)."""
        return read_image(self.image)

    def load_masks(
        self, shape: tuple[int, int], lesions: Sequence[str] = LESIONS
    ) -> np.ndarray:
        """A ``bool`` (L, H, W) stack in ``lesions`` order; each mask must have ``shape`` (H, W)."""
        stack = np.zeros((len(lesions), *shape), dtype=bool)
        for index, lesion in enumerate(lesions):
            path = self.masks.get(lesion)
            if path is not None:
                stack[index] = read_mask(path, shape)
        return stack


@dataclass(frozen=True)
class GradingSample:
    """A fundus image with its DR grade (0-4) and risk of macular edema (DME, 0-2)."""

    stem: str
    image: Path
    dr: int
    dme: int
    split: str = ""
