"""Image quality of a fundus photograph, and the gate that says "retake" before any verdict.

Screening systems check a photograph before they grade it (issue #31): a blurred, dark,
over-exposed, hazy or half-framed photograph gets "ungradable, please retake", not a verdict. The
measures are computed on the field of view's work copy (:class:`edgeseg.inference.fov.FieldOfView`:
at most 512 px on the longest side, RGB before CLAHE, with its field-of-view mask), which every
path already has, so they cost a few milliseconds and do not depend on the camera's resolution:

- ``sharpness``: the share of fine detail, ``std(G - blur1(G)) / std(G - blur8(G))`` over the
  field of view shrunk by 4 % of its diameter (G: the green channel; blurS: a Gaussian of sigma
  S px on the work copy). Blur, motion and heavy JPEG compression lower it; exposure and haze
  scale both terms and leave it.
- ``contrast``: ``std(G - blur8(G))`` in grey levels, the local contrast of the retina's
  structures (vessels, lesions). Haze and under-exposure lower it.
- ``brightness``: the mean luminance (ITU-R BT.601) of the field of view, 0-255.
- ``clipped``: the share of the field of view whose green channel is at least 250: over-exposure
  (a fundus camera's red channel clips on healthy photographs; green does not).
- ``coverage``: the field of view's area over the area of its smallest enclosing circle: 1 for a
  whole disc, about 0.92 for IDRiD's frames (top and bottom cut), less when the frame or a
  misaligned camera cuts into the retina.
- ``blockiness``: JPEG compression's 8x8 blocks, from the photograph itself (every 8th row, at
  full resolution): the mean absolute green step across block boundaries (columns 8k-1 to 8k) over
  the mean step elsewhere, inside the field of view. About 1 for a photograph saved at a sensible
  quality; a photograph resized after heavy compression loses its grid and is not caught.

:class:`QualityGate` holds a lower or upper bound per measure; they are set by where the student
stops seeing lesions (``benchmarks/quality_thresholds.py``) and carried in the model card
(``quality_gate``), so every port reads the same numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

from edgeseg.inference.fov import FieldOfView

FINE_SIGMA = 1.0
COARSE_SIGMA = 8.0
EROSION = 0.04  # of the field of view's diameter
CLIP_LEVEL = 250
# Each measure, the way it fails ("min": too low is bad), and the word a user reads.
MEASURES: dict[str, tuple[str, str]] = {
    "sharpness": ("min", "blurred"),
    "contrast": ("min", "low contrast (hazy or dark)"),
    "brightness": ("min", "too dark"),
    "clipped": ("max", "over-exposed"),
    "coverage": ("min", "retina cut by the frame"),
    "blockiness": ("max", "compressed too much (JPEG blocks)"),
}
BLOCK = 8
ROW_STEP = 8


@dataclass(frozen=True)
class QualityMeasures:
    """The measures of one photograph (see the module's docstring)."""

    sharpness: float
    contrast: float
    brightness: float
    clipped: float
    coverage: float
    blockiness: float

    def as_dict(self) -> dict[str, float]:
        return {name: round(float(value), 5) for name, value in asdict(self).items()}


def _inner_mask(mask: np.ndarray, diameter: float) -> np.ndarray:
    radius = max(1, int(round(EROSION * diameter)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.erode(mask.astype(np.uint8), kernel).astype(bool)


def _blockiness(image: np.ndarray, field_of_view: FieldOfView) -> float:
    green = image[::ROW_STEP, :, 1]
    steps = cv2.absdiff(green[:, 1:], green[:, :-1])  # steps[:, j]: column j to j + 1
    small = field_of_view.small_mask
    rows = np.minimum((np.arange(0, image.shape[0], ROW_STEP) * field_of_view.scale).astype(int), small.shape[0] - 1)
    cols = np.minimum((np.arange(steps.shape[1]) * field_of_view.scale).astype(int), small.shape[1] - 1)
    inside = small[rows][:, cols]
    # per column: the sum of the steps inside the field of view, and their count (integers: exact)
    sums = np.where(inside, steps, 0).sum(axis=0, dtype=np.int64)
    counts = inside.sum(axis=0, dtype=np.int64)
    boundary = (np.arange(steps.shape[1]) % BLOCK) == BLOCK - 1
    across, within = counts[boundary].sum(), counts[~boundary].sum()
    if across == 0 or within == 0:
        return 1.0
    return float(sums[boundary].sum() / across) / max(float(sums[~boundary].sum() / within), 1e-6)


def measure_quality(image: np.ndarray, field_of_view: FieldOfView | None = None) -> QualityMeasures:
    """The quality measures of the RGB uint8 photograph ``image`` (its field of view found here
    unless given)."""
    field_of_view = field_of_view or FieldOfView.find(image)
    small, mask = field_of_view.small, field_of_view.small_mask
    if not mask.any():
        return QualityMeasures(0.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    _, radius = cv2.minEnclosingCircle(np.concatenate(contours))  # the boundary's circle is the region's
    diameter = 2.0 * radius
    coverage = float(mask.sum()) / (np.pi * max(radius, 0.5) ** 2)
    inner = _inner_mask(mask, diameter)
    if not inner.any():
        inner = mask
    green = small[..., 1].astype(np.float32)
    fine = green - cv2.GaussianBlur(green, (0, 0), FINE_SIGMA)
    coarse = green - cv2.GaussianBlur(green, (0, 0), COARSE_SIGMA)
    contrast = float(coarse[inner].std())
    sharpness = float(fine[inner].std()) / contrast if contrast > 0 else 0.0
    pixels = small[mask].astype(np.float32)
    brightness = float((pixels @ np.array([0.299, 0.587, 0.114], np.float32)).mean())
    clipped = float((small[..., 1][mask] >= CLIP_LEVEL).mean())
    return QualityMeasures(sharpness, contrast, brightness, clipped, min(coverage, 1.0), _blockiness(image, field_of_view))


def retake_message(reasons: list[str]) -> str:
    """What a user reads for a photograph the gate stops (the page and the Android library say the same)."""
    return f"retake: {', '.join(reasons)} (ungradable: no verdict)"


@dataclass(frozen=True)
class QualityGate:
    """Bounds on the measures: ``{"sharpness": {"min": 0.1}, "clipped": {"max": 0.05}, ...}``."""

    bounds: dict[str, dict[str, float]]

    @classmethod
    def from_dict(cls, data: dict) -> "QualityGate":
        for name, bound in data.items():
            if (name not in MEASURES or not isinstance(bound, dict) or set(bound) != {MEASURES[name][0]}
                    or not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in bound.values())):
                raise ValueError(f"quality_gate: {name!r} {bound}: expected one of {sorted(MEASURES)} with its "
                                 f"{'/'.join(sorted({kind for kind, _ in MEASURES.values()}))} bound as a number")
        return cls({name: {kind: float(value) for kind, value in bound.items()} for name, bound in data.items()})

    def as_dict(self) -> dict:
        return self.bounds

    def reasons(self, measures: QualityMeasures) -> list[str]:
        """Why the photograph cannot be graded (empty: it can), in :data:`MEASURES` order."""
        values = asdict(measures)
        found = []
        for name, (kind, word) in MEASURES.items():
            bound = self.bounds.get(name, {}).get(kind)
            if bound is None:
                continue
            if (kind == "min" and values[name] < bound) or (kind == "max" and values[name] > bound):
                found.append(word)
        return found
