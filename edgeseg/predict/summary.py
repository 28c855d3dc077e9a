"""What `edgeseg predict` tells about a photograph: per lesion the threshold, the area (pixels and
share of the field of view), the connected components and the largest probability, measured at
the photograph's resolution; and the masks the overlay tints."""

from __future__ import annotations

import cv2
import numpy as np

from edgeseg.lesions import LESION_NAMES
from edgeseg.predict.predictor import Prediction


def lesion_masks(prediction: Prediction, thresholds: dict[str, float]) -> tuple[list[np.ndarray], list[float]]:
    """Per lesion the (H, W) uint8 mask at its threshold on the photograph, and the largest
    probability (0 outside the field-of-view crop); one lesion's probabilities at a time, on the
    crop only, so that a 12-megapixel photograph needs no full-resolution float map."""
    masks, maxima = [], []
    box, geometry = prediction.geometry.box, prediction.geometry
    for index, lesion in enumerate(prediction.lesions):
        crop = prediction.preprocessing.to_box(prediction.square_maps[index], geometry)
        mask = np.zeros((geometry.height, geometry.width), np.uint8)
        mask[box.y0 : box.y1, box.x0 : box.x1] = crop >= thresholds[lesion]
        masks.append(mask)
        maxima.append(float(crop.max()))  # probabilities are 0 outside the crop
    return masks, maxima


def summarise(prediction: Prediction, thresholds: dict[str, float], masks: list[np.ndarray], maxima: list[float]) -> dict:
    """Per lesion: threshold, area (pixels and share of the field of view), components, maximum."""
    fov_pixels = int(prediction.field_of_view.mask().sum())
    lesions = {}
    for lesion, mask, maximum in zip(prediction.lesions, masks, maxima):
        area = int(mask.sum())
        lesions[lesion] = {
            "name": LESION_NAMES[lesion],
            "threshold": thresholds[lesion],
            "area_pixels": area,
            "area_share_of_fov": area / fov_pixels if fov_pixels else None,
            "components": int(cv2.connectedComponents(mask, connectivity=8)[0] - 1),
            "max_probability": maximum,
        }
    return {"field_of_view_pixels": fov_pixels, "lesions": lesions}
