"""`edgeseg eval`: score saved probability maps against a data set split, lesion by lesion.

Prediction files are looked up as ``PRED/<stem>_<LESION>.<png|npy>`` or
``PRED/<LESION>/<stem>_<LESION>.<png|npy>``. A PNG holds probabilities scaled to its bit depth
(8-bit: p = v / 255); an ``.npy`` holds float probabilities (loaded without pickle). Maps must
have the size of their ground-truth masks. AUPR follows :mod:`edgeseg.metrics.pr` (IDRiD
protocol, pooled over all images, average precision by default); pixel scores use
``probability >= threshold``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.data.datasets import open_split
from edgeseg.errors import DataError
from edgeseg.evaluate_options import EvalOptions
from edgeseg.fileio import image_size, read_json, truncation_problem
from edgeseg.lesions import LESIONS
from edgeseg.metrics.pixel import Confusion, pixel_confusion
from edgeseg.metrics.pr import PRAccumulator
from edgeseg.metrics.region import REGION_SIGMAS, region_confusion

PREDICTION_SUFFIXES = (".png", ".npy")


@dataclass
class LesionScore:
    """Scores of one lesion over a split."""

    lesion: str
    images: int = 0
    annotated: int = 0
    positives: int = 0
    pixels: int = 0
    average_precision: float = float("nan")
    trapezoid: float = float("nan")
    pixel: Confusion = field(default_factory=Confusion)
    ungradable: int = 0  # photographs `predict`'s quality gate found ungradable (scored only where forced to have maps)
    region: dict[float, Confusion] | None = None

    @property
    def prevalence(self) -> float:
        return self.positives / self.pixels if self.pixels else float("nan")

    def as_dict(self) -> dict:
        result = {
            "lesion": self.lesion,
            "images": self.images,
            "annotated_images": self.annotated,
            "positive_pixels": self.positives,
            "pixels": self.pixels,
            "prevalence": self.prevalence,
            "aupr_ap": self.average_precision,
            "aupr_trapezoid": self.trapezoid,
            "pixel": self.pixel.as_dict(),
        }
        if self.region is not None:
            result["region_f"] = {str(sigma): counts.f_score for sigma, counts in self.region.items()}
        return result


def _ungradable(folder: Path, stem: str) -> bool:
    """Whether `predict`'s summary of ``stem`` says the image-quality gate found it ungradable."""
    summary = folder / f"{stem}.json"
    return summary.is_file() and read_json(summary).get("gradable") is False


def find_prediction(folder: Path, stem: str, lesion: str) -> Path | None:
    """The prediction file for ``stem`` and ``lesion`` under ``folder``, or None."""
    for base in (folder, folder / lesion):
        for suffix in PREDICTION_SUFFIXES:
            candidate = base / f"{stem}_{lesion}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def read_probability_map(path: Path) -> tuple[np.ndarray, float]:
    """A probability map and the value that stands for probability 1 (255 for 8-bit PNG)."""
    if path.suffix == ".npy":
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise DataError(f"{path}: not a readable .npy array ({exc})") from None
        if array.ndim != 2 or not np.issubdtype(array.dtype, np.floating):
            raise DataError(f"{path}: expected a 2-D float array of probabilities, got {array.dtype} {array.shape}")
        return array.astype(np.float32, copy=False), 1.0
    import cv2

    data = path.read_bytes()
    problem = truncation_problem(data) if data else "empty file"
    array = None if problem else cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise DataError(f"{path}: not a readable probability map ({problem or 'corrupt PNG'})")
    if array.ndim != 2:
        raise DataError(f"{path}: expected a single-channel probability map, got {array.shape[2]} channels")
    return array, float(np.iinfo(array.dtype).max)


def map_at_image_resolution(path: Path, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A map `edgeseg predict` wrote at the model's resolution, brought onto its photograph's
    pixels with the preprocessing and geometry of the summary beside it (``STEM.json``)."""
    from edgeseg.inference.maps import map_to_image
    from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry

    stem = path.stem.rsplit("_", 1)[0]
    summary_path = next((folder / f"{stem}.json" for folder in (path.parent, path.parent.parent) if (folder / f"{stem}.json").is_file()), None)
    summary = read_json(summary_path) if summary_path else {}
    if "geometry" not in summary or "preprocessing" not in summary or np.issubdtype(values.dtype, np.floating):
        raise DataError(
            f"{path}: map is {values.shape[1]}x{values.shape[0]} but its image is {shape[1]}x{shape[0]}, and no "
            f"{stem}.json with the geometry to map it back is beside it; predict with edgeseg predict (or --full-maps)"
        )
    geometry = SquareGeometry.from_dict(summary["geometry"])
    if (geometry.height, geometry.width) != tuple(shape):
        raise DataError(f"{summary_path}: its geometry is for a {geometry.width}x{geometry.height} photograph, not {shape[1]}x{shape[0]}")
    return map_to_image(values, Preprocessing.from_dict(summary["preprocessing"]), geometry)


def evaluate_predictions(
    predictions: str | Path,
    data: str | Path,
    split: str | None = EvalOptions.split,
    lesions: Sequence[str] = LESIONS,
    threshold: float = EvalOptions.threshold,
    region: bool = EvalOptions.region,
    progress: Callable[[Iterable, int], Iterable] | None = None,
) -> list[LesionScore]:
    """Score the maps under ``predictions`` against ``split`` of the data set at ``data``."""
    predictions = Path(predictions)
    if not predictions.is_dir():
        raise DataError(f"{predictions}: prediction folder not found")
    samples = open_split(data, split)
    scores = {lesion: LesionScore(lesion) for lesion in lesions}
    accumulators = {lesion: PRAccumulator() for lesion in lesions}
    if region:
        for score in scores.values():
            score.region = {sigma: Confusion() for sigma in REGION_SIGMAS}
    iterator: Iterable = progress(samples, len(samples)) if progress else samples
    for sample in iterator:
        paths = {lesion: find_prediction(predictions, sample.stem, lesion) for lesion in lesions}
        missing = [lesion for lesion, path in paths.items() if path is None]
        if _ungradable(predictions, sample.stem):
            for score in scores.values():
                score.ungradable += 1
            if len(missing) == len(lesions):  # stopped by the quality gate: nothing to score
                continue
        if missing:
            raise DataError(
                f"{predictions}: no prediction for {sample.stem} {', '.join(missing)} "
                f"(expected {sample.stem}_{missing[0]}.png or .npy)"
            )
        width, height = image_size(sample.image)
        shape = (height, width)
        truth = sample.load_masks(shape, lesions)
        maps = {lesion: read_probability_map(path) for lesion, path in paths.items()}
        for index, lesion in enumerate(lesions):
            probability, one = maps[lesion]
            if probability.shape != shape:
                probability = map_at_image_resolution(paths[lesion], probability, shape)
            score = scores[lesion]
            score.images += 1
            score.annotated += lesion in sample.masks
            score.positives += int(truth[index].sum())
            score.pixels += truth[index].size
            accumulators[lesion].add(probability, truth[index])
            predicted = probability >= threshold * one
            score.pixel = score.pixel + pixel_confusion(predicted, truth[index])
            if score.region is not None:
                for sigma, counts in region_confusion(predicted, truth[index]).items():
                    score.region[sigma] = score.region[sigma] + counts
    for lesion, score in scores.items():
        curve = accumulators[lesion].curve()
        score.average_precision = curve.average_precision()
        score.trapezoid = curve.trapezoid()
    return list(scores.values())
