"""What `edgeseg bench` measures: PyTorch models (run folders, model files) and exported files.

A :class:`Subject` knows how to turn a preprocessed fundus square into lesion probabilities
(``maps``), which preprocessing it expects, and which PyTorch model it came from (``source``),
so that accuracy is compared on the same images with the same preprocessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.train.preprocessing import Preprocessing

EXPORT_SUFFIXES = (".onnx", ".tflite", ".mlpackage")


@dataclass
class Subject:
    label: str
    runtime: str  # "pytorch", "onnxruntime", "litert" or "coreml"
    path: Path
    precision: str
    source: Path  # the PyTorch model file it is (or came from)
    preprocessing: Preprocessing
    layout: str
    lesions: tuple[str, ...]
    model: str
    runnable: bool = True
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return self.preprocessing.size

    @property
    def file_mb(self) -> float:
        if self.path.is_dir():
            return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file()) / 1e6
        return self.path.stat().st_size / 1e6

    def open(self, threads: int | None = None):
        """A callable (S, S, 3) uint8 square -> (L, S, S) float32 probabilities."""
        if self.runtime == "pytorch":
            import torch

            from edgeseg.checkpoint import load_model
            from edgeseg.export.module import PixelsToProbabilities

            if threads:
                torch.set_num_threads(threads)
            module = PixelsToProbabilities(load_model(self.path)[0], self.preprocessing).eval()

            def run(square: np.ndarray) -> np.ndarray:
                with torch.no_grad():
                    pixels = torch.from_numpy(np.ascontiguousarray(square.transpose(2, 0, 1))).float()[None]
                    return module(pixels)[0].numpy()

            return run
        from edgeseg.export.runtime import open_runner, output_to_maps, square_to_input

        runner = open_runner(self.path, threads)
        return lambda square: output_to_maps(runner(square_to_input(square, self.layout)), self.layout)


RUNTIMES = {".onnx": "onnxruntime", ".tflite": "litert", ".mlpackage": "coreml"}


def pytorch_subject(path: str | Path) -> Subject:
    from edgeseg.checkpoint import read_card, resolve_model_path

    path = resolve_model_path(path)
    card = read_card(path)
    if card.get("task", "segmentation") != "segmentation":
        raise EdgesegError(f"{path}: a {card['task']} model; bench compares segmentation models")
    name = path.parent.name if path.stem in ("best", "last") else path.stem
    return Subject(f"{name} (PyTorch)", "pytorch", path, "fp32", path, Preprocessing.from_dict(card["preprocessing"]), "nchw",
                   tuple(card["lesions"]), card["model"], extra={"card": card})


def exported_subject(path: Path) -> Subject:
    import sys

    from edgeseg.export.metadata import metadata_preprocessing, read_metadata

    metadata = read_metadata(path)
    runtime = RUNTIMES[path.suffix]
    runnable = runtime != "coreml" or sys.platform == "darwin"
    return Subject(
        f"{path.name}", runtime, path, metadata["precision"], Path(metadata["source"]["file"]), metadata_preprocessing(metadata),
        metadata["input"]["layout"], tuple(metadata["lesions"]), metadata["model"], runnable,
        "" if runnable else "Core ML runs on macOS only", extra={"metadata": metadata},
    )


def collect_subjects(inputs: list[str | Path]) -> list[Subject]:
    """Subjects from run folders, model files, exported files and folders of exported files."""
    subjects: list[Subject] = []
    for item in map(Path, inputs):
        if not item.exists():
            raise EdgesegError(f"{item}: not found (give run folders, .safetensors, exported files or export folders)")
        if item.suffix in EXPORT_SUFFIXES:
            subjects.append(exported_subject(item))
        elif item.is_dir() and not (item / "best.safetensors").exists() and not (item / "last.safetensors").exists():
            exported = sorted(p for p in item.iterdir() if p.suffix in EXPORT_SUFFIXES)
            if not exported:
                raise EdgesegError(f"{item}: holds no run (best.safetensors) and no exported file (.onnx, .tflite, .mlpackage)")
            subjects += [exported_subject(p) for p in exported]
        else:
            subjects.append(pytorch_subject(item))
    sources = {s.source.resolve() for s in subjects if s.runtime != "pytorch"}
    present = {s.path.resolve() for s in subjects if s.runtime == "pytorch"}
    for source in sorted(sources - present):  # the PyTorch model each export came from is always measured
        if source.exists():
            subjects.insert(0, pytorch_subject(source))
    return subjects
