"""edgeseg.export: the export layer (ONNX, TFLite, Core ML), installed from the top-level
`export/` folder under the `edgeseg.export` name.

- :data:`TARGETS`: the targets table (name, suffix, packages needed, precisions, layout);
- ``export_onnx`` / ``export_tflite`` / ``export_coreml``: one function per target, the same
  signature ``(job: ExportJob, path) -> path``;
- :func:`export_model`: export, verify against PyTorch, write golden vectors, report;
- :func:`read_metadata`: the metadata embedded in any exported file.

Heavy converters (litert-torch, coremltools, onnx) are imported only inside the function that
uses them: ``import edgeseg.export`` needs only the core install.
"""

from .exporter import ExportOptions, ExportResult, export_model
from .job import ExportJob
from .metadata import build_metadata, read_metadata
from .targets import PRECISIONS, TARGETS, Target

__all__ = ["PRECISIONS", "TARGETS", "ExportJob", "ExportOptions", "ExportResult", "Target", "build_metadata", "export_model", "read_metadata"]
