"""Run an exported file: one small runner per format, the same call for all.

``open_runner(path)(batch)`` takes a (1, ...) float32 input in the file's layout and returns its
``lesion_probs`` output. Used by verification and by the benchmarks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from edgeseg.errors import EdgesegError

from .module import INPUT_NAME, OUTPUT_NAME


class OnnxRunner:
    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: batch})[0]


class TfliteRunner:
    def __init__(self, path: Path, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_path=str(path), num_threads=threads)
        self.runner = self.interpreter.get_signature_runner()

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.runner(**{INPUT_NAME: batch})[OUTPUT_NAME]


class CoremlRunner:
    def __init__(self, path: Path, threads: int | None = None) -> None:
        if sys.platform != "darwin":
            raise EdgesegError(f"{path}: Core ML models run only on macOS; on this machine the exporter checks the spec")
        import coremltools as ct

        self.model = ct.models.MLModel(str(path))

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.predict({INPUT_NAME: batch})[OUTPUT_NAME])


RUNNERS = {".onnx": OnnxRunner, ".tflite": TfliteRunner, ".mlpackage": CoremlRunner}


def open_runner(path: str | Path, threads: int | None = None):
    """A runner for an exported ``.onnx``, ``.tflite`` or ``.mlpackage``."""
    path = Path(path)
    if path.suffix not in RUNNERS:
        raise EdgesegError(f"{path}: not an exported model (.onnx, .tflite or .mlpackage)")
    try:
        return RUNNERS[path.suffix](path, threads)
    except EdgesegError:
        raise
    except Exception as exc:  # each runtime raises its own error types on a corrupt file
        raise EdgesegError(f"{path}: cannot be loaded ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}); re-export it") from None


def square_to_input(square: np.ndarray, layout: str) -> np.ndarray:
    """A preprocessed (S, S, 3) uint8 square as the (1, ...) float32 model input in ``layout``."""
    pixels = square.astype(np.float32)[None]
    return np.ascontiguousarray(pixels if layout == "nhwc" else pixels.transpose(0, 3, 1, 2))


def output_to_maps(output: np.ndarray, layout: str) -> np.ndarray:
    """A (1, ...) output in ``layout`` as (L, S, S) float32 probability maps."""
    maps = np.asarray(output, np.float32)[0]
    return maps.transpose(2, 0, 1) if layout == "nhwc" else maps
