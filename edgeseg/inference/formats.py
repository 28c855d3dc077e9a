"""The formats table: every model format edgeseg reads, runs or writes, in one place (after
Ultralytics' export-formats table).

For each format: the file suffix, the runtime that runs it and the packages it needs here, the
packages that write it (``edgeseg export``; PyTorch models are trained, not exported), the
precisions and default layout of an export, where it runs, and the code that runs and writes it:
``runner`` names its :class:`~edgeseg.inference.runners.Runner` class (``open_runner`` opens every
format through it), ``exporter`` its ``export_<name>`` function in :mod:`edgeseg.export` (by name,
``module:function``, so that this lower layer imports neither the converters nor the export layer).
"""

from __future__ import annotations

import difflib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from edgeseg.errors import EdgesegError

PRECISIONS: tuple[str, ...] = ("fp32", "fp16", "int8", "int8-dynamic")
LAYOUTS: tuple[str, ...] = ("nchw", "nhwc")


@dataclass(frozen=True)
class Format:
    """One model format."""

    name: str
    suffix: str
    runtime: str
    run_modules: tuple[str, ...]
    export_modules: tuple[str, ...]
    precisions: tuple[str, ...]
    default_layout: str
    platforms: tuple[str, ...] | None  # sys.platform values it runs on; None: everywhere
    description: str  # what the file is; the README's formats table shows it
    verified_by: str  # what checks an exported file of this format on the machine that made it
    runner: str  # the Runner class in edgeseg.inference.runners
    exporter: str | None  # "module:function" that writes it (edgeseg export); None: trained, not exported

    @property
    def exportable(self) -> bool:
        return bool(self.export_modules)

    @property
    def runs_here(self) -> bool:
        return self.platforms is None or sys.platform in self.platforms

    def missing(self, purpose: str = "export") -> list[str]:
        """Packages absent on this machine to ``export`` or ``run`` this format."""
        modules = self.export_modules if purpose == "export" else self.run_modules
        return [module for module in modules if importlib.util.find_spec(module) is None]

    def require(self, purpose: str = "export") -> None:
        """Fail with the install command when the packages for ``purpose`` are absent."""
        missing = self.missing(purpose)
        if missing:
            verb = "--target" if purpose == "export" else "running"
            raise EdgesegError(f"{verb} {self.name} needs {', '.join(missing)}; install them with: pip install 'edgeseg[export]'")

    def filename(self, stem: str, precision: str, layout: str) -> str:
        layout_tag = "" if layout == self.default_layout else f"_{layout}"
        return f"{stem}_{precision}{layout_tag}{self.suffix}"


FORMATS: dict[str, Format] = {
    item.name: item
    for item in (
        Format("pytorch", ".safetensors", "pytorch", ("torch",), (), ("fp32",), "nchw", None,
               "PyTorch model file: weights and model card in safetensors (training, the reference)", "-", "TorchRunner", None),
        Format("onnx", ".onnx", "onnxruntime", ("onnxruntime",), ("onnx", "onnxruntime", "onnxscript", "onnxslim"),
               ("fp32", "fp16", "int8"), "nchw", None, "ONNX opset 18, slimmed; int8: static QDQ, per channel (ONNX Runtime on "
               "servers, desktops, phones and browsers)", "ONNX Runtime", "OnnxRunner", "edgeseg.export.onnx_export:export_onnx"),
        Format("tflite", ".tflite", "litert", ("ai_edge_litert",), ("litert_torch", "ai_edge_litert", "ai_edge_quantizer"),
               PRECISIONS, "nhwc", None, "LiteRT / TensorFlow Lite flatbuffer (Android, the browser); int8: static; int8-dynamic: "
               "weights only", "LiteRT interpreter (ai-edge-litert)", "LiteRTRunner", "edgeseg.export.tflite_export:export_tflite"),
        Format("coreml", ".mlpackage", "coreml", ("coremltools",), ("coremltools",), ("fp32", "fp16", "int8"), "nchw", ("darwin",),
               "Core ML ML Program (iOS 16+, macOS); int8: weights only", "spec check on Linux; run on macOS", "CoreMLRunner",
               "edgeseg.export.coreml_export:export_coreml"),
    )
}
EXPORT_FORMATS: dict[str, Format] = {name: item for name, item in FORMATS.items() if item.exportable}


def formats_markdown() -> str:
    """The export formats as the Markdown table of the README's Export section (`edgeseg export --formats`)."""
    lines = ["| target | file | precisions | default layout | what | verified here by |", "|---|---|---|---|---|---|"]
    lines += [f"| `{item.name}` | `{item.suffix}` | {', '.join(item.precisions)} | {item.default_layout.upper()} | {item.description} | "
              f"{item.verified_by} |" for item in EXPORT_FORMATS.values()]
    return "\n".join(lines) + "\n"


def format_of(path: str | Path) -> Format:
    """The format of a model file by its suffix; anything else is refused with the choices."""
    suffix = Path(path).suffix.lower()
    for item in FORMATS.values():
        if item.suffix == suffix:
            return item
    raise EdgesegError(f"{path}: not a model file ({', '.join(item.suffix for item in FORMATS.values())})")


def is_model_file(path: str | Path) -> bool:
    return Path(path).suffix.lower() in {item.suffix for item in FORMATS.values()}


def resolve_targets(name: str) -> list[Format]:
    """``all`` or one export format by name; a mistyped name gets a suggestion."""
    if name == "all":
        return list(EXPORT_FORMATS.values())
    if name not in EXPORT_FORMATS:
        close = difflib.get_close_matches(name, [*EXPORT_FORMATS, "all"], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise EdgesegError(f"unknown target {name!r}; choose from {', '.join(EXPORT_FORMATS)} or all.{hint}")
    return [EXPORT_FORMATS[name]]


def resolve_precisions(target: Format, int8: bool, requested: list[str] | None = None) -> list[str]:
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
