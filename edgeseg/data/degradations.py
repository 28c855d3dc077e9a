"""Degraded copies of a fundus photograph, for finding where the student stops seeing lesions
(issue #31: the image-quality gate's thresholds).

Each kind takes a severity on its own scale; sizes are given at the model's scale (a field of
view 512 px across) and scaled to the photograph's field of view, so a severity means the same
on a 1440 px and a 4288 px photograph:

- ``gaussian_blur``: a Gaussian of sigma ``s`` px (at 512 px across the field of view);
- ``motion_blur``: a horizontal line kernel ``s`` px long (same scale);
- ``dark``: gamma ``s`` (> 1 darkens: ``255 (I / 255) ** s``), an under-exposed flash;
- ``bright``: exposure times ``s``, clipped at 255, an over-exposed flash;
- ``jpeg``: JPEG quality ``s`` (lower is worse);
- ``haze``: a veil of grey level 200 blended in with weight ``s`` inside the field of view
  (cataract, a dirty lens);
- ``cut``: the share ``s`` of the field of view's width blacked out from its left edge (the
  retina cut by a misaligned camera).
"""

from __future__ import annotations

import cv2
import numpy as np

from edgeseg.inference.fov import FieldOfView

SEVERITIES: dict[str, tuple[float, ...]] = {
    "gaussian_blur": (0.5, 1.0, 1.5, 2.0, 3.0, 4.0),
    "motion_blur": (2.0, 4.0, 6.0, 8.0, 12.0, 16.0),
    "dark": (1.5, 2.0, 2.5, 3.0, 4.0, 5.0),
    "bright": (1.5, 2.0, 2.5, 3.0, 4.0, 5.0),
    "jpeg": (30.0, 20.0, 12.0, 8.0, 5.0, 2.0),
    "haze": (0.15, 0.3, 0.45, 0.6, 0.75, 0.9),
    "cut": (0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
}
# Severity of an untouched photograph on each kind's scale.
NONE: dict[str, float] = {"gaussian_blur": 0.0, "motion_blur": 0.0, "dark": 1.0, "bright": 1.0, "jpeg": 100.0, "haze": 0.0, "cut": 0.0}
HAZE_LEVEL = 200
MODEL_SCALE = 512


def _fov_scale(field_of_view: FieldOfView) -> float:
    box = field_of_view.box(0.0)
    return max(box.width, box.height) / MODEL_SCALE


def degrade(image: np.ndarray, kind: str, severity: float, field_of_view: FieldOfView | None = None) -> np.ndarray:
    """A degraded copy of the RGB uint8 ``image`` (see the module's docstring)."""
    if kind not in SEVERITIES:
        raise ValueError(f"unknown degradation {kind!r}; choose from {', '.join(SEVERITIES)}")
    if severity == NONE[kind]:
        return image.copy()
    field_of_view = field_of_view or FieldOfView.find(image)
    if kind == "gaussian_blur":
        return cv2.GaussianBlur(image, (0, 0), severity * _fov_scale(field_of_view))
    if kind == "motion_blur":
        length = max(1, int(round(severity * _fov_scale(field_of_view))))
        kernel = np.full((1, length), 1.0 / length, np.float32)
        return cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT)
    if kind == "dark":
        table = np.clip(255.0 * (np.arange(256) / 255.0) ** severity + 0.5, 0, 255).astype(np.uint8)
        return cv2.LUT(image, table)
    if kind == "bright":
        return np.clip(image.astype(np.float32) * severity + 0.5, 0, 255).astype(np.uint8)
    if kind == "jpeg":
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, int(severity)])
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    if kind == "haze":
        mask = field_of_view.mask()[..., None]
        veiled = image.astype(np.float32) * (1 - severity) + HAZE_LEVEL * severity
        return np.where(mask, np.clip(veiled + 0.5, 0, 255), image).astype(np.uint8)
    box = field_of_view.box(0.0)  # cut
    out = image.copy()
    out[:, : box.x0 + int(round(severity * box.width))] = 0
    return out
