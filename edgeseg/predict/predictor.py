"""A model ready to predict photographs, in any format (:func:`edgeseg.inference.open_runner`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edgeseg.data.quality import QualityMeasures, measure_quality
from edgeseg.embedded import default_inference_model
from edgeseg.errors import EdgesegError
from edgeseg.inference.fov import FieldOfView
from edgeseg.inference.model_info import LESION_OUTPUT
from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry
from edgeseg.inference.runners import Runner, open_runner
from edgeseg.predict.options import ModelOptions


@dataclass
class Prediction:
    """One photograph's prediction: the lesion probabilities (L, S, S) at the model's resolution,
    the geometry that maps them onto the photograph, its field of view, every other output of
    the model by name, the seconds the network took, and the model's input square (S, S, 3)
    uint8, which the anatomy locator reads."""

    lesions: tuple[str, ...]
    square_maps: np.ndarray
    geometry: SquareGeometry
    preprocessing: Preprocessing
    field_of_view: FieldOfView
    outputs: dict[str, np.ndarray]
    seconds: float
    square: np.ndarray

    def full_map(self, index: int) -> np.ndarray:
        """Lesion ``index``'s probabilities at the photograph's resolution (H, W) float32."""
        return self.preprocessing.to_image(self.square_maps[index], self.geometry)


class Predictor:
    """A loaded model (the embedded default unless ``model``); call :meth:`predict` on RGB uint8
    photographs. ``model`` is a run folder, ``.safetensors``, ``.onnx`` or ``.tflite`` file."""

    def __init__(self, model: str | Path | None = ModelOptions.model, device: str = ModelOptions.device,
                 threads: int | None = ModelOptions.threads) -> None:
        self._attach(open_runner(model or default_inference_model(), threads=threads, device=device, lean=True))

    @classmethod
    def around(cls, runner: Runner) -> "Predictor":
        """A predictor around a runner opened elsewhere (the bench opens its own)."""
        predictor = cls.__new__(cls)
        predictor._attach(runner)
        return predictor

    def _attach(self, runner: Runner) -> None:
        self.runner = runner
        info = runner.info
        if LESION_OUTPUT not in info.outputs:
            raise EdgesegError(f"{info.path}: a {info.task} model without lesion maps; predict needs a segmentation model")
        self.path, self.info = info.path, info
        self.preprocessing, self.lesions, self.thresholds = info.preprocessing, info.lesions, info.thresholds

    def quality(self, image: np.ndarray, field_of_view: FieldOfView | None = None) -> tuple[QualityMeasures, list[str]]:
        """The photograph's quality measures and why the model's gate finds it ungradable (empty:
        gradable, or a model whose card carries no gate)."""
        measures = measure_quality(image, field_of_view)
        gate = self.info.quality_gate
        return measures, gate.reasons(measures) if gate else []

    def predict(self, image: np.ndarray, field_of_view: FieldOfView | None = None) -> Prediction:
        prepared = self.preprocessing.prepare(image, field_of_view)
        start = time.perf_counter()
        outputs = self.runner(prepared.square)
        seconds = time.perf_counter() - start
        maps = outputs.pop(LESION_OUTPUT)
        return Prediction(self.lesions, maps, prepared.geometry, self.preprocessing, prepared.field_of_view, outputs, seconds,
                          prepared.square)
