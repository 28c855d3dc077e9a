"""edgeseg.export: the export layer (ONNX, TFLite, Core ML).

- ``export_onnx`` / ``export_tflite`` / ``export_coreml``: one function per format of
  :data:`edgeseg.inference.formats.FORMATS`, the same signature ``(job: ExportJob, path) -> path``;
- :func:`export_model`: export, verify against PyTorch, write golden vectors, report;
- :func:`read_metadata`: the metadata embedded in any exported file.

``import edgeseg.export`` is cheap: reading metadata needs neither torch nor a converter; the
exporter (torch) loads on first use of :func:`export_model`, and each converter (litert-torch,
coremltools, onnx) only inside the function that uses it.
"""

from importlib import import_module
from typing import Any

from edgeseg.inference.model_info import read_metadata

_LAZY = {"ExportOptions": ".options", "ExportResult": ".exporter", "export_model": ".exporter", "ExportJob": ".job",
         "build_metadata": ".metadata"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ExportJob", "ExportOptions", "ExportResult", "build_metadata", "export_model", "read_metadata"]
