"""One runner interface for every model format (after Ultralytics' ``AutoBackend``): predict,
bench, export verification and distillation never care which format they hold.

``open_runner(path)`` opens a PyTorch model file (or run folder), an ONNX, TFLite or Core ML file
with the runner its format names (:data:`edgeseg.inference.formats.FORMATS`; every runner takes the
same arguments) and returns a :class:`Runner`: ``runner(square)`` takes the model's preprocessed square (S, S, 3)
``uint8`` (:meth:`edgeseg.inference.preprocessing.Preprocessing.prepare`) and returns the named
outputs, ``"lesion_probs"`` as (L, S, S) float32 probability maps and any further output (a
grading head's class probabilities) as a 1-D array. Normalisation happens in one place, inside
the network (:class:`edgeseg.inference.torch_module.PixelsToProbabilities`, which every exported
file also carries). ``runner.run_batch(batch)`` is the raw call in the file's own layout, for
golden vectors. Only the PyTorch runner imports torch.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import replace
from pathlib import Path

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.inference.formats import Format
from edgeseg.inference.model_info import LESION_OUTPUT, ModelInfo, read_info
from edgeseg.model_file import resolve_model_file

Outputs = dict[str, np.ndarray]


def square_to_input(square: np.ndarray, layout: str) -> np.ndarray:
    """A preprocessed (S, S, 3) uint8 square as the (1, ...) float32 model input in ``layout``."""
    pixels = square.astype(np.float32)[None]
    return np.ascontiguousarray(pixels if layout == "nhwc" else pixels.transpose(0, 3, 1, 2))


def output_to_maps(output: np.ndarray, layout: str) -> np.ndarray:
    """A (1, ...) lesion output in ``layout`` as (L, S, S) float32 probability maps."""
    maps = np.asarray(output, np.float32)[0]
    return maps.transpose(2, 0, 1) if layout == "nhwc" else maps


class Runner(ABC):
    """A model ready to run; subclasses implement :meth:`run_batch` for their runtime and take
    ``(info, threads=None, device="cpu", lean=False)``; a runtime ignores what it cannot use."""

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    @abstractmethod
    def run_batch(self, batch: np.ndarray) -> Outputs:
        """Raw outputs by name for a (1, ...) float32 input in the model's layout."""

    def __call__(self, square: np.ndarray) -> Outputs:
        raw = self.run_batch(square_to_input(square, self.info.layout))
        return {name: output_to_maps(value, self.info.layout) if name == LESION_OUTPUT else np.asarray(value, np.float32)[0]
                for name, value in raw.items()}

    def lesion_maps(self, square: np.ndarray) -> np.ndarray:
        """(L, S, S) lesion probabilities of one square."""
        return self(square)[LESION_OUTPUT]


class TorchRunner(Runner):
    """A PyTorch model file, or a module already in memory (:meth:`from_module`)."""

    def __init__(self, info: ModelInfo, threads: int | None = None, device: str = "cpu", lean: bool = False, module=None) -> None:
        import torch

        from edgeseg.inference.torch_module import PixelsToProbabilities

        super().__init__(info)
        if threads:
            torch.set_num_threads(threads)
        if module is None:
            from edgeseg.checkpoint import load_model

            model, _ = load_model(info.path, device)
            module = PixelsToProbabilities(model, info.preprocessing)
        self.device = torch.device(device)
        self.module = module.to(self.device).eval()

    @classmethod
    def from_module(cls, module, info: ModelInfo) -> "TorchRunner":
        """A runner around a pixels-in module (:class:`PixelsToProbabilities`) described by ``info``."""
        return cls(info, module=module)

    def run_batch(self, batch: np.ndarray) -> Outputs:
        import torch

        with torch.no_grad():
            output = self.module(torch.from_numpy(batch).to(self.device))
        if isinstance(output, dict):
            return {name: value.float().cpu().numpy() for name, value in output.items()}
        return {LESION_OUTPUT: output.float().cpu().numpy()}


class OnnxRunner(Runner):
    """ONNX Runtime on the CPU. ``lean`` trades a little speed for memory: ORT's default plans
    one block for all activations and keeps it (about 540 MB above the model for the student at
    512 px on this machine); without that plan the peak is about 300 MB lower."""

    def __init__(self, info: ModelInfo, threads: int | None = None, device: str = "cpu", lean: bool = False) -> None:
        import onnxruntime as ort

        super().__init__(info)
        options = ort.SessionOptions()
        if lean:
            options.enable_mem_pattern = False
            options.enable_cpu_mem_arena = False
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(info.path), options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.output_names = [output.name for output in self.session.get_outputs()]

    def run_batch(self, batch: np.ndarray) -> Outputs:
        return dict(zip(self.output_names, self.session.run(self.output_names, {self.input_name: batch})))


class LiteRTRunner(Runner):
    def __init__(self, info: ModelInfo, threads: int | None = None, device: str = "cpu", lean: bool = False) -> None:
        from ai_edge_litert.interpreter import Interpreter

        super().__init__(info)
        self.interpreter = Interpreter(model_path=str(info.path), num_threads=threads)
        self.signature = self.interpreter.get_signature_runner()
        self.input_name = next(iter(self.interpreter.get_signature_list().values()))["inputs"][0]

    def run_batch(self, batch: np.ndarray) -> Outputs:
        return dict(self.signature(**{self.input_name: batch}))


class CoreMLRunner(Runner):
    def __init__(self, info: ModelInfo, threads: int | None = None, device: str = "cpu", lean: bool = False) -> None:
        import sys

        if sys.platform != "darwin":
            raise EdgesegError(f"{info.path}: Core ML models run only on macOS; on this machine the exporter checks the spec")
        import coremltools as ct

        super().__init__(info)
        self.model = ct.models.MLModel(str(info.path))
        self.input_name = self.model.get_spec().description.input[0].name

    def run_batch(self, batch: np.ndarray) -> Outputs:
        return {name: np.asarray(value) for name, value in self.model.predict({self.input_name: batch}).items()}


def runner_class(format_: Format) -> type[Runner]:
    """The :class:`Runner` subclass that the format's record names."""
    found = globals().get(format_.runner)
    if not (isinstance(found, type) and issubclass(found, Runner)):
        raise EdgesegError(f"format {format_.name}: no runner {format_.runner!r} in edgeseg.inference.runners")
    return found


def open_runner(path: str | Path, threads: int | None = None, device: str = "cpu", lean: bool = False, size: int | None = None) -> Runner:
    """A runner for a model file or run folder of any format (:data:`edgeseg.inference.formats.FORMATS`);
    ``lean`` asks the runtime to favour memory over speed where it can (ONNX Runtime); ``size``
    runs a PyTorch model at another square size (an exported file has its own)."""
    path = resolve_model_file(path)
    info = read_info(path)
    if size is not None and size != info.preprocessing.size:
        if info.format.name != "pytorch":
            raise EdgesegError(f"{path}: an exported file runs at its own size ({info.preprocessing.size}); "
                               f"export the model at {size} (edgeseg export --size {size})")
        info = replace(info, preprocessing=info.preprocessing.with_size(size))
    info.format.require("run")
    try:
        return runner_class(info.format)(info, threads=threads, device=device, lean=lean)
    except EdgesegError:
        raise
    except Exception as exc:  # each runtime raises its own error types on a corrupt file
        raise EdgesegError(f"{path}: cannot be loaded ({type(exc).__name__}: {str(exc).splitlines()[0][:160]}); re-export it") from None

