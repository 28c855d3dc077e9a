"""What `edgeseg export` is asked to do (:class:`ExportOptions`), declared once: its fields made
with :func:`~edgeseg.options.option` are the command's flags. Light to import (the command line
reads it before any converter is needed)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.inference.formats import LAYOUTS
from edgeseg.options import option


def _precisions(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


EXPORTS = Path("build/exports")  # where each model's exports go unless --out says otherwise

@dataclass
class ExportOptions:
    """What `edgeseg export` is asked to do; the fields made with ``option`` are its flags."""

    weights: str | None = option(flags=("--model", "--weights"), metavar="RUN_OR_FILE",
                                 help="run folder or .safetensors model (default: the embedded student)")
    target: str = option("tflite", help="onnx, tflite, coreml or all")
    int8: bool = option(False, help="also export int8 (calibrated post-training quantization)")
    precisions: list[str] | None = option(flags=("--precision",), parse=_precisions,
                                          help="comma-separated precisions instead: fp32, fp16, int8, int8-dynamic")
    layout: str | None = option(choices=LAYOUTS, help="input/output layout (default: NHWC for TFLite, NCHW otherwise)")
    size: int | None = option(flags=("--size", "--imgsz"), help="model input size in pixels, as train's --size (default: the model card's)")
    data: str | None = option(metavar="DIR", help="prepared folder or IDRiD download to verify on (default: the model's training data)")
    split: str = option("val", choices=("val", "train", "test"),
                        help="images to verify on: val (carved from the training split as in training), train or test")
    calib: str | None = option(metavar="DIR", help="fundus images for int8 calibration (default: --data, else the model's training data)")
    calib_images: int = option(16, help="calibration images")
    verify_images: int = option(8, help="verification images")
    verify: bool = option(True, flags=("--no-verify",), negate=True, help="skip verification (files are reported as not verified)")
    golden: bool = True
    out: str | None = option(metavar="DIR", help=f"output folder (default {EXPORTS}/<model>)")
