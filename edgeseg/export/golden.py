"""Reference outputs for app tests ("golden vectors"), written next to every exported file.

One synthetic fundus photograph, not square and off-centre in its frame, so that an app's
field-of-view crop, padding, resize and CLAHE are all exercised, goes through edgeseg's
preprocessing and the exported file. The folder ``<model>.golden/`` holds:

- ``input.png``: the photograph (RGB, lossless);
- ``input_f32.bin``: the model input, float32 little-endian, in the file's layout;
- ``output_f32.bin``: the exported file's output on it, float32 little-endian, same layout;
- ``reference_f32.bin``: the PyTorch model's output on the same input, same layout: what the
  file's output is checked against (a golden vector checked only against the file that wrote it
  would pass a broken file);
- ``golden.json``: shapes, the geometry (field-of-view box, the square's side and padding), the
  preprocessing, thresholds, per lesion the thresholded area (pixels at the model's resolution)
  and its 8-connected components, and a screening model's grades (the file's and PyTorch's).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgeseg.fileio import atomic_write_bytes, atomic_write_json, encode_image
from edgeseg.outputs import GRADING_OUTPUTS, LESION_OUTPUT
from edgeseg.inference.preprocessing import PreparedImage
from edgeseg.inference.runners import Outputs, Runner, output_to_maps, square_to_input


def golden_photograph(size: int = 384) -> np.ndarray:
    """A deterministic synthetic photograph of (size, size * 4/3), its disc off-centre."""
    from edgeseg.data.synthetic import make_fundus

    disc = make_fundus(size, seed=20261123, lesion_counts={"MA": 8, "HE": 4, "EX": 6, "SE": 2}).image
    left = size // 4
    return np.pad(disc, ((0, 0), (left, size * 4 // 3 - size - left), (0, 0)))


def lesion_summary(maps: np.ndarray, lesions: tuple[str, ...], thresholds: dict[str, float]) -> dict:
    """Per lesion: threshold, thresholded area in pixels and 8-connected components."""
    summary = {}
    for index, lesion in enumerate(lesions):
        mask = (maps[index] >= thresholds[lesion]).astype(np.uint8)
        summary[lesion] = {
            "threshold": thresholds[lesion],
            "area_pixels": int(mask.sum()),
            "components": int(cv2.connectedComponents(mask, connectivity=8)[0] - 1),
        }
    return summary


@dataclass(frozen=True)
class GoldenCase:
    """The golden photograph, its preprocessing and the PyTorch model's outputs on it (NCHW):
    computed once per export run, before any converter or runtime holds memory, and written
    beside every file with that file's own outputs."""

    photograph: np.ndarray
    prepared: PreparedImage
    references: Outputs


def golden_case(reference: Runner) -> GoldenCase:
    """The golden photograph through ``reference``'s preprocessing and model."""
    photograph = golden_photograph()
    prepared = reference.info.preprocessing.prepare(photograph)
    return GoldenCase(photograph, prepared, reference.run_batch(square_to_input(prepared.square, "nchw")))


def write_golden(folder: Path, runner: Runner, case: GoldenCase, model_file: str) -> Path:
    """Write into ``folder`` the golden vectors of the exported file ``model_file`` that
    ``runner`` runs, beside the PyTorch outputs of ``case``."""
    info = runner.info
    layout, lesions, preprocessing = info.layout, info.lesions, info.preprocessing
    photograph, prepared, references = case.photograph, case.prepared, case.references
    model_input = square_to_input(prepared.square, layout)
    outputs = runner.run_batch(model_input)
    output = np.asarray(outputs[LESION_OUTPUT], np.float32)
    expected = np.asarray(references[LESION_OUTPUT], np.float32)
    expected = expected.transpose(0, 2, 3, 1) if layout == "nhwc" else expected
    geometry = prepared.geometry
    atomic_write_bytes(folder / "input.png", encode_image(photograph, ".png"))
    atomic_write_bytes(folder / "input_f32.bin", model_input.astype("<f4").tobytes())
    atomic_write_bytes(folder / "output_f32.bin", output.astype("<f4").tobytes())
    atomic_write_bytes(folder / "reference_f32.bin", np.ascontiguousarray(expected).astype("<f4").tobytes())
    atomic_write_json(folder / "golden.json", {
        "model_file": model_file,
        "precision": info.precision,
        "layout": layout,
        "lesions": list(lesions),
        "image": {"file": "input.png", "width": int(photograph.shape[1]), "height": int(photograph.shape[0])},
        "field_of_view_box": geometry.box.as_list(),
        "square": {"side": geometry.side, "pad_top": geometry.top, "pad_left": geometry.left, "size": preprocessing.size,
                   "clahe": preprocessing.clahe},
        "geometry": geometry.as_dict(),
        "preprocessing": preprocessing.as_dict(),
        "input": {"file": "input_f32.bin", "shape": list(model_input.shape), "dtype": "float32", "byte_order": "little"},
        "output": {"file": "output_f32.bin", "shape": list(output.shape), "dtype": "float32", "byte_order": "little"},
        "reference": {"file": "reference_f32.bin", "shape": list(expected.shape), "dtype": "float32", "byte_order": "little",
                      "what": "the PyTorch model's output on the same input"},
        "thresholds": info.thresholds,
        "lesion_summary": lesion_summary(output_to_maps(output, layout), lesions, info.thresholds),
        # A screening model's grades: the file's and PyTorch's, as lists of probabilities.
        "grades": {name: {"file": np.ravel(outputs[name]).astype(float).tolist(), "reference": np.ravel(references[name]).astype(float).tolist()}
                   for name in GRADING_OUTPUTS if name in outputs},
    })
    return folder
