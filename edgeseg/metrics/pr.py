"""Precision-recall curves and AUPR by the IDRiD challenge protocol.

Protocol (Porwal et al. 2020, used by the local-global U-Nets, U²-XS-Net, Red-Seg and
Dual2Net): for one lesion, pool every pixel of every test image (an image without that
lesion's mask is all-negative), take precision and recall at every distinct value of the
probability map, and measure the area under that curve.

Two areas are offered, both exact over all distinct thresholds:

- :meth:`PRCurve.average_precision` (**the default everywhere in edgeseg**):
  ``AP = sum_n (R_n - R_(n-1)) P_n``, identical to scikit-learn's ``average_precision_score``.
  It never interpolates between operating points, so it does not reward tied scores; quantised
  (int8, 8-bit PNG) outputs tie a lot and the trapezoid then overstates them
  (``../shared/docs/toolchain.md``). The default is :data:`DEFAULT_AUPR`.
- :meth:`PRCurve.trapezoid`: the trapezoidal area under the curve through (R=0, P=1) and every
  (R_n, P_n), identical to ``sklearn.metrics.auc(recall, precision)`` on
  ``precision_recall_curve``; this is what several challenge entries reported.

Scores are compared as float32. Integer score maps (8- or 16-bit PNGs) are counted by
histogram, exactly and in constant memory; float maps are sorted once as packed 64-bit keys
(score bits and label), about 17 bytes per pixel at the peak.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

DEFAULT_AUPR = "ap"
_CHUNK = 1 << 22
AUPR_METHODS = ("ap", "trapezoid")


@dataclass(frozen=True)
class PRCurve:
    """Cumulative counts at each distinct score, highest score first.

    ``tp[i]`` and ``fp[i]`` count the pixels with score >= ``thresholds[i]``.
    """

    thresholds: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    positives: int
    total: int

    @property
    def precision(self) -> np.ndarray:
        return self.tp / np.maximum(self.tp + self.fp, 1)

    @property
    def recall(self) -> np.ndarray:
        return self.tp / max(self.positives, 1)

    @property
    def prevalence(self) -> float:
        return self.positives / self.total if self.total else float("nan")

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(recall, precision) in float64, a bounded chunk at a time (curves can be 37 M long)."""
        for begin in range(0, self.tp.size, _CHUNK):
            tp = self.tp[begin : begin + _CHUNK].astype(np.float64)
            yield tp / self.positives, tp / (tp + self.fp[begin : begin + _CHUNK])

    def average_precision(self) -> float:
        """Average precision, the default AUPR; NaN when there is no positive pixel."""
        if self.positives == 0:
            return float("nan")
        area, last_recall = 0.0, 0.0
        for recall, precision in self._chunks():
            area += float(np.sum(np.diff(recall, prepend=last_recall) * precision))
            last_recall = float(recall[-1])
        return area

    def trapezoid(self) -> float:
        """Trapezoidal area under (R, P) starting at (0, 1); NaN without a positive pixel."""
        if self.positives == 0:
            return float("nan")
        area, last_recall, last_precision = 0.0, 0.0, 1.0
        for recall, precision in self._chunks():
            steps = np.diff(recall, prepend=last_recall)
            heights = (precision + np.concatenate([[last_precision], precision[:-1]])) / 2.0
            area += float(np.sum(steps * heights))
            last_recall, last_precision = float(recall[-1]), float(precision[-1])
        return area

    def aupr(self, method: str = DEFAULT_AUPR) -> float:
        """The area by ``method`` ("ap" or "trapezoid")."""
        if method == "ap":
            return self.average_precision()
        if method == "trapezoid":
            return self.trapezoid()
        raise ValueError(f"unknown AUPR method {method!r}; choose from {AUPR_METHODS}")


def _sortable_float_keys(scores: np.ndarray) -> np.ndarray:
    """Map float32 scores to uint32 keys whose unsigned order is the scores' numeric order."""
    bits = np.ascontiguousarray(scores, dtype=np.float32).view(np.uint32)
    negative = (bits >> 31).astype(bool)
    return np.where(negative, ~bits, bits | np.uint32(0x80000000))


def _keys_to_float(keys: np.ndarray) -> np.ndarray:
    keys = keys.astype(np.uint32)
    negative = (keys >> 31) == 0
    bits = np.where(negative, ~keys, keys & np.uint32(0x7FFFFFFF))
    return bits.view(np.float32)


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """Indices where the score part of sorted packed keys changes (the first is 0).

    Keys of one score differ at most in their lowest (label) bit, so a new score starts exactly
    where ``keys[i] ^ keys[i - 1] > 1``. Computed in chunks to bound temporary memory.
    """
    parts = [np.zeros(1, np.int64)]
    for begin in range(1, keys.size, _CHUNK):
        end = min(keys.size, begin + _CHUNK)
        changes = np.bitwise_xor(keys[begin:end], keys[begin - 1 : end - 1]) > 1
        parts.append(np.flatnonzero(changes) + begin)
    return np.concatenate(parts)


def _float_curve(scores: np.ndarray, labels: np.ndarray) -> PRCurve:
    scores = np.asarray(scores, dtype=np.float32).ravel()
    labels = np.asarray(labels, dtype=bool).ravel()
    if np.isnan(scores).any():
        raise ValueError("scores contain NaN; a probability map must be finite")
    if scores.size == 0:
        raise ValueError("no pixels to score")
    keys = _sortable_float_keys(scores).astype(np.uint64)
    keys <<= np.uint64(1)
    keys |= labels
    keys.sort()
    total = int(keys.size)
    starts = _group_starts(keys)
    distinct = (keys[starts] >> np.uint64(1)).astype(np.uint32)
    del keys
    positive_keys = np.sort(_sortable_float_keys(scores[labels]))
    positives = int(positive_keys.size)
    tp = np.searchsorted(positive_keys, distinct, side="left")
    np.subtract(positives, tp, out=tp)
    fp = starts
    np.subtract(total, fp, out=fp)
    fp -= tp
    return PRCurve(_keys_to_float(distinct)[::-1], tp[::-1], fp[::-1], positives, total)


def _histogram_counts(scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(levels, 2) counts of (negative, positive) pixels per integer score level."""
    levels = 1 << (8 * scores.dtype.itemsize)
    combined = scores.ravel().astype(np.int64) * 2 + np.asarray(labels, dtype=bool).ravel()
    return np.bincount(combined, minlength=2 * levels).reshape(levels, 2)


def _curve_from_histogram(counts: np.ndarray) -> PRCurve:
    levels = np.flatnonzero(counts.sum(axis=1))[::-1]
    tp = np.cumsum(counts[levels, 1]).astype(np.int64)
    fp = np.cumsum(counts[levels, 0]).astype(np.int64)
    return PRCurve(levels.astype(np.float32), tp, fp, int(counts[:, 1].sum()), int(counts.sum()))


def _is_integer_map(scores: np.ndarray) -> bool:
    return scores.dtype in (np.uint8, np.uint16) or scores.dtype == np.bool_


def pr_curve(scores: np.ndarray, labels: np.ndarray) -> PRCurve:
    """The exact precision-recall curve of ``scores`` against boolean ``labels`` (any shape)."""
    scores = np.asarray(scores)
    if scores.shape != np.shape(labels):
        raise ValueError(f"scores {scores.shape} and labels {np.shape(labels)} differ in shape")
    if _is_integer_map(scores):
        return _curve_from_histogram(_histogram_counts(scores.astype(np.uint8) if scores.dtype == np.bool_ else scores, labels))
    return _float_curve(scores, labels)


class PRAccumulator:
    """Pools pixels image by image for one lesion, then gives the pooled :class:`PRCurve`.

    8- and 16-bit score maps are reduced to histograms as they come (constant memory); float
    maps are kept as float32 until :meth:`curve`. All maps added must share one kind.
    """

    def __init__(self) -> None:
        self._counts: np.ndarray | None = None
        self._scores: list[np.ndarray] = []
        self._labels: list[np.ndarray] = []

    def add(self, scores: np.ndarray, labels: np.ndarray) -> None:
        scores = np.asarray(scores)
        if scores.shape != np.shape(labels):
            raise ValueError(f"scores {scores.shape} and labels {np.shape(labels)} differ in shape")
        if _is_integer_map(scores):
            if self._scores:
                raise ValueError("cannot mix integer and float score maps in one AUPR")
            counts = _histogram_counts(scores.astype(np.uint8) if scores.dtype == np.bool_ else scores, labels)
            if self._counts is None:
                self._counts = counts
            elif self._counts.shape != counts.shape:
                raise ValueError("cannot mix 8-bit and 16-bit score maps in one AUPR")
            else:
                self._counts += counts
        else:
            if self._counts is not None:
                raise ValueError("cannot mix integer and float score maps in one AUPR")
            self._scores.append(np.asarray(scores, np.float32).ravel())
            self._labels.append(np.asarray(labels, bool).ravel())

    def curve(self) -> PRCurve:
        if self._counts is not None:
            return _curve_from_histogram(self._counts)
        if not self._scores:
            raise ValueError("no score maps were added")
        return _float_curve(np.concatenate(self._scores), np.concatenate(self._labels))


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Average precision of ``scores`` against ``labels`` (edgeseg's default AUPR)."""
    return pr_curve(scores, labels).average_precision()


def aupr_trapezoid(scores: np.ndarray, labels: np.ndarray) -> float:
    """Trapezoidal area under the precision-recall curve."""
    return pr_curve(scores, labels).trapezoid()


def aupr(scores: np.ndarray, labels: np.ndarray, method: str = DEFAULT_AUPR) -> float:
    """AUPR of ``scores`` against ``labels`` by ``method`` (default: average precision)."""
    return pr_curve(scores, labels).aupr(method)
