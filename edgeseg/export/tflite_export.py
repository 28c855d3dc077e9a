"""TFLite (LiteRT) export: ``litert_torch.convert`` to a float32 flatbuffer, then
ai-edge-quantizer for the other precisions.

- fp16: weights cast to float16 (weight-only, float compute);
- int8: static int8 weights and activations calibrated on real fundus squares, with the graph's
  input and output kept float (the quantizer's INPUT/OUTPUT ops set to no quantization), so apps
  feed pixels and read probabilities without handling scale and zero point, and the output
  head in float (:func:`output_head_scope`; with it quantized the file failed the 0.01 AUPR
  tolerance on IDRiD validation images). Calibration is the quantizer's profiler-based mode: its
  default mode keeps every tensor of the interpreter and peaked at 3.5 GB for the student
  (``docs/results.md``, "Exports that hold on any machine");
- int8-dynamic: int8 weights, activations quantized at run time (float IO).

Named signature ``serving_default``: input ``image``, output ``lesion_probs``. The NHWC layout
(default: mobile image buffers are NHWC) permutes around the NCHW network; the converter folds
those permutes into its own layout change, so no TRANSPOSE op is left at either end.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .job import ExportJob
from .metadata import embed_tflite
from .module import INPUT_NAME

SIGNATURE = "serving_default"


def output_head_scope(fp32: Path, convolutions: int = 2) -> str:
    """A quantizer scope regex matching the ops between the graph's output and the
    ``convolutions``-th CONV_2D upstream on each path (included): for U²-Net the sigmoid, the
    fusion conv, the upsampled side outputs and their convs (as ``output_head`` does for ONNX).
    ai-edge-quantizer names an op's scope by its output tensors, ``"name;"``."""
    import re

    from ai_edge_quantizer.utils import tfl_flatbuffer_utils as tfl

    model = tfl.read_model(str(fp32))
    graph = model.subgraphs[0]
    names = {index: tfl.get_tensor_name(tensor) for index, tensor in enumerate(graph.tensors)}
    producer = {output: op for op in graph.operators for output in op.outputs}
    conv = next(index for index, code in enumerate(model.operatorCodes) if code.builtinCode == 3)  # CONV_2D
    head, seen = [], set()
    stack = [(index, 0) for index in graph.outputs]
    while stack:
        tensor, passed = stack.pop()
        op = producer.get(tensor)
        if op is None or id(op) in seen:
            continue
        seen.add(id(op))
        head += [names[output] for output in op.outputs]
        passed += op.opcodeIndex == conv
        if passed < convolutions:
            stack += [(index, passed) for index in op.inputs if index >= 0]
    return "^(?:" + "|".join(re.escape(name) for name in head) + ");$"


def _quantize(fp32: Path, path: Path, job: ExportJob) -> None:
    from ai_edge_quantizer import calibrator, qtyping, quantizer, recipe
    from ai_edge_quantizer.algorithm_manager import AlgorithmName

    engine = quantizer.Quantizer(str(fp32))
    operations = qtyping.TFLOperationName
    calibration = None
    if job.precision == "fp16":
        engine.add_weight_only_config(".*", operations.ALL_SUPPORTED, 16, algorithm_key=AlgorithmName.FLOAT_CASTING)
    elif job.precision == "int8-dynamic":
        engine.load_quantization_recipe(recipe.dynamic_wi8_afp32())
    elif job.precision == "int8":
        engine.load_quantization_recipe(recipe.static_wi8_ai8())
        for kept_float in (operations.INPUT, operations.OUTPUT):
            engine.update_quantization_recipe(regex=".*", operation_name=kept_float, algorithm_key=AlgorithmName.NO_QUANTIZE)
        engine.update_quantization_recipe(
            regex=output_head_scope(fp32), operation_name=operations.ALL_SUPPORTED, algorithm_key=AlgorithmName.NO_QUANTIZE
        )
        samples = [{INPUT_NAME: batch.astype(np.float32)} for batch in job.calibration_batches()]
        calibration = engine.calibrate({SIGNATURE: samples}, mode=calibrator.CalibrationMode.CALIBRATION_PROFILER_BASED)
    else:
        raise ValueError(f"TFLite has no precision {job.precision!r}")
    result = engine.quantize(calibration, enable_progress_report=False)
    result.export_model(str(path), overwrite=True)


def _export_fp32(job: ExportJob, path: Path) -> None:
    """The float32 flatbuffer at ``path``, converted once per layout in an export run."""
    key = ("tflite", job.layout)
    if key not in job.converted:
        import litert_torch

        module = job.layout_module(named=True)
        with tempfile.TemporaryDirectory() as work:
            litert_torch.convert(module, sample_kwargs={INPUT_NAME: job.example()}).export(str(Path(work) / "fp32.tflite"))
            job.converted[key] = (Path(work) / "fp32.tflite").read_bytes()
    path.write_bytes(job.converted[key])


def export_tflite(job: ExportJob, path: Path) -> Path:
    """Write ``job`` as a .tflite file at ``path`` (metadata appended)."""
    if job.precision == "fp32":
        _export_fp32(job, path)
    else:
        with tempfile.TemporaryDirectory() as work:
            fp32 = Path(work) / "fp32.tflite"
            _export_fp32(job, fp32)
            _quantize(fp32, path, job)
    embed_tflite(path, job.metadata)
    return path
