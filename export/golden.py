"""Reference outputs for app tests ("golden vectors"), written next to every exported file.

One synthetic fundus photograph, not square and off-centre in its frame, so that an app's
field-of-view crop, padding, resize and CLAHE are all exercised, goes through edgeseg's
preprocessing and the exported file. The folder ``<model>.golden/`` holds:

- ``input.png``: the photograph (RGB, lossless);
- ``input_f32.bin``: the model input, float32 little-endian, in the file's layout;
- ``output_f32.bin``: the exported file's output on it, float32 little-endian, same layout;
- ``golden.json``: shapes, the field-of-view box, the square's side and padding, thresholds, and
  per lesion the thresholded area (pixels at the model's resolution) and its 8-connected
  components.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgeseg.fileio import atomic_write_bytes, atomic_write_json, encode_image
from .metadata import metadata_preprocessing
from .runtime import output_to_maps, square_to_input


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


def write_golden(folder: Path, runner, metadata: dict) -> Path:
    """Write the golden vectors of the exported file ``runner`` runs into ``folder``."""
    preprocessing = metadata_preprocessing(metadata)
    layout = metadata["input"]["layout"]
    lesions = tuple(metadata["lesions"])
    photograph = golden_photograph()
    box, (top, left), side = preprocessing.geometry(photograph)
    model_input = square_to_input(preprocessing.image_to_square(photograph), layout)
    output = np.asarray(runner(model_input), np.float32)
    atomic_write_bytes(folder / "input.png", encode_image(photograph, ".png"))
    atomic_write_bytes(folder / "input_f32.bin", model_input.astype("<f4").tobytes())
    atomic_write_bytes(folder / "output_f32.bin", output.astype("<f4").tobytes())
    atomic_write_json(folder / "golden.json", {
        "model_file": metadata.get("file"),
        "precision": metadata["precision"],
        "layout": layout,
        "lesions": list(lesions),
        "image": {"file": "input.png", "width": int(photograph.shape[1]), "height": int(photograph.shape[0])},
        "field_of_view_box": box.as_list(),
        "square": {"side": int(side), "pad_top": int(top), "pad_left": int(left), "size": preprocessing.size, "clahe": preprocessing.clahe},
        "input": {"file": "input_f32.bin", "shape": list(model_input.shape), "dtype": "float32", "byte_order": "little"},
        "output": {"file": "output_f32.bin", "shape": list(output.shape), "dtype": "float32", "byte_order": "little"},
        "thresholds": metadata["thresholds"],
        "lesion_summary": lesion_summary(output_to_maps(output, layout), lesions, metadata["thresholds"]),
    })
    return folder
