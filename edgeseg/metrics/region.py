"""Region-level F-score F_sigma of Dual2Net (paper 000, Eqs. 9-12), after Zhang et al. 2014.

With predicted connected components D_i, ground-truth components G_j, and D, G their unions:

- TP pixels: (D ∩ G) ∪ {D_i : |D_i ∩ G| / |D_i| > sigma} ∪ {G_j : |G_j ∩ D| / |G_j| > sigma}
- FP pixels: {D_i : D_i ∩ G = ∅} ∪ {D_i \\ G : |D_i ∩ G| / |D_i| <= sigma}
- FN pixels: {G_j : G_j ∩ D = ∅} ∪ {G_j \\ D : |G_j ∩ D| / |G_j| <= sigma}

so a component that overlaps enough counts whole. SN_sigma = TP / (TP + FN),
PPV_sigma = TP / (TP + FP), F_sigma their harmonic mean, reported for sigma in
{0.2, 0.35, 0.5, 0.65, 0.8}. Components are 8-connected; counts pool over images.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from edgeseg.metrics.pixel import Confusion

REGION_SIGMAS: tuple[float, ...] = (0.2, 0.35, 0.5, 0.65, 0.8)


def _component_overlap(mask: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per 8-connected component of ``mask``: its overlap ratio with ``other`` and its pixels
    outside ``other``."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    sizes = np.bincount(labels.ravel(), minlength=count)[1:]
    inside = np.bincount(labels[other], minlength=count)[1:]
    return inside / np.maximum(sizes, 1), sizes - inside


def region_confusion(
    prediction: np.ndarray, truth: np.ndarray, sigmas: Sequence[float] = REGION_SIGMAS
) -> dict[float, Confusion]:
    """Region-level TP/FP/FN pixel counts of one image for each sigma."""
    prediction = np.asarray(prediction, bool)
    truth = np.asarray(truth, bool)
    if prediction.shape != truth.shape:
        raise ValueError(f"prediction {prediction.shape} and truth {truth.shape} differ in shape")
    intersection = int(np.count_nonzero(prediction & truth))
    d_ratio, d_outside = _component_overlap(prediction, truth)
    g_ratio, g_outside = _component_overlap(truth, prediction)
    result = {}
    for sigma in sigmas:
        d_whole, g_whole = d_ratio > sigma, g_ratio > sigma
        result[sigma] = Confusion(
            tp=intersection + int(d_outside[d_whole].sum()) + int(g_outside[g_whole].sum()),
            fp=int(d_outside[~d_whole].sum()),
            fn=int(g_outside[~g_whole].sum()),
        )
    return result


def region_f_scores(
    predictions: Sequence[np.ndarray], truths: Sequence[np.ndarray], sigmas: Sequence[float] = REGION_SIGMAS
) -> dict[float, float]:
    """F_sigma pooled over images, for each sigma."""
    totals = {sigma: Confusion() for sigma in sigmas}
    for prediction, truth in zip(predictions, truths, strict=True):
        for sigma, counts in region_confusion(prediction, truth, sigmas).items():
            totals[sigma] = totals[sigma] + counts
    return {sigma: counts.f_score for sigma, counts in totals.items()}
