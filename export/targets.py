"""The export targets table: one row per format, driving the CLI, the exporter and the benchmarks.

In the style of Ultralytics' ``export_formats()`` (``../shared/docs/anchors.md``): the name a user
types, the file suffix, the Python modules the target needs (the ``export`` extra), the
precisions it offers, its default input layout and whether its files can be run on this machine.
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from dataclasses import dataclass

from edgeseg.errors import EdgesegError

PRECISIONS: tuple[str, ...] = ("fp32", "fp16", "int8", "int8-dynamic")
LAYOUTS: tuple[str, ...] = ("nchw", "nhwc")

PRECISION_NOTES: dict[str, str] = {
    "fp32": "float32 weights and activations",
    "fp16": "float16 weights (float IO)",
    "int8": "int8 weights and activations, float IO around the int8 core",
    "int8-dynamic": "int8 weights, activations quantized on the fly (float IO)",
}


@dataclass(frozen=True)
class Target:
    """One export format."""

    name: str
    suffix: str
    modules: tuple[str, ...]
    precisions: tuple[str, ...]
    default_layout: str
    runs_here: bool
    description: str

    def missing_modules(self) -> list[str]:
        return [module for module in self.modules if importlib.util.find_spec(module) is None]

    def require(self) -> None:
        """Fail with the install command when the target's packages are absent."""
        missing = self.missing_modules()
        if missing:
            raise EdgesegError(
                f"--target {self.name} needs {', '.join(missing)}; install them with: pip install 'edgeseg[export]'"
            )

    def filename(self, stem: str, precision: str, layout: str) -> str:
        layout_tag = "" if layout == self.default_layout else f"_{layout}"
        return f"{stem}_{precision}{layout_tag}{self.suffix}"


TARGETS: dict[str, Target] = {
    target.name: target
    for target in (
        Target("onnx", ".onnx", ("onnx", "onnxruntime", "onnxscript", "onnxslim"), ("fp32", "fp16", "int8"), "nchw", True,
               "ONNX opset 18 (ONNX Runtime on servers, desktops and phones)"),
        Target("tflite", ".tflite", ("litert_torch", "ai_edge_litert", "ai_edge_quantizer"), ("fp32", "fp16", "int8", "int8-dynamic"),
               "nhwc", True, "LiteRT / TensorFlow Lite flatbuffer (Android)"),
        Target("coreml", ".mlpackage", ("coremltools",), ("fp32", "fp16", "int8"), "nchw", sys.platform == "darwin",
               "Core ML ML Program (iOS 16+, macOS); runs on macOS only"),
    )
}


def resolve_targets(name: str) -> list[Target]:
    """``all`` or one target name; a mistyped name gets a suggestion."""
    if name == "all":
        return list(TARGETS.values())
    if name not in TARGETS:
        close = difflib.get_close_matches(name, [*TARGETS, "all"], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise EdgesegError(f"unknown target {name!r}; choose from {', '.join(TARGETS)} or all.{hint}")
    return [TARGETS[name]]


def resolve_precisions(target: Target, int8: bool, requested: list[str] | None = None) -> list[str]:
    """The precisions to export for ``target``: ``requested`` when given (those the target
    offers), else fp32 and fp16, plus every int8 kind the target offers with ``int8``."""
    if requested:
        unknown = [p for p in requested if p not in PRECISIONS]
        if unknown:
            raise EdgesegError(f"unknown precision {', '.join(unknown)}; choose from {', '.join(PRECISIONS)}")
        return [p for p in requested if p in target.precisions]
    chosen = ["fp32", "fp16"]
    if int8:
        chosen += [p for p in target.precisions if p.startswith("int8")]
    return chosen
