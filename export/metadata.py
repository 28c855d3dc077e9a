"""One metadata dictionary, embedded where each format keeps metadata, and read back from any file.

- ONNX: ``metadata_props`` key ``edgeseg`` (JSON);
- TFLite: ``edgeseg_metadata.json`` in a zip archive appended to the flatbuffer (the interpreter
  ignores trailing bytes; Ultralytics embeds its metadata the same way);
- Core ML: ``user_defined_metadata["edgeseg"]`` (JSON), plus the author, licence, version and
  description fields.

It holds everything an app needs to feed the model and read its output: lesion names in channel
order, input size, layout, colour order and value range, the preprocessing (field-of-view crop,
padding, CLAHE, mean/std applied inside the graph), suggested thresholds, precision, the source
model and its test AUPR, the licence, the data credit and the research-use notice.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from edgeseg.checkpoint import NOTICE
from edgeseg.errors import EdgesegError
from edgeseg.lesions import LESION_NAMES
from edgeseg.train.preprocessing import Preprocessing

from .module import INPUT_NAME, OUTPUT_NAME

METADATA_KEY = "edgeseg"
TFLITE_MEMBER = "edgeseg_metadata.json"
FORMAT = "edgeseg-export-v1"
LICENCE = "edgeseg code and weights: Apache-2.0; training data under its own licence (see data_credit)"


def build_metadata(card: dict, source: str, target: str, precision: str, layout: str, size: int) -> dict[str, Any]:
    """The metadata of one exported file, from the source model's card."""
    from edgeseg import __version__

    lesions = list(card["lesions"])
    preprocessing = Preprocessing.from_dict({**card["preprocessing"], "size": size})
    shape = [1, size, size, 3] if layout == "nhwc" else [1, 3, size, size]
    out_shape = [1, size, size, len(lesions)] if layout == "nhwc" else [1, len(lesions), size, size]
    metrics = card.get("metrics", {})
    return {
        "format": FORMAT,
        "edgeseg_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "target": target,
        "precision": precision,
        "model": card["model"],
        "model_options": card.get("model_options", {}),
        "lesions": lesions,
        "lesion_names": {lesion: LESION_NAMES[lesion] for lesion in lesions},
        "input": {"name": INPUT_NAME, "shape": shape, "layout": layout, "dtype": "float32", "colour_order": "RGB",
                  "value_range": [0, 255]},
        "output": {"name": OUTPUT_NAME, "shape": out_shape, "layout": layout, "dtype": "float32",
                   "meaning": "sigmoid probability per lesion channel"},
        "preprocessing": {
            "steps": ["field_of_view_crop", "pad_to_centred_square", "resize_area", *(["clahe_lab_l"] if preprocessing.clahe else [])],
            "size": size,
            "fov_crop": preprocessing.fov_crop,
            "pad_square": preprocessing.pad_square,
            "clahe": {"enabled": preprocessing.clahe, "clip_limit": 2.0, "tile_grid": 8, "channel": "L of CIE Lab (OpenCV)"},
            "mean": list(preprocessing.mean),
            "std": list(preprocessing.std),
            "normalisation_in_model": True,
            "note": "feed RGB 0-255 after the steps above; (x / 255 - mean) / std happens inside the model",
        },
        "thresholds": {lesion: float(metrics.get("thresholds", {}).get(lesion, 0.5)) for lesion in lesions},
        "source": {
            "file": source,
            "recipe": card.get("recipe"),
            "epoch": card.get("position", {}).get("epoch"),
            "validation_aupr": card.get("validation_aupr") or {k: metrics[k] for k in lesions if k in metrics},
            "test_aupr": card.get("test_aupr"),
        },
        "licence": LICENCE,
        "data_credit": card.get("data", {}).get("credit", ""),
        "notice": NOTICE,
    }


def metadata_preprocessing(metadata: dict) -> Preprocessing:
    """The :class:`Preprocessing` an exported file expects, from its metadata."""
    spec = metadata["preprocessing"]
    return Preprocessing(int(spec["size"]), bool(spec["clahe"]["enabled"]), tuple(spec["mean"]), tuple(spec["std"]),
                         bool(spec["fov_crop"]), bool(spec["pad_square"]))


def embed_onnx(path: Path, metadata: dict) -> None:
    import onnx

    model = onnx.load(str(path))
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(metadata)
    model.producer_name, model.producer_version = "edgeseg", metadata["edgeseg_version"]
    onnx.save(model, str(path))


def embed_tflite(path: Path, metadata: dict) -> None:
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(TFLITE_MEMBER, json.dumps(metadata, indent=1))


def embed_coreml(model: Any, metadata: dict) -> None:
    """Set the metadata on a ``coremltools.models.MLModel`` before it is saved."""
    model.author = "edgeseg"
    model.license = metadata["licence"]
    model.version = metadata["edgeseg_version"]
    model.short_description = (
        f"{metadata['model']} lesion segmentation ({', '.join(metadata['lesions'])}), {metadata['precision']}. {metadata['notice']}"
    )
    model.user_defined_metadata[METADATA_KEY] = json.dumps(metadata)


def read_metadata(path: str | Path) -> dict:
    """The edgeseg metadata of an exported ``.onnx``, ``.tflite`` or ``.mlpackage``."""
    path = Path(path)
    if not path.exists():
        raise EdgesegError(f"{path}: file not found")
    try:
        text = _read_metadata_text(path)
    except EdgesegError:
        raise
    except Exception as exc:  # a corrupt file: each library raises its own error types
        raise EdgesegError(f"{path}: cannot be read as a {path.suffix} model ({type(exc).__name__}: {str(exc)[:120]}); re-export it") from None
    if text is None:
        raise EdgesegError(f"{path}: carries no edgeseg metadata; was it exported by `edgeseg export`?")
    return json.loads(text)


def _read_metadata_text(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        import onnx

        model = onnx.load(str(path), load_external_data=False)
        return next((entry.value for entry in model.metadata_props if entry.key == METADATA_KEY), None)
    if suffix == ".tflite":
        data = path.read_bytes()
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return None
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read(TFLITE_MEMBER).decode() if TFLITE_MEMBER in archive.namelist() else None
    if suffix == ".mlpackage":
        import coremltools as ct

        model = ct.models.MLModel(str(path), skip_model_load=True)
        return model.user_defined_metadata.get(METADATA_KEY)
    raise EdgesegError(f"{path}: not an exported model (.onnx, .tflite or .mlpackage)")
