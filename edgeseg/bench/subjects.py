"""What `edgeseg bench` measures: PyTorch models (run folders, model files) and exported files,
each described by its :class:`edgeseg.inference.model_info.ModelInfo` and run through the one
runner interface (:func:`edgeseg.inference.runners.open_runner`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.errors import EdgesegError
from edgeseg.inference.formats import is_model_file
from edgeseg.inference.model_info import LESION_OUTPUT, ModelInfo, read_info
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.runners import Runner, open_runner


@dataclass
class Subject:
    """One thing to measure: its model file's description, a label, and whether it runs here."""

    info: ModelInfo
    label: str
    runnable: bool = True
    note: str = ""

    @property
    def runtime(self) -> str:
        return self.info.format.runtime

    @property
    def path(self) -> Path:
        return self.info.path

    @property
    def source(self) -> Path:
        return self.info.source

    @property
    def precision(self) -> str:
        return self.info.precision

    @property
    def lesions(self) -> tuple[str, ...]:
        return self.info.lesions

    @property
    def model(self) -> str:
        return self.info.model

    @property
    def preprocessing(self) -> Preprocessing:
        return self.info.preprocessing

    @property
    def size(self) -> int:
        return self.preprocessing.size

    @property
    def file_mb(self) -> float:
        if self.path.is_dir():
            return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file()) / 1e6
        return self.path.stat().st_size / 1e6

    def open(self, threads: int | None = None) -> Runner:
        return open_runner(self.path, threads)


def subject(path: str | Path) -> Subject:
    """The subject of a model file or run folder of any format."""
    info = read_info(path)
    if LESION_OUTPUT not in info.outputs:
        raise EdgesegError(f"{info.path}: a {info.task} model without lesion maps; bench compares segmentation models")
    if info.format.name == "pytorch":
        return Subject(info, f"{info.stem} (PyTorch)")
    runnable = info.format.runs_here
    return Subject(info, info.path.name, runnable, "" if runnable else "Core ML runs on macOS only")


def collect_subjects(inputs: list[str | Path]) -> list[Subject]:
    """Subjects from run folders, model files, exported files and folders of exported files; the
    PyTorch model each exported file came from is always measured beside it."""
    subjects: list[Subject] = []
    for item in map(Path, inputs):
        if not item.exists():
            raise EdgesegError(f"{item}: not found (give run folders, .safetensors, exported files or export folders)")
        is_run = (item / "best.safetensors").exists() or (item / "last.safetensors").exists()
        if item.is_dir() and item.suffix != ".mlpackage" and not is_run:
            exported = sorted(p for p in item.iterdir() if is_model_file(p) and p.suffix != ".safetensors")
            if not exported:
                raise EdgesegError(f"{item}: holds no run (best.safetensors) and no exported file (.onnx, .tflite, .mlpackage)")
            subjects += [subject(p) for p in exported]
        else:
            subjects.append(subject(item))
    sources = {s.source.resolve() for s in subjects if s.runtime != "pytorch"}
    present = {s.path.resolve() for s in subjects if s.runtime == "pytorch"}
    for source in sorted(sources - present):
        if source.exists():
            subjects.insert(0, subject(source))
    return subjects
