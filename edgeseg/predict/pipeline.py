"""`edgeseg predict` over many photographs: decoding the next photograph, running the network and
writing the previous results overlap (OpenCV and the runtimes release the GIL), so a folder costs
about its slowest stage per photograph.

Per photograph ``STEM`` (see :mod:`edgeseg.inference.maps` for the map files):

- ``STEM_<LESION>.png``: the probability map, at the model's resolution (default) or the
  photograph's (``full_maps``), 16-bit unless ``map_bits=8``;
- ``STEM_overlay.jpg``: the photograph with the lesions tinted, the legend and the notice;
- ``STEM.json``: the summary (:mod:`edgeseg.predict.summary`), the model, the preprocessing and
  geometry that bring the maps back onto the photograph, the image-quality measures and whether
  the model's gate finds the photograph gradable (:mod:`edgeseg.data.quality`), and for a model
  that grades, or whose card carries a grader on the findings (the embedded default), the verdict:
  ``dr_grade`` and ``dme_risk`` (integers), ``referable_prob`` and the advice ``refer``
  (:mod:`edgeseg.predict.verdict`);
  and the anatomy-aware ``findings`` (the optic disc, the fovea, lesions per quadrant, exudates
  near the fovea, and the findings in words: :mod:`edgeseg.screening`).

A photograph the gate stops ("retake: blurred") gets ``STEM.json`` only, with its measures and
reasons and no verdict; with ``force`` also its maps and an overlay marked ungradable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np

from edgeseg import NOTICE
from edgeseg.data.quality import QualityMeasures
from edgeseg.fileio import atomic_write_bytes, atomic_write_json, exif_orientation
from edgeseg.inference.fov import FieldOfView
from edgeseg.inference.maps import encode_png, quantize_probabilities
from edgeseg.predict.inputs import read_photograph
from edgeseg.predict.options import PredictOptions
from edgeseg.predict.overlay import render_overlay
from edgeseg.predict.predictor import Prediction, Predictor
from edgeseg.predict.verdict import findings_record, read_prediction, verdict_lines

OVERLAY_QUALITY = 90
T, L, R, F = TypeVar("T"), TypeVar("L"), TypeVar("R"), TypeVar("F")  # item, loaded, run, finished


def ungradable_summary(predictor: Predictor, path: Path, image: np.ndarray, measures: QualityMeasures, retake: list[str]) -> dict:
    """The summary of a photograph the quality gate stops: its measures and the reasons, no
    lesions and no verdict."""
    return {
        "image": str(path),
        "size": [int(image.shape[1]), int(image.shape[0])],
        "model": str(predictor.path),
        "notice": NOTICE,
        "gradable": False,
        "retake": retake,
        "quality": measures.as_dict(),
        "quality_gate": predictor.info.quality_gate.as_dict() if predictor.info.quality_gate else None,
    }


def photograph_summary(predictor: Predictor, path: Path, image: np.ndarray, prediction: Prediction, measures: QualityMeasures,
                       retake: list[str]) -> tuple[dict, list[np.ndarray], list[str]]:
    """The summary of one predicted photograph (the module docstring's ``STEM.json`` without its
    ``maps`` entry), its lesion masks at the photograph's resolution and the lines the overlay
    shows: the verdict and the findings, or why the photograph is ungradable."""
    reading = read_prediction(prediction, predictor.info, gradable=not retake)
    masks, measured, findings, verdict = reading.masks, reading.measured, reading.findings, reading.verdict
    record = findings_record(findings, prediction, measured["lesions"]) if findings else None
    summary = {
        "image": str(path),
        "size": [int(image.shape[1]), int(image.shape[0])],
        "exif_orientation": exif_orientation(path),  # the photograph was turned upright by it; size and maps are upright
        "model": str(predictor.path),
        "runtime": predictor.info.format.runtime,
        "seconds_inference": round(prediction.seconds, 3),
        "notice": NOTICE,
        "gradable": not retake,
        **({"retake": retake} if retake else {}),
        "quality": measures.as_dict(),
        **({"dr_grade": verdict["dr_grade"], "dme_risk": verdict["dme_risk"], "referable_prob": verdict["referable_prob"],
            "refer": verdict["refer"], "verdict": verdict} if verdict else {}),
        **({"findings": record} if record else {}),
        **measured,
        "preprocessing": prediction.preprocessing.as_dict(),
        "geometry": prediction.geometry.as_dict(),
    }
    lines = [f"UNGRADABLE, retake: {', '.join(retake)}"] if retake else [*(verdict_lines(verdict) if verdict else ()), *(record["words"] if record else ())]
    return summary, masks, lines


def write_outputs(predictor: Predictor, path: Path, image: np.ndarray, prediction: Prediction | None, options: PredictOptions,
                  measures: QualityMeasures, retake: list[str]) -> dict:
    """Write the maps, the overlay and the summary of one photograph; returns the summary. The
    overlay is drawn on ``image``, which is not used again. A photograph the quality gate stops
    (``retake``) gets its summary only, or with ``options.force`` its maps and an overlay marked
    ungradable, never a verdict."""
    if prediction is None:
        summary = ungradable_summary(predictor, path, image, measures, retake)
        atomic_write_json(options.out / f"{path.stem}.json", summary)
        return summary
    summary, masks, lines = photograph_summary(predictor, path, image, prediction, measures, retake)
    summary["maps"] = {"resolution": "image" if options.full_maps else "model", "bits": options.map_bits} if options.maps else None
    out, stem = options.out, path.stem
    if options.maps:
        for index, lesion in enumerate(prediction.lesions):
            values = prediction.full_map(index) if options.full_maps else prediction.square_maps[index]
            atomic_write_bytes(out / f"{stem}_{lesion}.png", encode_png(quantize_probabilities(values, options.map_bits)))
    overlay = render_overlay(image, prediction.lesions, masks, lines, in_place=True, anatomy=summary.get("findings"))
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, OVERLAY_QUALITY])
    atomic_write_bytes(out / f"{stem}_overlay.jpg", jpeg.tobytes())
    atomic_write_json(out / f"{stem}.json", summary)
    return summary


def predict_paths(predictor: Predictor, paths: list[Path], options: PredictOptions, done: Callable[[dict], None] | None = None) -> list[dict]:
    """Predict every photograph in ``paths`` (checked beforehand), reading the next one and writing
    the last one while the network runs; ``done`` is called with each summary in order."""
    def run(path: Path, loaded: tuple[np.ndarray, FieldOfView]) -> tuple:
        image, field_of_view = loaded
        measures, retake = predictor.quality(image, field_of_view)
        prediction = predictor.predict(image, field_of_view) if options.force or not retake else None
        return path, image, prediction, measures, retake

    def write(ran: tuple) -> dict:
        path, image, prediction, measures, retake = ran
        return write_outputs(predictor, path, image, prediction, options, measures, retake)

    summaries: list[dict] = []
    for summary in pipelined(paths, read_photograph, run, write):
        summaries.append(summary)
        if done:
            done(summary)
    return summaries


def pipelined(items: Sequence[T], load: Callable[[T], L], run: Callable[[T, L], R], finish: Callable[[R], F]) -> Iterator[F]:
    """``finish(run(item, load(item)))`` for each item, in order: the next item loads and the last
    one finishes in threads while ``run`` works on this one (OpenCV and the runtimes release the
    GIL), so many photographs cost about the slowest stage each."""
    if not items:
        return
    with ThreadPoolExecutor(1) as loader, ThreadPoolExecutor(1) as finisher:
        loading: Future = loader.submit(load, items[0])
        finishing: Future | None = None
        for index, item in enumerate(items):
            loaded = loading.result()
            if index + 1 < len(items):
                loading = loader.submit(load, items[index + 1])
            ran = run(item, loaded)
            if finishing is not None:
                yield finishing.result()
            finishing = finisher.submit(finish, ran)
        yield finishing.result()
