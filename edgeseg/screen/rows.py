"""One photograph's row of the screening table: where it came from (path, content hash, size),
whether it could be read (``error``: the one-line message `edgeseg predict` would give), its
image-quality measures and gate, its verdict and findings, per lesion the summary `edgeseg
predict` writes (area share of the field of view, components, largest probability), the model
and the seconds spent. A photograph that cannot be screened is a row with its error, never a
stopped run."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeseg import __version__
from edgeseg.inference.fov import FieldOfView
from edgeseg.data.quality import MEASURES, QualityMeasures
from edgeseg.errors import EdgesegError
from edgeseg.predict.inputs import read_photograph
from edgeseg.predict.options import PredictOptions
from edgeseg.predict.pipeline import photograph_summary, write_outputs
from edgeseg.predict.predictor import Prediction, Predictor
from edgeseg.screen.sources import Photograph


def base_columns(lesions: tuple[str, ...]) -> dict[str, str]:
    """Every row's columns and their Arrow types (``string``, ``int64``, ``float64``, ``bool``), in order."""
    columns = {"path": "string", "sha256": "string", "width": "int64", "height": "int64", "error": "string",
               "gradable": "bool", "retake": "string"}
    columns |= {f"quality_{name}": "float64" for name in MEASURES}
    columns |= {"dr_grade": "int64", "dme_risk": "int64", "referable_prob": "float64", "refer": "bool", "findings": "string",
                "exudate_distance_dd": "float64"}
    for lesion in lesions:
        columns |= {f"{lesion}_area_share": "float64", f"{lesion}_components": "int64", f"{lesion}_max_probability": "float64"}
    columns |= {"model": "string", "edgeseg_version": "string", "seconds_read": "float64", "seconds_model": "float64",
                "seconds_total": "float64"}
    return columns


def file_bytes(path: Path) -> bytes | None:
    """A file's bytes; None when it cannot be read (the decoder then names the problem)."""
    try:
        return Path(path).read_bytes()
    except OSError:
        return None


def content_hash(data: bytes | None) -> str | None:
    """The SHA-256 of a file's bytes (also of an empty or corrupt file); None for a file not read."""
    return hashlib.sha256(data).hexdigest() if data is not None else None


@dataclass
class Loaded:
    """A photograph read for screening, or the row of one that could not be read."""

    photograph: Photograph
    row: dict
    image: np.ndarray | None = None
    field_of_view: FieldOfView | None = None
    started: float = 0.0


def load(photograph: Photograph) -> Loaded:
    """Hash and decode one photograph (upright, its field of view found); a file that cannot be
    read, is truncated or is not a fundus photograph gets its error in the row."""
    started = time.perf_counter()
    row = {"path": str(photograph.path), **photograph.carried}
    data = file_bytes(photograph.path)  # read once: hashed, then decoded
    row["sha256"] = content_hash(data)  # a bad file's row is found again by it
    try:
        image, field_of_view = read_photograph(Path(photograph.path), data)
    except EdgesegError as exc:
        return Loaded(photograph, {**row, "error": str(exc)}, started=started)
    except Exception as exc:  # a decoder's own error: still a row, never a stopped run
        return Loaded(photograph, {**row, "error": f"{photograph.path}: not a readable image ({type(exc).__name__})"}, started=started)
    row |= {"width": int(image.shape[1]), "height": int(image.shape[0]), "seconds_read": time.perf_counter() - started}
    return Loaded(photograph, row, image, field_of_view, started)


@dataclass
class Predicted:
    """A loaded photograph after the quality gate and the network (``prediction`` None: stopped or failed)."""

    loaded: Loaded
    row: dict
    prediction: Prediction | None = None
    measures: QualityMeasures | None = None


def predict(predictor: Predictor, loaded: Loaded) -> Predicted:
    """The quality gate, then the network unless the gate stops the photograph."""
    row = {**loaded.row, "model": predictor.path.name, "edgeseg_version": __version__}
    if loaded.image is None:
        return Predicted(loaded, row)
    try:
        measures, retake = predictor.quality(loaded.image, loaded.field_of_view)
        row |= {f"quality_{name}": float(value) for name, value in measures.as_dict().items()}
        row |= {"gradable": not retake, "retake": ", ".join(retake) if retake else None}
        if retake:
            return Predicted(loaded, row)
        prediction = predictor.predict(loaded.image, loaded.field_of_view)
        row["seconds_model"] = prediction.seconds
        return Predicted(loaded, row, prediction, measures)
    except EdgesegError as exc:
        return Predicted(loaded, {**row, "error": str(exc)})


def finish(predictor: Predictor, predicted: Predicted, outputs: PredictOptions | None = None) -> dict:
    """The row: the summary, the verdict and the findings of a predicted photograph; with
    ``outputs``, its maps, overlay and summary also written there as `edgeseg predict` writes them."""
    row = predicted.row
    if predicted.prediction is not None:
        loaded = predicted.loaded
        try:
            if outputs is None:
                summary, _, _ = photograph_summary(predictor, loaded.photograph.path, loaded.image, predicted.prediction,
                                                   predicted.measures, [])
            else:
                summary = write_outputs(predictor, loaded.photograph.path, loaded.image, predicted.prediction, outputs,
                                        predicted.measures, [])
            row |= summary_columns(summary)
        except EdgesegError as exc:
            row["error"] = str(exc)
    row["seconds_total"] = time.perf_counter() - predicted.loaded.started
    return row


def summary_columns(summary: dict) -> dict:
    """The table's columns of a `predict` summary (``STEM.json``)."""
    columns = {}
    verdict = summary.get("verdict")
    if verdict:
        columns |= {"dr_grade": verdict["dr_grade"], "dme_risk": verdict["dme_risk"], "referable_prob": verdict["referable_prob"],
                    "refer": bool(verdict["refer"])}
    findings = summary.get("findings")
    if findings:
        columns |= {"findings": "; ".join(findings["words"]), "exudate_distance_dd": findings["exudate_distance_dd"]}
    for lesion, entry in summary["lesions"].items():
        columns |= {f"{lesion}_area_share": entry["area_share_of_fov"], f"{lesion}_components": entry["components"],
                    f"{lesion}_max_probability": entry["max_probability"]}
    return columns
