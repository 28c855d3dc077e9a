"""The overlay `edgeseg predict` writes: the photograph with each lesion above its threshold tinted
and outlined, a legend, any verdict lines (a grading model's DR grade, DME risk and referral) and
the research-use notice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np

from edgeseg.lesions import LESION_NAMES

# Overlay colours (RGB), chosen to stand out on an orange-red retina.
LESION_COLOURS = {"MA": (0, 255, 255), "HE": (60, 255, 60), "EX": (40, 90, 255), "SE": (255, 0, 255), "OD": (255, 255, 255)}
NOTICE_LINE = "research use only - not a diagnosis"
ANATOMY_COLOUR = (255, 255, 160)  # the disc, the fovea and the 1-DD circle


def render_overlay(image: np.ndarray, lesions: Sequence[str], masks: Sequence[np.ndarray], verdict: Sequence[str] = (),
                   in_place: bool = False, anatomy: Mapping | None = None) -> np.ndarray:
    """The photograph with each lesion's (H, W) uint8 mask tinted and outlined, the optic disc,
    the fovea and the circle one disc diameter around it (``anatomy``: the ``optic_disc`` and
    ``fovea`` of a findings record), plus the legend; drawn on ``image`` itself with
    ``in_place`` (no copy of a 12-megapixel photograph)."""
    overlay = image if in_place else image.copy()
    for lesion, mask in zip(lesions, masks):
        if not mask.any():
            continue
        colour = np.array(LESION_COLOURS[lesion], np.float32)
        selected = mask.astype(bool)
        overlay[selected] = (0.45 * overlay[selected] + 0.55 * colour).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(overlay, contours, -1, LESION_COLOURS[lesion], max(1, image.shape[1] // 1500))
    if anatomy and anatomy.get("optic_disc") and anatomy.get("fovea"):
        _draw_anatomy(overlay, anatomy["optic_disc"], anatomy["fovea"])
    return _draw_legend(overlay, lesions, verdict)


def _draw_anatomy(image: np.ndarray, disc: Mapping, fovea: Mapping) -> None:
    """The disc's outline, the fovea's cross and the 1-DD circle around the fovea."""
    thickness = max(1, image.shape[1] // 800)
    diameter = float(disc["diameter_px"])
    centre = (int(round(disc["x"])), int(round(disc["y"])))
    cv2.circle(image, centre, int(round(diameter / 2)), ANATOMY_COLOUR, thickness, cv2.LINE_AA)
    spot = (int(round(fovea["x"])), int(round(fovea["y"])))
    cv2.drawMarker(image, spot, ANATOMY_COLOUR, cv2.MARKER_CROSS, int(round(diameter / 3)), thickness, cv2.LINE_AA)
    cv2.circle(image, spot, int(round(diameter)), ANATOMY_COLOUR, thickness, cv2.LINE_AA)


def _draw_legend(image: np.ndarray, lesions: Sequence[str], verdict: Sequence[str]) -> np.ndarray:
    scale = max(0.5, image.shape[1] / 1600)
    line = int(34 * scale)
    pad = int(12 * scale)
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, max(1, int(2 * scale))
    widest = max((cv2.getTextSize(text, font, 0.75 * scale, thickness)[0][0] for text in verdict), default=0)
    width = max(int(620 * scale), widest + 2 * pad)
    rows = len(lesions) + len(verdict) + 1
    cv2.rectangle(image, (0, 0), (width, pad * 2 + line * rows), (0, 0, 0), thickness=-1)
    for row, lesion in enumerate(lesions):
        y = pad + line * row
        cv2.rectangle(image, (pad, y + pad // 2), (pad + line - pad, y + line - pad // 2), LESION_COLOURS[lesion], thickness=-1)
        cv2.putText(image, f"{lesion} {LESION_NAMES[lesion]}", (pad + line, y + line - pad), font, 0.8 * scale, (255, 255, 255), thickness)
    for row, text in enumerate(verdict, start=len(lesions)):
        cv2.putText(image, text, (pad, pad + line * row + line - pad), font, 0.75 * scale, (255, 255, 255), thickness)
    cv2.putText(image, NOTICE_LINE, (pad, pad + line * (rows - 1) + line - pad), font, 0.7 * scale, (255, 200, 0), thickness)
    return image
