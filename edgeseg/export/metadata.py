"""One metadata dictionary, embedded where each format keeps metadata (read back by
:func:`edgeseg.inference.model_info.read_metadata`).

- ONNX: ``metadata_props`` key ``edgeseg`` (JSON);
- TFLite: ``edgeseg_metadata.json`` in a zip archive appended to the flatbuffer (the interpreter
  ignores trailing bytes; Ultralytics embeds its metadata the same way);
- Core ML: ``user_defined_metadata["edgeseg"]`` (JSON), plus the author, licence, version and
  description fields.

It holds everything an app needs to feed the model and read its output: lesion names in channel
order, input size, layout, colour order and value range, the preprocessing (the model's input
contract, :meth:`edgeseg.inference.preprocessing.Preprocessing.as_dict`, the same record as the
model card's), the named outputs, suggested thresholds, precision, the source model and its test
AUPR, how the file was verified and calibrated, the licence, the data credit and the notice.
"""

from __future__ import annotations

import datetime
import json
import zipfile
from pathlib import Path
from typing import Any

from edgeseg import NOTICE
from edgeseg.inference.model_info import METADATA_KEY, TFLITE_MEMBER
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.lesions import LESION_NAMES
from edgeseg.outputs import DME_CLASSES, DME_OUTPUT, DR_CLASSES, DR_OUTPUT, LESION_OUTPUT, REFERABLE_DEFINITION, REFERABLE_OUTPUT

from .module import INPUT_NAME

FORMAT = "edgeseg-export-v1"
LICENCE = "edgeseg code and weights: Apache-2.0; the training data under its own licence, named in the data credit"


def build_metadata(card: dict, source: str, target: str, precision: str, layout: str) -> dict[str, Any]:
    """The metadata of one exported file, from the source model's card (its input size included)."""
    from edgeseg import __version__

    lesions = list(card["lesions"])
    preprocessing = Preprocessing.from_dict(card["preprocessing"])
    size = preprocessing.size
    shape = [1, size, size, 3] if layout == "nhwc" else [1, 3, size, size]
    out_shape = [1, size, size, len(lesions)] if layout == "nhwc" else [1, len(lesions), size, size]
    lesion_output = {"name": LESION_OUTPUT, "shape": out_shape, "layout": layout, "dtype": "float32",
                     "meaning": "sigmoid probability per lesion channel", "classes": lesions}
    outputs = [lesion_output] + (grading_outputs() if card.get("task") == "screening" else [])
    metrics = card.get("metrics", {})
    return {
        "format": FORMAT,
        "edgeseg_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "target": target,
        "precision": precision,
        "model": card["model"],
        "model_options": card.get("model_options", {}),
        "task": card.get("task", "segmentation"),
        "lesions": lesions,
        "lesion_names": {lesion: LESION_NAMES[lesion] for lesion in lesions},
        "input": {"name": INPUT_NAME, "shape": shape, "layout": layout, "dtype": "float32", "colour_order": "RGB",
                  "value_range": [0, 255], "normalisation_in_model": True,
                  "note": "feed RGB 0-255 after the preprocessing steps; (x / 255 - mean) / std happens inside the model"},
        "output": lesion_output,
        "outputs": outputs,
        **({"grading": grading_metadata(card)} if card.get("task") == "screening" else {}),
        "preprocessing": preprocessing.as_dict(),
        "thresholds": {lesion: float(metrics.get("thresholds", {}).get(lesion, 0.5)) for lesion in lesions},
        **({"quality_gate": card["quality_gate"]} if card.get("quality_gate") else {}),
        **({"grader": card["grader"]} if card.get("grader") else {}),
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


def grading_outputs() -> list[dict[str, Any]]:
    """The grading outputs of a screening model, with their classes (IDRiD grading protocol)."""
    return [
        {"name": DR_OUTPUT, "shape": [1, len(DR_CLASSES)], "dtype": "float32", "meaning": "softmax probability per DR grade",
         "classes": [f"{grade}: {name}" for grade, name in enumerate(DR_CLASSES)]},
        {"name": DME_OUTPUT, "shape": [1, len(DME_CLASSES)], "dtype": "float32", "meaning": "softmax probability per DME risk",
         "classes": [f"{grade}: {name}" for grade, name in enumerate(DME_CLASSES)]},
        {"name": REFERABLE_OUTPUT, "shape": [1, 1], "dtype": "float32",
         "meaning": "probability that the photograph is referable: DR grade 2 or higher, or DME risk 2"},
    ]


def grading_metadata(card: dict) -> dict[str, Any]:
    """How to read the grades: the referral threshold chosen on validation and the scores."""
    grading = card.get("grading", {})
    return {"referable_threshold": float(grading.get("referable_threshold", 0.5)),
            "referable_definition": REFERABLE_DEFINITION,
            "validation": grading.get("validation", {}), "test": grading.get("test", {})}


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
