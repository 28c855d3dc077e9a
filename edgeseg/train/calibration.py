"""Prior-shift calibration of teachers' probabilities before distillation.

A teacher trained with a class-balanced loss (paper 001's Eq. 2, the HED-style weighted
cross-entropy with weight |Y-| / (|Y+| + gamma)) learns the balanced posterior: its odds are
those of the true posterior times about |Y-| / |Y+|, so a lesion that covers 0.05 % of a
photograph comes out with probabilities of 0.1-0.3 over much of the background. Used as soft
targets, such maps teach the student diffuse lesion maps. Dividing the odds by the class ratio
is a shift of the logits by one constant per lesion (the prior-shift correction of Saerens et al.
2002, Eq. 2.4); the constant is chosen so that the teacher's mean probability over the training
images equals the lesion's share of mask pixels. The shift keeps the teacher's ranking of pixels
(and so its AUPR) unchanged; only the targets' scale changes.
"""

from __future__ import annotations

import numpy as np

TEACHER_CALIBRATIONS = ("none", "prevalence")
_EPSILON = 1e-6


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def _logit(probabilities: np.ndarray) -> np.ndarray:
    clipped = np.clip(probabilities, _EPSILON, 1 - _EPSILON)
    return np.log(clipped / (1 - clipped))


def match_prevalence(
    maps: list[np.ndarray], prevalence: np.ndarray, iterations: int = 50
) -> tuple[list[np.ndarray], np.ndarray]:
    """Shift each channel's logits so that its mean probability over ``maps`` (one (K, S, S)
    array per image) equals ``prevalence[k]``. Returns the shifted maps and the K shifts.

    The mean probability grows monotonically with the shift, so bisection on [-40, 40] finds
    it; a prevalence of 0 or 1 is clipped to 1e-6 from the edge."""
    channels = maps[0].shape[0]
    shifts = np.zeros(channels)
    shifted = [np.empty_like(array, dtype=np.float32) for array in maps]
    pixels = sum(array[0].size for array in maps)
    for channel in range(channels):
        logits = [_logit(array[channel]) for array in maps]
        target = float(np.clip(prevalence[channel], _EPSILON, 1 - _EPSILON))
        low, high = -40.0, 40.0
        for _ in range(iterations):
            middle = (low + high) / 2
            mean = sum(float(_sigmoid(array + middle).sum()) for array in logits) / pixels
            low, high = (middle, high) if mean < target else (low, middle)
        shifts[channel] = (low + high) / 2
        for out, array in zip(shifted, logits):
            out[channel] = _sigmoid(array + shifts[channel])
    return shifted, shifts
