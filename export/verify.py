"""Verification before success: run the exported file and compare it with the PyTorch model.

On the same preprocessed fundus squares: the largest and mean absolute difference of the
probabilities, the share of pixels whose thresholded mask agrees, and the AUPR per lesion of
both (average precision pooled over the images, edgeseg's default; quantized outputs tie a lot,
and the trapezoidal area would reward that). Tolerances (issue "export layer"): fp32 within
1e-4 absolute of PyTorch; fp16 and int8 lose at most 0.01 AUPR per lesion.

Core ML cannot run on Linux; there its spec is checked instead (input and output names, shapes
and dtypes, and the operations of the ML Program).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from edgeseg.metrics.pr import PRAccumulator

from .images import FundusSquare
from .module import INPUT_NAME, OUTPUT_NAME
from .runtime import output_to_maps, square_to_input

FP32_MAX_ABS = 1e-4
MAX_AUPR_DROP = 0.01


@dataclass
class Verification:
    """What a check of one exported file found; ``passed`` and, when not, ``reason``."""

    images: int
    passed: bool
    reason: str = ""
    max_abs: float = math.nan
    mean_abs: float = math.nan
    mask_agreement: float = math.nan
    aupr_reference: dict[str, float] = field(default_factory=dict)
    aupr_file: dict[str, float] = field(default_factory=dict)

    @property
    def aupr_drop(self) -> dict[str, float]:
        return {lesion: self.aupr_reference[lesion] - self.aupr_file[lesion] for lesion in self.aupr_file}

    def summary(self) -> str:
        if not self.images:
            return self.reason
        drops = ", ".join(f"{lesion} {drop:+.4f}" for lesion, drop in self.aupr_drop.items() if not math.isnan(drop))
        return f"max |diff| {self.max_abs:.2e}, mean {self.mean_abs:.2e}, masks agree {self.mask_agreement:.4%}, AUPR drop {drops or 'n/a'}"


@torch.no_grad()
def reference_maps(module: torch.nn.Module, squares: list[FundusSquare]) -> list[np.ndarray]:
    """PyTorch probabilities (L, S, S) of the NCHW pixels-in module on each square."""
    maps = []
    for item in squares:
        pixels = torch.from_numpy(square_to_input(item.square, "nchw"))
        maps.append(module(pixels)[0].numpy())
    return maps


def _aupr(maps: list[np.ndarray], squares: list[FundusSquare], lesions: tuple[str, ...]) -> dict[str, float]:
    scores = {}
    for index, lesion in enumerate(lesions):
        if not any(item.masks[index].any() for item in squares):
            continue
        accumulator = PRAccumulator()
        for probabilities, item in zip(maps, squares):
            accumulator.add(probabilities[index], item.masks[index])
        scores[lesion] = accumulator.curve().average_precision()
    return scores


def verify_file(
    runner, layout: str, precision: str, squares: list[FundusSquare], reference: list[np.ndarray],
    lesions: tuple[str, ...], thresholds: dict[str, float], max_abs: float | None = None, max_drop: float | None = None,
) -> Verification:
    """Compare ``runner`` (an opened exported file) with ``reference`` on ``squares``; the
    tolerances default to :data:`FP32_MAX_ABS` and :data:`MAX_AUPR_DROP`."""
    max_abs = FP32_MAX_ABS if max_abs is None else max_abs
    max_drop = MAX_AUPR_DROP if max_drop is None else max_drop
    maps = [output_to_maps(runner(square_to_input(item.square, layout)), layout) for item in squares]
    differences = [np.abs(mine - theirs) for mine, theirs in zip(maps, reference)]
    cut = np.asarray([thresholds[lesion] for lesion in lesions], np.float32)[:, None, None]
    agreement = float(np.mean([np.mean((mine >= cut) == (theirs >= cut)) for mine, theirs in zip(maps, reference)]))
    result = Verification(
        images=len(squares), passed=True,
        max_abs=float(max(d.max() for d in differences)), mean_abs=float(np.mean([d.mean() for d in differences])),
        mask_agreement=agreement, aupr_reference=_aupr(reference, squares, lesions), aupr_file=_aupr(maps, squares, lesions),
    )
    if precision == "fp32":
        if not result.max_abs <= max_abs:
            result.passed, result.reason = False, f"max |diff| {result.max_abs:.2e} exceeds the fp32 tolerance {max_abs:.0e}"
    else:
        worst = max(result.aupr_drop.items(), key=lambda item: item[1], default=None)
        if worst is not None and not worst[1] <= max_drop:
            result.passed, result.reason = False, f"{worst[0]} AUPR drops by {worst[1]:.4f}, more than {max_drop}"
    return result


def check_coreml_spec(path: Path, metadata: dict) -> Verification:
    """The Core ML package's interface and operations, without running it (Linux)."""
    import coremltools as ct

    spec = ct.models.MLModel(str(path), skip_model_load=True).get_spec()
    problems = []
    inputs, outputs = list(spec.description.input), list(spec.description.output)
    float32 = ct.proto.FeatureTypes_pb2.ArrayFeatureType.FLOAT32
    if [item.name for item in inputs] != [INPUT_NAME] or [item.name for item in outputs] != [OUTPUT_NAME]:
        problems.append(f"interface {[i.name for i in inputs]} -> {[o.name for o in outputs]}, expected [{INPUT_NAME}] -> [{OUTPUT_NAME}]")
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
        return Verification(0, False, "spec check failed: " + "; ".join(problems))
    return Verification(0, True, f"spec checked (not run: Core ML runs on macOS only): {INPUT_NAME} {metadata['input']['shape']} float32 -> "
                        f"{OUTPUT_NAME} float32; {sum(operations.values())} ops ({ops}, ...)")
