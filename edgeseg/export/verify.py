"""Verification before success: run the exported file on the verification squares and judge it
against the PyTorch model it came from (:func:`edgeseg.inference.parity.compare`: mean and largest
|diff|, mask Dice at the thresholds and the AUPR drop, each bounded per precision, judged only
where the images allow, and said so where they do not).

Core ML cannot run on Linux; there its spec is checked instead (input and output names, shapes
and dtypes, and the operations of the ML Program).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from edgeseg.inference.parity import Parity, compare, judge_grades
from edgeseg.inference.runners import Runner
from edgeseg.outputs import GRADING_OUTPUTS, LESION_OUTPUT

from .images import FundusSquare
from .module import INPUT_NAME


def reference_outputs(reference: Runner, squares: list[FundusSquare]) -> list[dict[str, np.ndarray]]:
    """The reference (PyTorch) outputs on each square: lesion probabilities (L, S, S), and the
    grades of a screening model."""
    return [reference(item.square) for item in squares]


def verify_file(runner: Runner, squares: list[FundusSquare], reference: list[dict[str, np.ndarray]]) -> Parity:
    """The parity verdict on the file ``runner`` runs, against the ``reference`` outputs of ``squares``."""
    outputs = [runner(item.square) for item in squares]
    info = runner.info
    parity = compare([item[LESION_OUTPUT] for item in reference], [item[LESION_OUTPUT] for item in outputs],
                     [item.masks for item in squares], info.lesions, info.thresholds, info.precision)
    if set(GRADING_OUTPUTS) <= set(info.outputs):
        judge_grades(parity, reference, outputs)
    return parity


def check_coreml_spec(path: Path, metadata: dict) -> Parity:
    """The Core ML package's interface and operations, without running it (Linux); the verdict
    has no image and says what was checked."""
    import coremltools as ct

    spec = ct.models.MLModel(str(path), skip_model_load=True).get_spec()
    problems = []
    inputs, outputs = list(spec.description.input), list(spec.description.output)
    float32 = ct.proto.FeatureTypes_pb2.ArrayFeatureType.FLOAT32
    expected = [item["name"] for item in metadata["outputs"]]
    if [item.name for item in inputs] != [INPUT_NAME] or [item.name for item in outputs] != expected:
        problems.append(f"interface {[i.name for i in inputs]} -> {[o.name for o in outputs]}, expected [{INPUT_NAME}] -> {expected}")
    else:
        shape = list(inputs[0].type.multiArrayType.shape)
        if shape != metadata["input"]["shape"]:
            problems.append(f"input shape {shape}, expected {metadata['input']['shape']}")
        for item in inputs + outputs:
            if item.type.multiArrayType.dataType != float32:
                problems.append(f"{item.name} is not float32")
    operations: dict[str, int] = {}
    for function in spec.mlProgram.functions.values():
        for block in function.block_specializations.values():
            for operation in block.operations:
                operations[operation.type] = operations.get(operation.type, 0) + 1
    for required in ("conv", "sigmoid"):
        if required not in operations:
            problems.append(f"no {required} operation in the program")
    ops = ", ".join(f"{name} {count}" for name, count in sorted(operations.items(), key=lambda kv: -kv[1])[:6])
    if problems:
        return Parity(metadata["precision"], 0, reasons=["spec check failed: " + "; ".join(problems)])
    return Parity(metadata["precision"], 0, note=f"spec checked (not run: Core ML runs on macOS only): {INPUT_NAME} "
                  f"{metadata['input']['shape']} float32 -> {', '.join(expected)} float32; {sum(operations.values())} ops ({ops}, ...)")
