"""The embedded default model shipped inside the package (``edgeseg/weights/``): the U²-XS-Net MT
student as a PyTorch model file and as its verified fp32 ONNX export (same weights, the model
card in its metadata). Without ``--model``, inference runs the ONNX file when ONNX Runtime is
installed, since it is the fastest runtime of the student on a CPU at fp32 (``docs/results.md``,
"One inference path"), and the PyTorch file otherwise."""

from __future__ import annotations

import importlib.util
from importlib import resources
from pathlib import Path

from edgeseg.errors import EdgesegError

DEFAULT_STEM = "u2xs_mt"


def default_model_path(suffix: str = ".safetensors") -> Path:
    """The embedded default model file with ``suffix`` (``.safetensors`` or ``.onnx``)."""
    path = Path(str(resources.files("edgeseg") / "weights" / f"{DEFAULT_STEM}{suffix}"))
    if not path.is_file():
        raise EdgesegError(f"the embedded default model is missing ({path}); reinstall edgeseg or pass --model")
    return path


def default_inference_model() -> Path:
    """The embedded model file to run: ONNX with ONNX Runtime installed, else PyTorch."""
    if importlib.util.find_spec("onnxruntime") is not None:
        return default_model_path(".onnx")
    return default_model_path(".safetensors")
