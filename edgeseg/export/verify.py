"""Verification before success: run the exported file on the verification squares and judge it
against the PyTorch model it came from (:func:`edgeseg.inference.parity.compare`: mean and largest
|diff|, mask Dice at the thresholds and the AUPR drop, each bounded per precision, judged only
where the images allow, and said so where they do not).

Core ML cannot run on Linux; there its spec is checked instead (input and output names, shapes
and dtypes, the operations of the ML Program, and the card's normalisation in its first
constants).
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
    for function in spec.mlProgram.functions.values():
        for block in function.block_specializations.values():
            problem = _normalisation_problem(list(block.operations), INPUT_NAME, metadata)
            if problem:
                problems.append(problem)
    ops = ", ".join(f"{name} {count}" for name, count in sorted(operations.items(), key=lambda kv: -kv[1])[:6])
    if problems:
        return Parity(metadata["precision"], 0, reasons=["spec check failed: " + "; ".join(problems)])
    return Parity(metadata["precision"], 0, note=f"spec checked (not run: Core ML runs on macOS only): {INPUT_NAME} "
                  f"{metadata['input']['shape']} float32 -> {', '.join(expected)} float32; {sum(operations.values())} ops ({ops}, ...)")


def _const_values(operation) -> np.ndarray | None:
    """The values of a Core ML ``const`` operation held in the program itself (small tensors), or None."""
    from coremltools.proto import MIL_pb2

    value = operation.attributes["val"]
    if not value.immediateValue.HasField("tensor"):
        return None
    tensor = value.immediateValue.tensor
    if tensor.floats.values:
        return np.asarray(tensor.floats.values, np.float32)
    if tensor.bytes.values and value.type.tensorType.dataType == MIL_pb2.DataType.FLOAT16:
        return np.frombuffer(tensor.bytes.values, np.float16).astype(np.float32)
    return None


def _normalisation_problem(operations: list, input_name: str, metadata: dict) -> str | None:
    """Whether the program normalises its input as the model card says, first thing: from the input
    (through casts and transposes) a ``sub`` of 255 mean and a ``mul`` by 1 / (255 std), as
    :class:`edgeseg.inference.torch_module.PixelsToProbabilities` computes it. A file exported
    without that layer runs and has every other operation, so only its constants tell."""
    preprocessing = metadata["preprocessing"]
    mean = 255.0 * np.asarray(preprocessing["mean"], np.float32)
    scale = 1.0 / (255.0 * np.asarray(preprocessing["std"], np.float32))
    consts = {op.outputs[0].name: _const_values(op) for op in operations if op.type == "const"}
    consumers: dict[str, list] = {}
    for op in operations:
        for argument in op.inputs.values():
            for item in argument.arguments:
                consumers.setdefault(item.name, []).append(op)
    name = input_name
    while len(consumers.get(name, [])) == 1 and consumers[name][0].type in ("cast", "transpose"):
        name = consumers[name][0].outputs[0].name

    def holds(op, expected: np.ndarray) -> bool:
        values = [consts.get(item.name) for argument in op.inputs.values() for item in argument.arguments]
        return any(v is not None and v.size == expected.size and np.allclose(v.ravel(), expected, rtol=2e-3) for v in values)

    subtract = next((op for op in consumers.get(name, []) if op.type == "sub" and holds(op, mean)), None)
    multiply = next((op for op in consumers.get(subtract.outputs[0].name, []) if op.type == "mul" and holds(op, scale)), None) if subtract else None
    if multiply is None:
        return (f"the input is not normalised as the card says ((x - {np.round(mean, 2).tolist()}) * "
                f"{np.round(scale, 5).tolist()}, first thing); was the model exported without its normalisation?")
    return None
