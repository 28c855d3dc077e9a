"""ONNX export: ``torch.onnx.export`` (dynamo, opset 18) + onnxslim; fp16 by ONNX Runtime's
float16 converter with float IO; int8 by ONNX Runtime static QDQ quantization (:class:`Int8Recipe`):
per-channel 7-bit weights, uint8 activations, calibrated on fundus squares.

For int8, measured on the embedded default (``docs/results.md``): with MinMax calibration and
everything quantized, HE lost 0.0103 AUPR on the IDRiD test set. What keeps every lesion within
the verification bounds, on every CPU:

- the output head stays float (:func:`output_head`). An 8-bit sigmoid has 256 output levels,
  whose ties among faint pixels cost average precision, and 8-bit logits are coarse;
- the input normalisation stays float (:func:`input_tail`). One scale for three colour channels
  of very different ranges loses the narrow ones;
- Percentile calibration replaces MinMax, whose ranges rare extreme activations stretch (with
  MinMax, SE swung between -0.001 and +0.02 from one image set to another); computed exactly in
  the graph, one image at a time (:mod:`edgeseg.export.onnx_calibration`), at 99.9999 %: with
  7-bit weights, 99.999 % lost 0.0156 MA AUPR on synthetic images and 99.99 % lost 0.11;
- with 7-bit weights, three convolutions on each path to the outputs stay float (two before):
  with two, MA lost 0.0154 AUPR on ``edgeseg bench``'s synthetic images (bound 0.015), with
  three 0.010, at the cost of speed (about fp32's on x86) and size (0.98 MB against 0.62);
- 7-bit weights (``reduce_range``): with 8-bit weights the same file computed other masks on
  x86 CPUs without VNNI, whose uint8 x int8 kernels saturate, and failed verification there
  (SE Dice 0.58, where this CPU gave 0.94).

Measured on this kind of machine (``../shared/docs/toolchain.md``): the dynamo exporter gives a
clean graph with parity ~1e-7; s8s8 QDQ was slower than u8s8 on AVX2 CPUs, and u8u8 (which does
not saturate either) slower than fp32.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch

from .job import ExportJob
from .metadata import embed_onnx
from .module import INPUT_NAME

OPSET = 18


def _export_fp32(job: ExportJob, path: Path) -> None:
    """The float32 graph at ``path``, converted once per layout in an export run."""
    key = ("onnx", job.layout)
    if key not in job.converted:
        import onnxslim

        program = torch.onnx.export(
            job.layout_module(), (job.example(),), dynamo=True, opset_version=OPSET,
            input_names=[INPUT_NAME], output_names=[item["name"] for item in job.metadata["outputs"]], external_data=False, verbose=False,
        )
        job.converted[key] = onnxslim.slim(program.model_proto).SerializeToString()
    path.write_bytes(job.converted[key])


def output_head(model, convolutions: int = 2) -> list[str]:
    """Names of the nodes between the graph's output and the ``convolutions``-th convolution
    upstream on each path (included): for U²-Net, the sigmoid, the fusion conv, the upsampled
    side outputs and their convs. They stay float in int8 exports."""
    producer = {output: node for node in model.graph.node for output in node.output}
    head: set[str] = set()
    stack = [(output.name, 0) for output in model.graph.output]
    while stack:
        name, passed = stack.pop()
        node = producer.get(name)
        if node is None or node.name in head:
            continue
        head.add(node.name)
        passed += node.op_type == "Conv"
        if passed < convolutions:
            stack += [(tensor, passed) for tensor in node.input if tensor]
    return sorted(head)


def input_tail(model) -> list[str]:
    """Names of the nodes between the graph's input and the first convolution (excluded): the
    normalisation ``(x - mean) * scale``. Quantizing its output would put three colour channels
    of very different ranges under one scale (``../shared/docs/toolchain.md``)."""
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for tensor in node.input:
            consumers.setdefault(tensor, []).append(node)
    tail: set[str] = set()
    stack = [graph_input.name for graph_input in model.graph.input]
    while stack:
        for node in consumers.get(stack.pop(), []):
            if node.op_type != "Conv" and node.name not in tail:
                tail.add(node.name)
                stack += list(node.output)
    return sorted(tail)


@dataclass(frozen=True)
class Int8Recipe:
    """How an ONNX int8 file is quantized: static QDQ, per-channel weights, uint8 activations.

    ``reduce_range`` keeps weights in 7 bits. ONNX Runtime's uint8 x int8 kernels on x86 CPUs
    without VNNI (AVX2, AVX-512 before Cascade Lake) add pairs of products in 16 bits with
    saturation; with 8-bit weights the same file gave other masks there than on VNNI CPUs and
    phones (``benchmarks/int8_cpu_kernels.py``: EX mask flips on an emulated AVX2 EPYC), and failed
    verification on such a machine. 7-bit weights cannot saturate (255 x 64 x 2 < 32768).
    """

    reduce_range: bool = True
    percentile: float = 99.9999  # of each activation's absolute values over the calibration images
    head_convolutions: int = 3  # convolutions upstream of the outputs kept float (:func:`output_head`)


INT8 = Int8Recipe()


def quantize_int8(fp32: Path, path: Path, batches: list, recipe: Int8Recipe = INT8) -> None:
    """Quantize the float graph ``fp32`` into ``path`` with ``recipe``, calibrated on ``batches``."""
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from .onnx_calibration import write_calibration_cache

    prepared = fp32.with_name(fp32.stem + ".prepared.onnx")
    cache = fp32.with_name(fp32.stem + ".calibration.json")
    try:
        quant_pre_process(str(fp32), str(prepared), skip_symbolic_shape=True)
        graph = onnx.load(str(prepared))
        kept_float = input_tail(graph) + output_head(graph, recipe.head_convolutions)
        write_calibration_cache(prepared, batches, INPUT_NAME, recipe.percentile, cache)
        quantize_static(
            str(prepared), str(path), None, calibration_cache_path=str(cache),
            quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=recipe.reduce_range, activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.Percentile, nodes_to_exclude=kept_float,
        )
    finally:
        for scratch in (prepared, cache):
            scratch.unlink(missing_ok=True)


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
                quantize_int8(fp32, path, job.calibration_batches())
            else:
                raise ValueError(f"ONNX has no precision {job.precision!r}")
    embed_onnx(path, job.metadata)
    return path
