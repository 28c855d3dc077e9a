"""edgeseg.export: the export layer (ONNX, TFLite, Core ML).

- :mod:`edgeseg.export.exporter`: :func:`~edgeseg.export.exporter.export_model` exports, verifies
  against PyTorch, writes golden vectors and reports (it imports torch);
- ``export_onnx`` / ``export_tflite`` / ``export_coreml`` (``onnx_export``, ``tflite_export``,
  ``coreml_export``): one function per format of :data:`edgeseg.inference.formats.FORMATS`, the same
  signature ``(job: ExportJob, path)``, each importing its converter inside;
- :class:`~edgeseg.export.options.ExportOptions`: what `edgeseg export` is asked to do;
- :func:`read_metadata`: the metadata embedded in any exported file.

``import edgeseg.export`` is cheap: the names here need neither torch nor a converter.
"""

from edgeseg.export.options import ExportOptions
from edgeseg.inference.model_info import read_metadata

__all__ = ["ExportOptions", "read_metadata"]
