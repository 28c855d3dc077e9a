"""What `edgeseg predict` is asked to do, declared once (:func:`edgeseg.options.option`): which
model runs where (:class:`ModelOptions`, also read by `edgeseg screen`) and what is written
(:class:`PredictOptions`); each field is a flag of the command, with its default and help."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.options import option


@dataclass(frozen=True)
class ModelOptions:
    """Which model, on which device, with how many runtime threads (:class:`edgeseg.predict.Predictor`)."""

    model: Path | None = option(flags=("--model", "--weights"), metavar="FILE",
                                help="a run folder, .safetensors, .onnx or .tflite model file (default: the embedded student)")
    device: str = option("cpu", help="cpu or cuda (PyTorch models)")
    threads: int | None = option(help="CPU threads of the runtime (default: its own choice)")


@dataclass(frozen=True)
class PredictOptions:
    """Where and what `predict` writes (:func:`edgeseg.predict.predict_paths`)."""

    out: Path = option(Path("predictions"), metavar="DIR", help="output folder")
    maps: bool = option(True, flags=("--no-maps",), negate=True, help="write only the overlay and the JSON summary")
    full_maps: bool = option(False, help="write the probability maps at the photograph's resolution (default: the model's, which "
                             "`edgeseg eval` maps back onto the photograph with the geometry in STEM.json)")
    map_bits: int = option(16, choices=(8, 16), help="bit depth of the probability maps (8 makes them smaller but ties the top "
                           "of the ranking of models whose probabilities crowd near 1, which lowers their AUPR)")
    force: bool = option(False, help="also write the maps and overlay of a photograph the image-quality gate stops (marked "
                         "ungradable; it never gets a verdict)")
