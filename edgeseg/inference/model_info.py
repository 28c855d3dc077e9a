"""What a model file says about itself, read without running it (and without importing torch):
a PyTorch model file's card, an exported file's embedded metadata.

Where each format keeps the metadata (``edgeseg.export`` writes it):

- ``.safetensors``: the model card (JSON) under ``edgeseg.card`` in the header's ``__metadata__``;
- ONNX: ``metadata_props`` key ``edgeseg`` (JSON);
- TFLite: ``edgeseg_metadata.json`` in a zip archive appended to the flatbuffer (the interpreter
  ignores trailing bytes; Ultralytics embeds its metadata the same way);
- Core ML: ``user_defined_metadata["edgeseg"]`` (JSON).
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from edgeseg.data.quality import QualityGate
from edgeseg.errors import EdgesegError
from edgeseg.inference.formats import Format, format_of
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.model_file import read_card_header, resolve_model_file
from edgeseg.outputs import LESION_OUTPUT, output_names
from edgeseg.screening.grader import Grader

METADATA_KEY = "edgeseg"
TFLITE_MEMBER = "edgeseg_metadata.json"


@dataclass(frozen=True)
class ModelInfo:
    """A model file's description: format, architecture, lesion channels, input contract,
    thresholds, precision, layout, the PyTorch file it is or came from, its named outputs and
    the card or metadata it was read from."""

    path: Path
    format: Format
    model: str
    task: str
    lesions: tuple[str, ...]
    preprocessing: Preprocessing
    thresholds: dict[str, float]
    precision: str
    layout: str
    source: Path
    outputs: tuple[str, ...] = (LESION_OUTPUT,)
    card: dict = field(default_factory=dict, repr=False)

    @cached_property
    def quality_gate(self) -> QualityGate | None:
        """The image-quality gate the card or metadata carries (``quality_gate``), or None; read
        once per model (``predict`` asks for every photograph)."""
        bounds = self.card.get("quality_gate")
        return QualityGate.from_dict(bounds) if bounds else None

    @cached_property
    def grader(self) -> Grader | None:
        """The grader on the findings the card or metadata carries (``grader``), or None."""
        data = self.card.get("grader")
        return Grader.from_dict(data, str(self.path)) if data else None

    @property
    def stem(self) -> str:
        return self.path.parent.name if self.path.stem in ("best", "last") else self.path.stem


def read_metadata(path: str | Path) -> dict:
    """The edgeseg metadata of an exported ``.onnx``, ``.tflite`` or ``.mlpackage``."""
    path = Path(path)
    if not path.exists():
        raise EdgesegError(f"{path}: file not found")
    try:
        text = _metadata_text(path)
    except EdgesegError:
        raise
    except Exception as exc:  # a corrupt file: each library raises its own error types
        raise EdgesegError(f"{path}: cannot be read as a {path.suffix} model ({type(exc).__name__}: {str(exc)[:120]}); re-export it") from None
    if text is None:
        raise EdgesegError(f"{path}: carries no edgeseg metadata; was it exported by `edgeseg export`?")
    return json.loads(text)


def _metadata_text(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return _onnx_metadata_text(path)
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


def _onnx_metadata_text(path: Path) -> str | None:
    """With the ``onnx`` package when installed (export extra), else through ONNX Runtime."""
    import importlib.util

    if importlib.util.find_spec("onnx") is not None:
        import onnx

        model = onnx.load(str(path), load_external_data=False)
        return next((entry.value for entry in model.metadata_props if entry.key == METADATA_KEY), None)
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.get_modelmeta().custom_metadata_map.get(METADATA_KEY)


def info_from_card(path: Path, card: dict) -> ModelInfo:
    """The :class:`ModelInfo` of a PyTorch model file with ``card``."""
    lesions = tuple(card["lesions"])
    cuts = card.get("metrics", {}).get("thresholds", {})
    return ModelInfo(
        path, format_of(path), card["model"], card.get("task", "segmentation"), lesions,
        Preprocessing.from_dict(card["preprocessing"]), {lesion: float(cuts.get(lesion, 0.5)) for lesion in lesions},
        "fp32", "nchw", path, output_names(card.get("task", "segmentation")), card,
    )


def info_from_metadata(path: Path, metadata: dict) -> ModelInfo:
    """The :class:`ModelInfo` of an exported file with ``metadata``."""
    lesions = tuple(metadata["lesions"])
    outputs = tuple(item["name"] for item in metadata["outputs"]) if "outputs" in metadata else (metadata["output"]["name"],)
    source = Path(metadata["source"]["file"])
    if not source.is_absolute() and (path.parent / source).exists():  # shipped beside it (the embedded default's twin)
        source = path.parent / source
    return ModelInfo(
        path, format_of(path), metadata["model"], metadata.get("task", "segmentation"), lesions,
        Preprocessing.from_dict(metadata["preprocessing"]), {lesion: float(metadata["thresholds"][lesion]) for lesion in lesions},
        metadata["precision"], metadata["input"]["layout"], source, outputs, metadata,
    )


def read_info(path: str | Path) -> ModelInfo:
    """Describe any model file (or run folder) without loading its runtime."""
    path = resolve_model_file(path)
    model_format = format_of(path)
    if model_format.name == "pytorch":
        return info_from_card(path, read_card_header(path))
    return info_from_metadata(path, read_metadata(path))
