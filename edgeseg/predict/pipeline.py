"""`edgeseg predict` over many photographs: decoding the next photograph, running the network and
writing the previous results overlap (OpenCV and the runtimes release the GIL), so a folder costs
about its slowest stage per photograph.

Per photograph ``STEM`` (see :mod:`edgeseg.inference.maps` for the map files):

- ``STEM_<LESION>.png``: the probability map, at the model's resolution (default) or the
  photograph's (``full_maps``), 16-bit unless ``map_bits=8``;
- ``STEM_overlay.jpg``: the photograph with the lesions tinted, the legend and the notice;
- ``STEM.json``: the summary (:mod:`edgeseg.predict.summary`), the model, the preprocessing and
  geometry that bring the maps back onto the photograph, and for a model that grades the verdict:
  ``dr_grade`` and ``dme_risk`` (integers), ``referable_prob`` (:mod:`edgeseg.predict.verdict`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgeseg import NOTICE
from edgeseg.fileio import atomic_write_bytes, atomic_write_json
from edgeseg.inference.maps import encode_png, quantize_probabilities
from edgeseg.predict.inputs import read_photograph
from edgeseg.predict.overlay import render_overlay
from edgeseg.predict.predictor import Prediction, Predictor
from edgeseg.predict.summary import lesion_masks, summarise
from edgeseg.predict.verdict import screening_verdict, verdict_lines

OVERLAY_QUALITY = 90


@dataclass(frozen=True)
class PredictOptions:
    """Where and what `predict` writes."""

    out: Path
    maps: bool = True
    full_maps: bool = False
    map_bits: int = 16


def write_outputs(predictor: Predictor, path: Path, image: np.ndarray, prediction: Prediction, options: PredictOptions) -> dict:
    """Write the maps, the overlay and the summary of one photograph; returns the summary. The
    overlay is drawn on ``image``, which is not used again."""
    masks, maxima = lesion_masks(prediction, predictor.thresholds)
    verdict = screening_verdict(prediction.outputs, predictor.info)
    summary = {
        "image": str(path),
        "size": [int(image.shape[1]), int(image.shape[0])],
        "model": str(predictor.path),
        "runtime": predictor.info.format.runtime,
        "seconds_inference": round(prediction.seconds, 3),
        "notice": NOTICE,
        **({"dr_grade": verdict["dr_grade"], "dme_risk": verdict["dme_risk"], "referable_prob": verdict["referable_prob"],
            "verdict": verdict} if verdict else {}),
        **summarise(prediction, predictor.thresholds, masks, maxima),
        "maps": {"resolution": "image" if options.full_maps else "model", "bits": options.map_bits} if options.maps else None,
        "preprocessing": prediction.preprocessing.as_dict(),
        "geometry": prediction.geometry.as_dict(),
    }
    out, stem = options.out, path.stem
    if options.maps:
        for index, lesion in enumerate(prediction.lesions):
            values = prediction.full_map(index) if options.full_maps else prediction.square_maps[index]
            atomic_write_bytes(out / f"{stem}_{lesion}.png", encode_png(quantize_probabilities(values, options.map_bits)))
    overlay = render_overlay(image, prediction.lesions, masks, verdict_lines(verdict) if verdict else (), in_place=True)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(overlay, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, OVERLAY_QUALITY])
    atomic_write_bytes(out / f"{stem}_overlay.jpg", jpeg.tobytes())
    atomic_write_json(out / f"{stem}.json", summary)
    return summary


def predict_paths(predictor: Predictor, paths: list[Path], options: PredictOptions, done: Callable[[dict], None] | None = None) -> list[dict]:
    """Predict every photograph in ``paths`` (checked beforehand), reading the next one and writing
    the last one while the network runs; ``done`` is called with each summary in order."""
    summaries: list[dict] = []
    with ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writer:
        loading: Future = reader.submit(read_photograph, paths[0]) if paths else None
        writing: Future | None = None
        for index, path in enumerate(paths):
            image, field_of_view = loading.result()
            if index + 1 < len(paths):
                loading = reader.submit(read_photograph, paths[index + 1])
            prediction = predictor.predict(image, field_of_view)
            if writing is not None:
                summaries.append(writing.result())
                if done:
                    done(summaries[-1])
            writing = writer.submit(write_outputs, predictor, path, image, prediction, options)
        if writing is not None:
            summaries.append(writing.result())
            if done:
                done(summaries[-1])
    return summaries
