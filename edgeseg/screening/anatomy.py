"""Where the optic disc and the fovea lie in the model's square, for the anatomy-aware findings.

The optic disc is the brightest disc-sized region of the retina: the locator scores every position
by the mean brightness ((R + G) / 2 of the model's square, after CLAHE) in a box of
:data:`DISC_INNER` disc diameters minus the mean in the ring out to a box of :data:`DISC_OUTER`,
counting only field-of-view pixels, and takes the best position whose inner box lies in the field
of view. The disc's diameter (DD) is taken as :data:`DISC_DIAMETER_SHARE` of the field of view's
width: the annotated discs of IDRiD's segmentation photographs are 0.154 (sd 0.014) of it on the
54 training photographs and 0.150 (sd 0.013) on the 27 test ones
(``benchmarks/anatomy_check.py``), a steadier estimate than one measured on a disc that lesions
or glare may hide. The box sizes were chosen on the 54 training photographs (the located centre on
the annotated disc on 53).

The fovea is not annotated in the data we have; it is estimated from anatomy: :data:`FOVEA_DISTANCE`
disc diameters temporal to the disc (towards the field of view's centre) and :data:`FOVEA_DROP`
below it, moved to the darkest box of one DD within :data:`FOVEA_SEARCH` DD of that point (the
macula is the darkest part of a fundus photograph). docs/results.md ("Refer or not, out of the
box") states how both were validated, with the command.

Every step is box sums (exact in float64: the JavaScript and Java ports take them from integral
images, Python from OpenCV's box filter, the same numbers), divisions and comparisons of squared
distances, so the ports (``web_demo/src/fundus/findings.js``, ``Findings.java``) compute the same
positions; Python's ``round`` (half to even) sizes the boxes.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

DISC_DIAMETER_SHARE = 0.153
DISC_INNER, DISC_OUTER = 0.75, 2.5
FOVEA_DISTANCE, FOVEA_DROP, FOVEA_SEARCH = 2.5, 0.3, 0.5
MIN_FIELD_SHARE = 0.9  # the share of an inner box that must be field of view


@dataclass(frozen=True)
class Anatomy:
    """The optic disc's centre and diameter and the fovea, in pixels of the model's square."""

    disc_x: float
    disc_y: float
    disc_diameter: float
    fovea_x: float
    fovea_y: float

    def distance_dd(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Distance of square pixels (x, y) from the fovea, in disc diameters."""
        dx, dy = np.asarray(x, np.float64) - self.fovea_x, np.asarray(y, np.float64) - self.fovea_y
        return np.sqrt(dx * dx + dy * dy) / self.disc_diameter


def _box_sums(values: np.ndarray, side: int) -> np.ndarray:
    """Sum over the side x side box centred on each pixel, zero outside the array (float64 box
    filter; exact: the values are multiples of 0.5, as are all their partial sums)."""
    return cv2.boxFilter(values, cv2.CV_64F, (side, side), normalize=False, borderType=cv2.BORDER_CONSTANT)


def _odd(length: float) -> int:
    return max(1, int(round(length)) | 1)


def field_width(field: np.ndarray) -> int:
    """The width in pixels of the field of view (a boolean square mask); 0 when it is empty."""
    columns = np.flatnonzero(field.any(axis=0))
    return int(columns[-1] - columns[0] + 1) if columns.size else 0


def locate_anatomy(square: np.ndarray, field: np.ndarray) -> Anatomy | None:
    """The disc and fovea of a model square (S, S, 3) uint8 with its field of view ``field``
    (S, S) bool; None when the field of view is empty."""
    width = field_width(field)
    if width == 0:
        return None
    diameter = DISC_DIAMETER_SHARE * width
    brightness = (square[..., 0].astype(np.float64) + square[..., 1]) / 2 * field
    inside = field.astype(np.float64)
    inner, outer = _odd(DISC_INNER * diameter), _odd(DISC_OUTER * diameter)
    inner_sum, inner_count = _box_sums(brightness, inner), _box_sums(inside, inner)
    ring_sum, ring_count = _box_sums(brightness, outer) - inner_sum, _box_sums(inside, outer) - inner_count
    score = inner_sum / np.maximum(inner_count, 1) - ring_sum / np.maximum(ring_count, 1)
    score[inner_count < MIN_FIELD_SHARE * inner * inner] = -np.inf
    disc_y, disc_x = np.unravel_index(int(np.argmax(score)), score.shape)
    columns = np.flatnonzero(field.any(axis=0))
    centre_x = (columns[0] + columns[-1]) / 2
    temporal = 1.0 if centre_x >= disc_x else -1.0
    expected_x, expected_y = disc_x + temporal * FOVEA_DISTANCE * diameter, disc_y + FOVEA_DROP * diameter
    window = _odd(diameter)
    radius = FOVEA_SEARCH * diameter
    # only the rows and columns the search circle can reach (the same pixels, scanned in the same order)
    y0, y1 = max(0, int(np.floor(expected_y - radius))), min(field.shape[0], int(np.ceil(expected_y + radius)) + 1)
    x0, x1 = max(0, int(np.floor(expected_x - radius))), min(field.shape[1], int(np.ceil(expected_x + radius)) + 1)
    fovea_x, fovea_y = expected_x, expected_y  # the expected fovea when it lies outside the field of view
    if y0 < y1 and x0 < x1:
        ys, xs = np.mgrid[y0:y1, x0:x1]
        dx, dy = xs - expected_x, ys - expected_y
        counts = _box_sums(inside, window)[y0:y1, x0:x1]
        allowed = (dx * dx + dy * dy <= radius * radius) & (counts >= window * window)
        if allowed.any():
            sums = _box_sums(brightness, window)[y0:y1, x0:x1]
            darkness = np.where(allowed, sums / np.maximum(counts, 1), np.inf)
            row, column = np.unravel_index(int(np.argmin(darkness)), darkness.shape)
            fovea_x, fovea_y = x0 + column, y0 + row
    return Anatomy(float(disc_x), float(disc_y), float(diameter), float(fovea_x), float(fovea_y))
