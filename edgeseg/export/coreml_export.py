"""Core ML export: ``torch.export`` -> ``coremltools.convert`` as an ML Program (iOS 16+).

``torch.jit.trace`` fails on this network (``interpolate(size=skip.shape)``); the
``torch.export`` route works (``../shared/docs/toolchain.md``). fp32 and fp16 set the compute
precision; int8 quantizes the weights linearly per channel (symmetric) on an fp16 model. IO stays
float32. Core ML runs only on macOS: on Linux the exporter checks the spec instead (names,
shapes, dtypes, operations; :mod:`edgeseg.export.verify`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .job import ExportJob
from .metadata import embed_coreml
from .module import INPUT_NAME


def _for_coremltools(program: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    """Rewrite two graph forms coremltools 9 rejects into equivalent ones it converts:
    ``aten.alias`` (a full slice such as ``x[..., :h, :w]`` becomes one; "Unsupported fx node
    alias") is replaced by its input, and ``max_pool2d`` without an explicit stride ("got 2
    input(s), expected minimum 3") gets its default, the kernel size."""
    graph = program.graph_module.graph
    for node in list(graph.nodes):
        if node.op != "call_function":
            continue
        if node.target == torch.ops.aten.alias.default:
            node.replace_all_uses_with(node.args[0])
            graph.erase_node(node)
        elif node.target == torch.ops.aten.max_pool2d.default and len(node.args) == 2:
            node.args = (*node.args, node.args[1])
    program.graph_module.recompile()
    return program


def export_coreml(job: ExportJob, path: Path) -> Path:
    """Write ``job`` as a .mlpackage folder at ``path`` (metadata in the model's fields)."""
    import coremltools as ct

    example = job.example()
    program = _for_coremltools(torch.export.export(job.layout_module(), (example,)).run_decompositions({}))
    precision = ct.precision.FLOAT32 if job.precision == "fp32" else ct.precision.FLOAT16
    model = ct.convert(
        program,
        inputs=[ct.TensorType(name=INPUT_NAME, shape=tuple(example.shape), dtype=np.float32)],
        outputs=[ct.TensorType(name=item["name"], dtype=np.float32) for item in job.metadata["outputs"]],
        convert_to="mlprogram",
        minimum_deployment_target=ct.target.iOS16,
        compute_precision=precision,
    )
    if job.precision == "int8":
        from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

        config = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric", dtype="int8", granularity="per_channel"))
        model = linear_quantize_weights(model, config)
    elif job.precision not in ("fp32", "fp16"):
        raise ValueError(f"Core ML has no precision {job.precision!r}")
    embed_coreml(model, job.metadata)
    model.save(str(path))
    return path
