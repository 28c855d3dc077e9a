"""ONNX export: ``torch.onnx.export`` (dynamo, opset 18) + onnxslim; fp16 by ONNX Runtime's
float16 converter with float IO; int8 by ONNX Runtime static QDQ quantization, per channel,
uint8 activations and int8 weights (MinMax calibration on real fundus squares), the final
sigmoid left in float: an 8-bit sigmoid output has 256 levels, and the ties it makes among the
many faint pixels cost average precision on the rarest lesions.

Measured on this kind of machine (``../shared/docs/toolchain.md``): the dynamo exporter gives a
clean graph with parity ~1e-7; s8s8 QDQ was slower than u8s8 on AVX2 CPUs.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from .job import ExportJob
from .metadata import embed_onnx
from .module import INPUT_NAME, OUTPUT_NAME

OPSET = 18


def _export_fp32(job: ExportJob, path: Path) -> None:
    """The float32 graph at ``path``, converted once per layout in an export run."""
    key = ("onnx", job.layout)
    if key not in job.converted:
        import onnx
        import onnxslim

        program = torch.onnx.export(
            job.layout_module(), (job.example(),), dynamo=True, opset_version=OPSET,
            input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], external_data=False, verbose=False,
        )
        job.converted[key] = onnxslim.slim(program.model_proto).SerializeToString()
    path.write_bytes(job.converted[key])


class _CalibrationReader:
    """ONNX Runtime's calibration data reader over the job's calibration squares."""

    def __init__(self, batches: list) -> None:
        self.batches = iter(batches)

    def get_next(self) -> dict | None:
        batch = next(self.batches, None)
        return None if batch is None else {INPUT_NAME: batch}


def export_onnx(job: ExportJob, path: Path) -> Path:
    """Write ``job`` as an ONNX file at ``path`` (metadata embedded)."""
    import onnx

    if job.precision == "fp32":
        _export_fp32(job, path)
    else:
        with tempfile.TemporaryDirectory() as work:
            fp32 = Path(work) / "fp32.onnx"
            _export_fp32(job, fp32)
            if job.precision == "fp16":
                from onnxruntime.transformers.float16 import convert_float_to_float16

                onnx.save(convert_float_to_float16(onnx.load(str(fp32)), keep_io_types=True), str(path))
            elif job.precision == "int8":
                from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
                from onnxruntime.quantization.shape_inference import quant_pre_process

                prepared = Path(work) / "prepared.onnx"
                quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
                sigmoids = [node.name for node in onnx.load(str(prepared)).graph.node if node.op_type == "Sigmoid"]
                quantize_static(
                    str(prepared), str(path), _CalibrationReader(job.calibration_batches()),
                    quant_format=QuantFormat.QDQ, per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax, nodes_to_exclude=sigmoids,
                )
            else:
                raise ValueError(f"ONNX has no precision {job.precision!r}")
    embed_onnx(path, job.metadata)
    return path
