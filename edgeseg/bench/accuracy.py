"""Accuracy parity: per-lesion AUPR of every subject on the same test photographs.

Each subject preprocesses each photograph its own way (its card or metadata), and its maps are
mapped back onto the photograph's pixels exactly as `edgeseg predict` does, so models of
different input sizes are scored against the same masks (IDRiD protocol: pooled over the
images, average precision). Probabilities are pooled as 16-bit values, the depth of `edgeseg
predict`'s maps (steps of 1/65535, far finer than any int8 output), so memory stays constant.
For an exported file the largest absolute difference to its PyTorch source, on the same
squares, is recorded as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from edgeseg.metrics.pr import PRAccumulator, PRCurve
from edgeseg.predict import maps_to_image, quantize_probabilities

from .subjects import Subject


@dataclass
class Accuracy:
    aupr: dict[str, float] = field(default_factory=dict)
    curves: dict[str, PRCurve] = field(default_factory=dict)
    max_abs_vs_source: float = math.nan
    error: str = ""


def score_subjects(subjects: list[Subject], samples: list, progress=None) -> dict[str, Accuracy]:
    """AUPR per lesion for every runnable subject over ``samples`` (SegSample with masks)."""
    runners, accumulators, results = {}, {}, {}
    for subject in subjects:
        if not subject.runnable:
            continue
        try:
            runners[subject.label] = subject.open()
        except Exception as exc:  # a file that cannot be opened is reported, never fatal
            results[subject.label] = Accuracy(error=f"{type(exc).__name__}: {str(exc)[:160]}")
            continue
        accumulators[subject.label] = {lesion: PRAccumulator() for lesion in subject.lesions}
        results[subject.label] = Accuracy(max_abs_vs_source=0.0 if subject.runtime != "pytorch" else math.nan)
    by_path = {s.path.resolve(): s for s in subjects if s.runtime == "pytorch"}
    iterator = progress(samples, len(samples)) if progress else samples
    for sample in iterator:
        image = sample.load_image()
        squares, outputs, truths = {}, {}, {}
        for subject in subjects:
            if subject.label not in runners:
                continue
            key = (subject.preprocessing.size, subject.preprocessing.clahe, subject.preprocessing.fov_crop, subject.preprocessing.pad_square)
            if key not in squares:
                squares[key] = subject.preprocessing.image_to_square(image)
            try:
                outputs[subject.label] = runners[subject.label](squares[key])
            except Exception as exc:
                results[subject.label].error = f"{type(exc).__name__}: {str(exc)[:160]}"
                del runners[subject.label]
                continue
            if subject.lesions not in truths:
                truths[subject.lesions] = sample.load_masks(image.shape[:2], subject.lesions)
            truth = truths[subject.lesions]
            full = maps_to_image(outputs[subject.label], subject.preprocessing, image)
            for index, lesion in enumerate(subject.lesions):
                accumulators[subject.label][lesion].add(quantize_probabilities(full[index], 16), truth[index])
        for subject in subjects:
            source = by_path.get(subject.source.resolve())
            if subject.runtime != "pytorch" and subject.label in outputs and source is not None and source.label in outputs:
                gap = float(np.abs(outputs[subject.label] - outputs[source.label]).max())
                results[subject.label].max_abs_vs_source = max(results[subject.label].max_abs_vs_source, gap)
    for label, lesions in accumulators.items():
        if results[label].error:
            continue
        for lesion, accumulator in lesions.items():
            curve = accumulator.curve()
            results[label].curves[lesion] = curve
            results[label].aupr[lesion] = curve.average_precision() if curve.positives else math.nan
    return results
