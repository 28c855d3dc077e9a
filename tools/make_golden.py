"""Regenerate the golden vectors that the Android library's JVM tests compare against.

    python tools/make_golden.py [FOLDER]

FOLDER defaults to ``export/golden/``. Everything comes from
edgeseg's core Python (no export extra) and from synthetic images only:

- ``metadata.json``: the metadata of a 128 px NHWC TFLite export, built by ``build_metadata`` as
  ``edgeseg export`` builds it (the creation time and version pinned so that reruns are equal);
- ``model.tflite``: placeholder bytes standing in for the flatbuffer, with that metadata appended
  by ``embed_tflite``, exactly as an export appends it;
- ``photograph/``, ``small/``, ``wide/``, ``tall/``, ``flat/``: one photograph each, in the layout
  ``edgeseg/export/golden.py`` writes: ``input.png``, the model input ``input_f32.bin.gz`` (float32
  little-endian NHWC, from ``Preprocessing.image_to_square`` and ``square_to_input``; gzip keeps
  the test data small) and ``golden.json`` (what the case covers under ``about``, field-of-view
  box, square side and padding). ``photograph/`` is ``golden_photograph`` and also holds
  ``output_f32.bin.gz``, a deterministic probability map standing in for a model's output, and
  its ``lesion_summary``. ``small/`` and ``flat/`` are enlarged to the model size
  (``INTER_LINEAR``), the others shrunk (``INTER_AREA``), and ``wide/`` is wider than 512 px, so
  its field of view is found on an area-resized work copy;
- the padding geometry: a square pads one axis only (its side is the box's longer side), so two
  photographs cover it. ``tall/`` is taller than wide and so is its field-of-view box, by an odd
  number of pixels: ``pad_left`` is non-zero and floor and ceil of (side - width) / 2 differ.
  ``flat/``'s box is wider than tall by an odd number: the same for ``pad_top``. ``tall/`` also
  holds ``input_nchw_f32.bin.gz``, its model input as ``square_to_input`` lays it out for an NCHW
  model, (1, 3, S, S) float32 RGB 0-255 (``input_nchw`` in its ``golden.json``);
- ``opencv/``: OpenCV's own results for the operations ported to Java (resize at integer,
  fractional and mixed scales, 8-bit Lab both ways, CLAHE) on small images, listed in
  ``cases.json``;
- ``screening/``: a screening model's metadata (``build_metadata`` with a card whose task is
  ``screening``: outputs ``lesion_probs``, ``dr_probs``, ``dme_probs``, ``referable_prob``, and the
  ``grading`` section) as ``metadata.json`` and appended to ``model.tflite``; three variants
  (a referral threshold exact in binary, no ``grading`` section, and an old segmentation file
  without ``outputs`` or ``task``); and ``cases.json``: what edgeseg's Python reads from each
  metadata file (``info_from_metadata``: task and output names; each output's shape and classes;
  the referral threshold ``screening_verdict`` uses) and the verdicts ``screening_verdict`` and
  ``verdict_lines`` give for deterministic grading outputs (float32, as a runner returns them):
  argmax ties, probabilities at, just below and just above the threshold (in float32 the
  threshold 0.4213 is 0.42129999..., below it), two-decimal roundings that are exact halves
  (0.125 prints "0.12") and -0.0; NaN and infinite grades, which are an error and give no
  verdict (the case's ``error``). Non-finite values are written as the strings ``"NaN"``,
  ``"Infinity"``, ``"-Infinity"`` (JSON has no such numbers);
- ``quality/``: the image-quality measures and gate (``edgeseg/data/quality.py``).
  ``golden_photograph(240)`` (``sharp.png``) and copies degraded by ``edgeseg.data.degradations.degrade``
  (blurred, dark, over-exposed, over-exposed exactly to the gate's bound, hazy, JPEG quality 8, cut,
  blurred and dark), a copy cut at top and bottom as a camera's frame cuts a disc (the field of view
  touches the image's edges, where the blurs' border and the erosion's border matter), a JPEG copy
  of ``golden_photograph(400)`` wider than 512 px (its measures come from an area-resized work
  copy, its blockiness from the full resolution) and an all-black image (no field of view), all as
  PNG (a JPEG case is the PNG of the decoded JPEG, so that its 8x8 blocks survive); ``metadata.json``, the 128 px
  export's metadata with a card carrying a ``quality_gate``; and ``cases.json``: Python's
  ``MEASURES`` table (name -> [direction, word]), the gate's bounds, and per photograph
  ``measure_quality``'s six measures at full float precision, intermediate ``details`` (work copy
  size, field-of-view pixels, OpenCV's enclosing radius, erosion radius, pixels left after the
  erosion) and the reasons ``QualityGate.reasons`` gives with the gate read back from the metadata
  as ``info_from_metadata`` reads it. The clipped share's bound is one photograph's own value (a
  value at an inclusive bound passes; the clipped share and blockiness are ratios of integers,
  exact in every language); every other measure is kept at least 1 % from its bound (checked
  here), so that the ports' float rounding cannot flip a reason.

``tests/android/test_golden_fresh.py`` reruns this script and fails when the Python side changed
without the goldens being regenerated.
"""

from __future__ import annotations

import argparse
import gzip
import json
from dataclasses import asdict
from pathlib import Path

import cv2
import numpy as np

from edgeseg.data.degradations import degrade
from edgeseg.inference.fov import FieldOfView
from edgeseg.data.quality import EROSION, MEASURES, _inner_mask, measure_quality, retake_message
from edgeseg.data.synthetic import make_fundus
from edgeseg.errors import EdgesegError
from edgeseg.export.golden import golden_photograph, lesion_summary
from edgeseg.export.metadata import build_metadata, embed_tflite
from edgeseg.fileio import encode_image
from edgeseg.inference.model_info import info_from_metadata
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.runners import output_to_maps, square_to_input
from edgeseg.outputs import (DME_CLASSES, DME_OUTPUT, DR_CLASSES, DR_OUTPUT, GRADING_OUTPUTS, LESION_OUTPUT, REFERABLE_DME,
                             REFERABLE_DR, REFERABLE_OUTPUT)
from edgeseg.predict.verdict import NON_FINITE, screening_verdict, verdict_lines

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "export" / "golden"
SIZE = 128
LAYOUT = "nhwc"
LESIONS = ("MA", "HE", "EX", "SE")
THRESHOLDS = {"MA": 0.3, "HE": 0.45, "EX": 0.6, "SE": 0.2}
# A stand-in for a flatbuffer: the interpreter never sees it, the metadata reader must skip it.
PLACEHOLDER_MODEL = b"\x1c\x00\x00\x00TFL3" + bytes(range(256)) * 3


# CLAHE as a card may set it, not at OpenCV's defaults (clip 2.0, 8x8 tiles): a port that reads a
# wrong key, or applies the defaults whatever the metadata says, differs from Python (issue #35).
CLAHE = {"enabled": True, "clip_limit": 3.0, "tile_grid": 4}


def metadata(screening: dict | None = None, quality_gate: dict | None = None, grader: dict | None = None) -> dict:
    """The metadata of a 128 px fp32 NHWC TFLite export with CLAHE at clip 3 and 4x4 tiles (CLAHE), as ``edgeseg export`` builds it;
    with ``screening`` (the card's ``grading`` section), that of a screening model; with
    ``quality_gate`` (the card's bounds), that of a model carrying an image-quality gate; with
    ``grader`` (the card's grader), that of a lesion model whose verdict comes from its findings."""
    card = {
        "model": "golden" if screening is None else "golden_graded",
        "lesions": list(LESIONS),
        "preprocessing": {"size": SIZE, "clahe": CLAHE, "mean": [0.489437, 0.249502, 0.090705], "std": [0.322544, 0.173538, 0.090523]},
        "metrics": {"thresholds": THRESHOLDS},
        "data": {"credit": "synthetic images (edgeseg.data.synthetic)"},
    }
    if screening is not None:
        card |= {"task": "screening", "grading": screening}
    if quality_gate is not None:
        card |= {"quality_gate": quality_gate}
    if grader is not None:
        card |= {"grader": grader}
    data = build_metadata(card, source="tools/make_golden.py", target="tflite", precision="fp32", layout=LAYOUT)
    return {**data, "created": "2026-01-01T00:00:00+00:00", "edgeseg_version": "golden", "file": "model.tflite"}


# What each photograph is there to cover; written into its golden.json as "about".
ABOUT = {
    "photograph": "golden_photograph(160), an export's golden photograph: box shrunk to the model size, even vertical padding",
    "small": "box enlarged to the model size (INTER_LINEAR)",
    "wide": "wider than 512 px: the field of view is found on an area-resized work copy",
    "tall": "box taller than wide by an odd number of pixels: pad_left > 0, floor and ceil of (side - width) / 2 differ; "
            "also the NCHW model input",
    "flat": "box wider than tall by an odd number of pixels: pad_top > 0, floor and ceil of (side - height) / 2 differ",
}
# Extra layouts whose model input is written beside the NHWC one, per photograph.
EXTRA_LAYOUTS = {"tall": ("nchw",)}


def photographs() -> dict[str, np.ndarray]:
    """Synthetic photographs whose squares are shrunk and enlarged, found on small and large images,
    and padded on the left (``tall``) and at the top (``flat``) by half an odd difference."""
    small = np.pad(make_fundus(96, seed=11).image, ((9, 23), (31, 4), (0, 0)))
    wide = cv2.resize(make_fundus(136, seed=12).image, (544, 544), interpolation=cv2.INTER_NEAREST)
    wide = np.pad(wide, ((5, 11), (48, 8), (0, 0)))
    # Discs cut by the frame, as a camera's frame cuts a real one: left and right for tall/ (box
    # 94 x 137, side - width = 43), top and bottom for flat/ (box 113 x 84, side - height = 29).
    tall = np.pad(make_fundus(136, seed=13).image[:, 21:113], ((13, 7), (5, 10), (0, 0)))
    flat = np.pad(make_fundus(112, seed=14).image[15:97], ((6, 11), (14, 9), (0, 0)))
    return {"photograph": golden_photograph(160), "small": small, "wide": wide, "tall": tall, "flat": flat}


def probability_maps(size: int) -> np.ndarray:
    """(L, size, size) float32 maps of cone-shaped blobs: deterministic (only +, -, *, / and max),
    zero away from the blobs (small files), with blobs that touch, overlap or stay below threshold,
    and a lone pixel at each threshold and one just below it."""
    rng = np.random.default_rng(20261123)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    maps = np.zeros((len(LESIONS), size, size))
    for index in range(len(LESIONS)):
        for _ in range(14):
            cx, cy = rng.uniform(0, size, 2)
            radius = rng.uniform(1.0, 9.0)
            peak = rng.uniform(0.15, 1.0)
            blob = peak * np.maximum(0.0, 1.0 - ((xx - cx) ** 2 + (yy - cy) ** 2) / radius**2)
            maps[index] = np.maximum(maps[index], blob)
    maps = maps.astype(np.float32)
    # A pixel exactly at each lesion's threshold (in the mask) and one a float32 step below (not),
    # each on its own, so that a summary comparing with > instead of >= differs (issue #35).
    for index, lesion in enumerate(LESIONS):
        at = np.float32(THRESHOLDS[lesion])
        maps[index, size - 3, 2 + 4 * index] = at
        maps[index, size - 3, 4 + 4 * index] = np.nextafter(at, np.float32(0))
    return maps


def write_photograph(folder: Path, image: np.ndarray, preprocessing: Preprocessing, meta: dict, with_output: bool,
                     extra_layouts: tuple[str, ...] = ()) -> None:
    """One photograph's golden vectors in the layout of ``edgeseg/export/golden.py: write_golden``, with the
    model input also in each of ``extra_layouts`` (``input_<layout>_f32.bin.gz``)."""
    folder.mkdir(parents=True, exist_ok=True)
    prepared = preprocessing.prepare(image)
    geometry, square = prepared.geometry, prepared.square
    model_input = square_to_input(square, LAYOUT)
    (folder / "input.png").write_bytes(encode_image(image, ".png"))
    write_floats_gz(folder / "input_f32.bin.gz", model_input)
    golden = {
        "about": ABOUT[folder.name],
        "model_file": meta["file"],
        "precision": meta["precision"],
        "layout": LAYOUT,
        "lesions": list(LESIONS),
        "image": {"file": "input.png", "width": int(image.shape[1]), "height": int(image.shape[0])},
        "field_of_view_box": geometry.box.as_list(),
        "square": {"side": geometry.side, "pad_top": geometry.top, "pad_left": geometry.left, "size": SIZE, "clahe": preprocessing.clahe},
        "input": {"file": "input_f32.bin.gz", "shape": list(model_input.shape), "dtype": "float32", "byte_order": "little", "compression": "gzip"},
        "thresholds": meta["thresholds"],
    }
    for layout in extra_layouts:
        layout_input = square_to_input(square, layout)
        name = f"input_{layout}_f32.bin.gz"
        write_floats_gz(folder / name, layout_input)
        golden[f"input_{layout}"] = {"file": name, "layout": layout, "shape": list(layout_input.shape), "dtype": "float32",
                                     "byte_order": "little", "compression": "gzip"}
    if with_output:
        output = probability_maps(SIZE)[None].transpose(0, 2, 3, 1)
        write_floats_gz(folder / "output_f32.bin.gz", output)
        golden["output"] = {"file": "output_f32.bin.gz", "shape": list(output.shape), "dtype": "float32", "byte_order": "little", "compression": "gzip"}
        golden["lesion_summary"] = lesion_summary(output_to_maps(output, LAYOUT), LESIONS, meta["thresholds"])
    write_json(folder / "golden.json", golden)


def write_opencv_cases(folder: Path) -> None:
    """OpenCV's results for each operation the Java library ports, on small deterministic images."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (48, 60, 3), dtype=np.uint8)
    write_png(folder / "resize_input.png", image)
    resizes = []
    # 2x, 3x and 4x integer shrinks, a fractional shrink, an enlargement, and INTER_AREA with one
    # side enlarged (OpenCV then interpolates bilinearly); what resize_image can ask for.
    for width, height, interpolation in [(30, 24, "area"), (20, 16, "area"), (15, 12, "area"), (37, 29, "area"),
                                         (97, 71, "linear"), (80, 30, "area")]:
        flag = cv2.INTER_AREA if interpolation == "area" else cv2.INTER_LINEAR
        name = f"resize_{interpolation}_{width}x{height}.png"
        write_png(folder / name, cv2.resize(image, (width, height), interpolation=flag))
        resizes.append({"input": "resize_input.png", "width": width, "height": height, "interpolation": interpolation, "expected": name})

    levels = np.arange(16, dtype=np.uint8) * 17
    chart = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(64, 64, 3)
    write_png(folder / "lab_chart.png", chart)
    write_png(folder / "lab_rgb2lab.png", cv2.cvtColor(chart, cv2.COLOR_RGB2LAB))
    write_png(folder / "lab_lab2rgb.png", cv2.cvtColor(chart, cv2.COLOR_LAB2RGB))

    yy, xx = np.mgrid[0:75, 0:100]
    plane = ((xx * 3 + yy * 2) % 200 + rng.integers(0, 40, (75, 100))).astype(np.uint8)
    write_png(folder / "clahe_input.png", np.repeat(plane[..., None], 3, axis=2))
    clahes = []
    for clip_limit, tiles in [(2.0, 8), (4.0, 3)]:
        name = f"clahe_{clip_limit}_{tiles}.png"
        equalised = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles)).apply(plane)
        write_png(folder / name, np.repeat(equalised[..., None], 3, axis=2))
        clahes.append({"input": "clahe_input.png", "clip_limit": clip_limit, "tiles": tiles, "expected": name})

    write_json(folder / "cases.json", {
        "resize": resizes,
        "lab": {"input": "lab_chart.png", "rgb_to_lab": "lab_rgb2lab.png", "lab_to_rgb": "lab_lab2rgb.png"},
        "clahe": clahes,
    })


# The screening goldens. A threshold with four decimals, as grading_head.py rounds it: 0.4213 is
# 0.42129999... in float32, so a float32 probability equal to it in float32 is below it as a double.
REFERABLE_THRESHOLD = 0.4213
EXACT_THRESHOLD = 0.4375  # exact in binary: a float32 probability can equal it
SCREENING_METADATA = {
    "metadata.json": "a segmentation model (task segmentation, outputs: lesion_probs only)",
    "screening/metadata.json": f"a screening model: four outputs, referable_threshold {REFERABLE_THRESHOLD}",
    "screening/metadata_exact_threshold.json": f"a screening model whose referable_threshold {EXACT_THRESHOLD} is exact in binary",
    "screening/metadata_without_grading.json": "a screening model's metadata without its grading section: the threshold defaults to 0.5",
    "screening/metadata_without_outputs.json": "an old segmentation file: no outputs list and no task, only output",
}


def screening_metadata() -> dict[str, dict]:
    """The metadata files of ``SCREENING_METADATA`` (but the segmentation one), by path."""
    graded = metadata({"referable_threshold": REFERABLE_THRESHOLD})
    old = {key: value for key, value in metadata().items() if key not in ("outputs", "task")}
    return {
        "screening/metadata.json": graded,
        "screening/metadata_exact_threshold.json": metadata({"referable_threshold": EXACT_THRESHOLD}),
        "screening/metadata_without_grading.json": {key: value for key, value in graded.items() if key != "grading"},
        "screening/metadata_without_outputs.json": old,
    }


def f32(value: float) -> float:
    """float32(value), as a model would output it."""
    return float(np.float32(value))


def below(value: float) -> float:
    """The float32 just below float32(value)."""
    return float(np.nextafter(np.float32(value), np.float32(-np.inf)))


def above(value: float) -> float:
    """The float32 just above float32(value)."""
    return float(np.nextafter(np.float32(value), np.float32(np.inf)))


NAN, INF = float("nan"), float("inf")
SCREENING = "screening/metadata.json"
# (name, metadata file, dr_probs, dme_probs, referable_prob); names are JUnit parameter names.
VERDICT_CASES = [
    ("moderate_npdr_refer", SCREENING, [0.05, 0.10, 0.70, 0.10, 0.05], [0.10, 0.85, 0.05], 0.83),
    ("no_dr_no_referral", SCREENING, [0.90, 0.05, 0.03, 0.01, 0.01], [0.95, 0.04, 0.01], 0.04),
    ("mild_npdr", SCREENING, [0.20, 0.55, 0.15, 0.05, 0.05], [0.70, 0.20, 0.10], 0.31),
    ("severe_npdr_dme_near_macula", SCREENING, [0.02, 0.03, 0.15, 0.60, 0.20], [0.10, 0.20, 0.70], 0.91),
    ("pdr", SCREENING, [0.01, 0.02, 0.07, 0.30, 0.60], [0.30, 0.60, 0.10], 0.97),
    ("dr_and_dme_ties_take_the_first", SCREENING, [0.10, 0.35, 0.35, 0.10, 0.10], [0.45, 0.10, 0.45], 0.50),
    ("all_classes_equal", SCREENING, [0.2] * 5, [1 / 3] * 3, 0.20),
    ("ties_in_the_last_classes", SCREENING, [0.10, 0.10, 0.10, 0.35, 0.35], [0.20, 0.40, 0.40], 0.60),
    ("float32_threshold_is_below", SCREENING, [0.3, 0.3, 0.2, 0.1, 0.1], [0.5, 0.3, 0.2], f32(REFERABLE_THRESHOLD)),
    ("float32_just_above_threshold", SCREENING, [0.3, 0.3, 0.2, 0.1, 0.1], [0.5, 0.3, 0.2], above(REFERABLE_THRESHOLD)),
    ("prints_half_even_0125", SCREENING, [0.6, 0.2, 0.1, 0.05, 0.05], [0.9, 0.05, 0.05], 0.125),
    ("prints_half_even_0625", SCREENING, [0.1, 0.1, 0.6, 0.1, 0.1], [0.9, 0.05, 0.05], 0.625),
    ("prints_half_even_0375", SCREENING, [0.6, 0.2, 0.1, 0.05, 0.05], [0.9, 0.05, 0.05], 0.375),
    ("prints_0995_as_one", SCREENING, [0.0, 0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 1.0], 0.995),
    ("certain_referral", SCREENING, [0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0], 1.0),
    ("zero_probability", SCREENING, [1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0], 0.0),
    ("negative_zero", SCREENING, [1.0, 0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0], -0.0),
    ("nan_outputs", SCREENING, [0.1, NAN, 0.5, NAN, 0.1], [NAN, 0.5, 0.5], NAN),
    ("infinite_outputs", SCREENING, [0.1, 0.2, INF, -INF, INF], [-INF, 0.5, 0.5], INF),
    ("exact_threshold_tie", "screening/metadata_exact_threshold.json", [0.1, 0.6, 0.2, 0.05, 0.05], [0.6, 0.3, 0.1], EXACT_THRESHOLD),
    ("exact_threshold_just_below", "screening/metadata_exact_threshold.json", [0.1, 0.6, 0.2, 0.05, 0.05], [0.6, 0.3, 0.1],
     below(EXACT_THRESHOLD)),
    # Referable grades refer below the threshold (outputs.advises_referral); grades just short of referable do not.
    ("moderate_npdr_below_threshold_refers", SCREENING, [0.10, 0.20, 0.50, 0.10, 0.10], [0.90, 0.05, 0.05], 0.10),
    ("pdr_below_threshold_refers", SCREENING, [0.05, 0.05, 0.10, 0.20, 0.60], [0.90, 0.05, 0.05], 0.10),
    ("dme_near_macula_below_threshold_refers", SCREENING, [0.60, 0.30, 0.05, 0.03, 0.02], [0.10, 0.20, 0.70], 0.10),
    ("mild_npdr_dme_away_below_threshold", SCREENING, [0.10, 0.60, 0.20, 0.05, 0.05], [0.10, 0.70, 0.20], 0.10),
    ("default_threshold_tie", "screening/metadata_without_grading.json", [0.1, 0.6, 0.2, 0.05, 0.05], [0.6, 0.3, 0.1], 0.5),
    ("default_threshold_just_below", "screening/metadata_without_grading.json", [0.1, 0.6, 0.2, 0.05, 0.05], [0.6, 0.3, 0.1],
     below(0.5)),
]


def json_number(value: float) -> float | str:
    """``value`` for JSON: a number, or "NaN", "Infinity", "-Infinity" (what Java's Float.parseFloat reads)."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def json_values(data):
    """``data`` with every float made JSON-safe by :func:`json_number`."""
    if isinstance(data, dict):
        return {key: json_values(value) for key, value in data.items()}
    if isinstance(data, list):
        return [json_values(value) for value in data]
    return json_number(data) if isinstance(data, float) else data


def verdict_case(name: str, file: str, info, dr: list[float], dme: list[float], referable: float) -> dict:
    """One case: the float32 grading outputs as a runner returns them, Python's verdict and lines."""
    outputs = {DR_OUTPUT: np.asarray([dr], np.float32), DME_OUTPUT: np.asarray([dme], np.float32),
               REFERABLE_OUTPUT: np.asarray([[referable]], np.float32)}
    case = {"name": name, "metadata": file,
            "outputs": {key: [json_number(float(v)) for v in np.ravel(value)] for key, value in outputs.items()}}
    try:
        verdict = screening_verdict(outputs, info)
    except EdgesegError as error:  # NaN or infinite grades: an error, no verdict
        return {**case, "verdict": None, "lines": [], "error": NON_FINITE if NON_FINITE in str(error) else str(error)}
    return {**case, "verdict": json_values(verdict), "lines": verdict_lines(verdict)}


def tflite_info(file: str, meta: dict):
    """The ``ModelInfo`` edgeseg reads from a ``.tflite`` carrying ``meta`` (the JSON file's path with
    the suffix that names the format)."""
    return info_from_metadata(Path(file).with_suffix(".tflite"), meta)


def metadata_case(file: str, meta: dict) -> dict:
    """What edgeseg's Python reads from one metadata file: ``info_from_metadata``'s task and output
    names, each output's shape and classes as listed, and the threshold ``screening_verdict`` uses."""
    info = tflite_info(file, meta)
    listed = meta.get("outputs", [meta["output"]])
    grades = {name: np.zeros((1, 1), np.float32) for name in GRADING_OUTPUTS}
    return {
        "file": file,
        "about": SCREENING_METADATA[file],
        "task": info.task,
        "outputs": [{"name": name, "shape": item.get("shape", []), "classes": item.get("classes", [])}
                    for name, item in zip(info.outputs, listed)],
        "grades": set(GRADING_OUTPUTS) <= set(info.outputs),
        "referable_threshold": screening_verdict(grades, info)["referable_threshold"],
    }


def write_screening(folder: Path, segmentation: dict) -> None:
    """``screening/``: the screening metadata files, ``model.tflite`` and ``cases.json``."""
    (folder / "screening").mkdir(parents=True, exist_ok=True)
    files = {"metadata.json": segmentation, **screening_metadata()}
    for file, meta in files.items():
        if file != "metadata.json":
            write_json(folder / file, meta)
    (folder / "screening" / "model.tflite").write_bytes(PLACEHOLDER_MODEL)
    embed_tflite(folder / "screening" / "model.tflite", files[SCREENING])
    infos = {file: tflite_info(file, meta) for file, meta in files.items()}
    write_json(folder / "screening" / "cases.json", {
        "dr_names": list(DR_CLASSES),  # the output contract's one home: edgeseg/outputs.py
        "dme_names": list(DME_CLASSES),
        "lesion_output": LESION_OUTPUT,
        "grading_outputs": list(GRADING_OUTPUTS),
        "referable_rule": {"dr_grade_at_least": REFERABLE_DR, "dme_risk_equal": REFERABLE_DME},
        "metadata": [metadata_case(file, meta) for file, meta in files.items()],
        "verdicts": [verdict_case(name, file, infos[file], dr, dme, referable) for name, file, dr, dme, referable in VERDICT_CASES]
                    + [{"name": "segmentation_model_gives_no_verdict", "metadata": "metadata.json", "outputs": {},
                        "verdict": screening_verdict({}, infos["metadata.json"]), "lines": []}],
    })


# The image-quality goldens: a sharp synthetic photograph and copies degraded as
# edgeseg.data.degradations documents, each with Python's measures and the reasons a gate gives.
QUALITY_SIDE = 240  # golden_photograph(240): 240 x 320, its work copy is itself
QUALITY_LARGE_SIDE = 400  # golden_photograph(400): 400 x 533, wider than 512 px: an area-resized work copy
# (name, about, degradations applied in order as (kind, severity); the base photograph).
QUALITY_CASES = [
    ("sharp", "golden_photograph(240), untouched: gradable", (), "small"),
    ("blurred", "Gaussian blur, sigma 3 px at 512 px across the field of view: blurred", (("gaussian_blur", 3.0),), "small"),
    ("dark", "gamma 3 (an under-exposed flash): too dark", (("dark", 3.0),), "small"),
    ("over_exposed", "exposure times 3.5, clipped at 255: over-exposed", (("bright", 3.5),), "small"),
    ("clipped_at_bound", "exposure times 2.5: its clipped share is the gate's bound itself, which passes (bounds are inclusive)",
     (("bright", 2.5),), "small"),
    ("hazy", "a grey veil of weight 0.6 over the field of view: low contrast", (("haze", 0.6),), "small"),
    ("jpeg", "JPEG quality 8, stored as the PNG of the decoded JPEG so that its 8x8 blocks survive: compressed too much",
     (("jpeg", 8.0),), "small"),
    ("cut", "the left 40 % of the field of view blacked out: retina cut by the frame", (("cut", 0.4),), "small"),
    ("frame_cut", "the top and bottom 20 px cut off, as a camera's frame cuts IDRiD's discs: gradable, and the field of view "
     "touches the image's edges, where the blurs read the border (BORDER_REFLECT_101) and the erosion does not erode", (), "frame_cut"),
    ("dark_blurred", "blurred, then darkened: several reasons, in MEASURES order", (("gaussian_blur", 3.0), ("dark", 3.0)), "small"),
    ("large_jpeg", "golden_photograph(400), 533 px wide, JPEG quality 12: the measures on an area-resized work copy, blockiness "
     "at full resolution through the work copy's mask", (("jpeg", 12.0),), "large"),
    ("black", "an all-black image: no field of view, the measures (0, 0, 0, 0, 0, 1)", (), "black"),
]
CLIPPED_AT_BOUND = "clipped_at_bound"
# The gate's bounds; the clipped share's bound is clipped_at_bound's own value (exact in every
# language: a count over a count).
QUALITY_BOUNDS = {"sharpness": {"min": 0.15}, "contrast": {"min": 10.0}, "brightness": {"min": 40.0},
                  "coverage": {"min": 0.85}, "blockiness": {"max": 2.0}}
# Measures a port computes exactly as numpy does (ratios of integer counts and sums); the others
# go through float32 Gaussian blurs, float32 standard deviations and OpenCV's float32 enclosing
# circle, and the ports hold them to a relative tolerance far below QUALITY_MARGIN.
EXACT_MEASURES = ("clipped", "blockiness")
QUALITY_MARGIN = 0.01  # every inexact measure stays this far (relatively) from its bound


def quality_photographs() -> dict[str, np.ndarray]:
    """The photographs of ``QUALITY_CASES``, by name."""
    small = golden_photograph(QUALITY_SIDE)
    bases = {"small": small, "frame_cut": small[20:-20], "large": golden_photograph(QUALITY_LARGE_SIDE),
             "black": np.zeros((48, 64, 3), np.uint8)}
    images = {}
    for name, _, steps, base in QUALITY_CASES:
        image = bases[base]
        for kind, severity in steps:
            image = degrade(image, kind, severity)
        images[name] = image
    return images


def quality_details(image: np.ndarray, field_of_view: FieldOfView) -> dict:
    """The intermediate quantities of ``measure_quality``, so that a port that differs shows where:
    the work copy's size, the field of view's pixels, OpenCV's enclosing radius (float32, with its
    1e-4 margin), the erosion radius and the pixels left after the erosion."""
    mask = field_of_view.small_mask
    details = {"work_width": int(mask.shape[1]), "work_height": int(mask.shape[0]), "scale": field_of_view.scale,
               "mask_pixels": int(mask.sum())}
    if not mask.any():
        return details
    _, radius = cv2.minEnclosingCircle(cv2.findNonZero(mask.astype(np.uint8)))
    inner = _inner_mask(mask, 2.0 * radius)
    return details | {"enclosing_radius": float(radius), "erosion_radius": max(1, int(round(EROSION * 2.0 * radius))),
                      "inner_pixels": int(inner.sum())}


def check_margins(cases: list[dict], bounds: dict) -> None:
    """Fail unless every inexact measure is at least ``QUALITY_MARGIN`` (relative) from its bound,
    so that no port's rounding can flip a reason."""
    for case in cases:
        for name, bound in bounds.items():
            value, (limit,) = case["measures"][name], bound.values()
            if name not in EXACT_MEASURES and abs(value - limit) <= QUALITY_MARGIN * abs(limit):
                raise AssertionError(f"quality golden {case['name']}: {name} {value} is too close to its bound {bound}")


def write_quality(folder: Path) -> None:
    """``quality/``: the photographs as PNG, ``metadata.json`` carrying the gate under
    ``quality_gate`` and ``cases.json`` (Python's measures, details and reasons per photograph)."""
    folder.mkdir(parents=True, exist_ok=True)
    images = quality_photographs()
    measured = {}
    for name, image in images.items():
        field_of_view = FieldOfView.find(image)
        measured[name] = (measure_quality(image, field_of_view), quality_details(image, field_of_view))
    bounds = QUALITY_BOUNDS | {"clipped": {"max": measured[CLIPPED_AT_BOUND][0].clipped}}
    bounds = {name: bounds[name] for name in MEASURES}  # MEASURES order
    meta = metadata(quality_gate=bounds)
    write_json(folder / "metadata.json", meta)
    gate = tflite_info("quality/metadata.json", meta).quality_gate  # read back as edgeseg's predictor reads it
    cases = []
    for name, about, steps, _ in QUALITY_CASES:
        image = images[name]
        write_png(folder / f"{name}.png", image)
        measures, details = measured[name]
        cases.append({"name": name, "about": about, "image": f"{name}.png", "width": int(image.shape[1]), "height": int(image.shape[0]),
                      "degradations": [{"kind": kind, "severity": severity} for kind, severity in steps],
                      "measures": {key: float(value) for key, value in asdict(measures).items()}, "details": details,
                      "reasons": gate.reasons(measures),
                      "message": retake_message(gate.reasons(measures)) if gate.reasons(measures) else None})
    check_margins(cases, bounds)
    if [case["measures"]["clipped"] == bounds["clipped"]["max"] for case in cases].count(True) != 1:
        raise AssertionError("quality golden: exactly one case must sit on the clipped bound")
    write_json(folder / "cases.json", {
        "about": "edgeseg.data.quality.measure_quality on each photograph (full float precision), and the reasons "
                 "QualityGate(metadata.json's quality_gate).reasons gives; bounds are inclusive",
        "measures_table": {name: list(entry) for name, entry in MEASURES.items()},
        "metadata": "metadata.json",
        "gate": bounds,
        "exact_measures": list(EXACT_MEASURES),
        "cases": cases,
    })


FINDINGS_CASES = (
    # (name, about, synthetic seed, mirrored, exudate distance in DD from the located fovea)
    ("near", "a photograph wider than 512 px (its field of view found on a work copy): exudates 0.5 DD from the fovea "
             "(DME risk 2 by location), haemorrhages in four quadrants", 3, False, 0.5),
    ("far", "a left eye (mirrored), its disc cut by the frame above and below (padding at the top of the square): "
            "exudates 2 and 3 DD from the fovea (DME risk 1 by location)", 5, True, 3.0),
)


def findings_maps(anatomy, exudate_dd: float) -> np.ndarray:
    """(L, SIZE, SIZE) float32 maps with round spots placed from the located anatomy: exudates at
    ``exudate_dd`` DD from the fovea, a haemorrhage in each quadrant (two in one), microaneurysms."""
    maps = np.zeros((len(LESIONS), SIZE, SIZE), np.float32)
    spots = {"EX": [(exudate_dd, 2.2, 0.9), (2.0, 4.4, 0.8)],  # the second straddles the 2-DD circle
             "HE": [(1.4, 0.6, 0.8), (1.4, 2.2, 0.7), (1.3, 3.7, 0.9), (1.5, 5.3, 0.6), (0.9, 5.3, 0.95)],
             "MA": [(0.8, 1.0, 0.5), (1.2, 4.0, 0.35)], "SE": []}
    for lesion, points in spots.items():
        for distance, angle, peak in points:
            x = anatomy.fovea_x + distance * anatomy.disc_diameter * np.cos(angle)
            y = anatomy.fovea_y + distance * anatomy.disc_diameter * np.sin(angle)
            cv2.circle(maps[LESIONS.index(lesion)], (int(round(x)), int(round(y))), 1, float(peak), -1)
    return maps


def golden_grader(dme_by_location: bool, features: tuple[str, ...]) -> dict:
    """A grader with seeded coefficients, as its data (the DME head by location or softmax)."""
    from edgeseg.screening.grader import DmeByLocation, Grader, Head

    rng = np.random.default_rng(20261206 + dme_by_location)
    head = lambda classes: Head(rng.normal(0, 0.4, (classes, len(features))), rng.normal(0, 0.5, classes))  # noqa: E731
    dme = DmeByLocation(head(1), 1.0, 1e-4) if dme_by_location else head(3)
    return Grader(features, head(5), dme, head(1), 0.4).as_dict()


def write_findings(folder: Path) -> None:
    """``findings/``: synthetic photographs (PNG), lesion maps placed from the anatomy Python
    locates on their model squares (float32 gz), and ``cases.json``: the square's field of view,
    the disc and fovea, the findings, their words, the features and two graders' outputs; and
    ``metadata.json``: the golden metadata carrying the ``by_location`` grader, with each case's
    verdict as ``edgeseg predict`` gives it from that file (``verdict``)."""
    from edgeseg.predict.predictor import Prediction
    from edgeseg.predict.summary import lesion_masks, summarise
    from edgeseg.predict.verdict import findings_record, photograph_findings, square_field
    from edgeseg.screening import anatomy as anatomy_module
    from edgeseg.screening.anatomy import locate_anatomy
    from edgeseg.screening.findings import NEAR_DD, QUADRANT_LESIONS, QUADRANTS
    from edgeseg.screening.grader import FEATURES, Grader, feature_vector
    from edgeseg.screening.words import finding_words

    folder.mkdir(parents=True, exist_ok=True)
    meta = metadata()
    preprocessing = Preprocessing.from_dict(meta["preprocessing"])
    graders = {name: golden_grader(name == "by_location", tuple(FEATURES)) for name in ("by_location", "softmax")}
    graded_meta = metadata(grader=graders["by_location"])
    write_json(folder / "metadata.json", graded_meta)
    graded_info = tflite_info("findings/metadata.json", graded_meta)
    cases = []
    for name, about, seed, mirrored, exudate_dd in FINDINGS_CASES:
        image = make_fundus((300, 400) if mirrored else (450, 600), seed=seed, lesion_counts={lesion: 0 for lesion in LESIONS}).image
        image = np.ascontiguousarray(image[40:265, ::-1]) if mirrored else image
        prepared = preprocessing.prepare(image)
        field = square_field(prepared.field_of_view, preprocessing, prepared.geometry)
        anatomy = locate_anatomy(prepared.square, field)
        maps = findings_maps(anatomy, exudate_dd)
        prediction = Prediction(LESIONS, maps, prepared.geometry, preprocessing, prepared.field_of_view, {}, 0.0, prepared.square)
        findings = photograph_findings(prediction, THRESHOLDS)
        summary = summarise(prediction, THRESHOLDS, *lesion_masks(prediction, THRESHOLDS))["lesions"]
        write_png(folder / f"{name}.png", image)
        write_floats_gz(folder / f"{name}_maps_f32.bin.gz", maps)
        cases.append({
            "name": name, "about": about, "image": f"{name}.png", "maps": f"{name}_maps_f32.bin.gz",
            "field_pixels": int(field.sum()), "field_rows": [int(v) for v in field.sum(axis=1)],
            "anatomy": {"disc_x": anatomy.disc_x, "disc_y": anatomy.disc_y, "disc_diameter": anatomy.disc_diameter,
                        "fovea_x": anatomy.fovea_x, "fovea_y": anatomy.fovea_y},
            "lesions": {lesion: {"components": count.components, "area_share": count.area_share, "max_probability": count.max_probability}
                        for lesion, count in findings.lesions.items()},
            "per_quadrant": findings.per_quadrant, "exudate_distance_dd": findings.exudate_distance_dd,
            "exudates_within_dd": {f"{dd:g}": share for dd, share in findings.exudates_within_dd.items()},
            "summary": {lesion: {key: entry[key] for key in ("area_share_of_fov", "components", "max_probability")}
                        for lesion, entry in summary.items()},
            "words": finding_words(findings, summary),
            "record": {key: findings_record(findings, prediction, summary)[key] for key in ("optic_disc", "fovea")},  # rounded to 0.1 px
            "features": dict(zip(FEATURES, feature_vector(findings, summary, tuple(FEATURES)).tolist())),
            "graded": {grader: {key: np.asarray(value).tolist() for key, value in Grader.from_dict(data).grade(findings, summary).items()}
                       for grader, data in graders.items()},
            "verdict": json_values(screening_verdict({}, graded_info, findings, summary)),
        })
    if cases[0]["exudate_distance_dd"] > 1.0 or cases[1]["exudate_distance_dd"] <= 1.0:
        raise AssertionError("findings golden: the near case must put exudates within 1 DD, the far case beyond")
    write_json(folder / "cases.json", {
        "about": "edgeseg.screening on synthetic photographs through the golden metadata's preprocessing (metadata.json): "
                 "square_field, locate_anatomy, find_findings, finding_words, feature_vector and Grader.grade",
        "metadata": "metadata.json",
        "thresholds": THRESHOLDS,
        "constants": {"disc_diameter_share": anatomy_module.DISC_DIAMETER_SHARE, "disc_inner": anatomy_module.DISC_INNER,
                      "disc_outer": anatomy_module.DISC_OUTER, "fovea_distance": anatomy_module.FOVEA_DISTANCE,
                      "fovea_drop": anatomy_module.FOVEA_DROP, "fovea_search": anatomy_module.FOVEA_SEARCH,
                      "min_field_share": anatomy_module.MIN_FIELD_SHARE, "quadrants": list(QUADRANTS),
                      "quadrant_lesions": list(QUADRANT_LESIONS), "near_dd": list(NEAR_DD)},
        "feature_names": list(FEATURES),
        "graders": graders,
        "cases": cases,
    })


def write_floats_gz(path: Path, array: np.ndarray) -> None:
    """``array`` as gzip-compressed float32 little-endian, C order (no time stamp: reruns are equal)."""
    path.write_bytes(gzip.compress(np.ascontiguousarray(array).astype("<f4").tobytes(), mtime=0))


def write_png(path: Path, rgb: np.ndarray) -> None:
    path.write_bytes(encode_image(rgb, ".png"))


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def main(folder: Path = DEFAULT_FOLDER) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = metadata()
    write_json(folder / "metadata.json", meta)
    (folder / "model.tflite").write_bytes(PLACEHOLDER_MODEL)
    embed_tflite(folder / "model.tflite", meta)
    preprocessing = Preprocessing.from_dict(meta["preprocessing"])
    for name, image in photographs().items():
        write_photograph(folder / name, image, preprocessing, meta, with_output=name == "photograph",
                         extra_layouts=EXTRA_LAYOUTS.get(name, ()))
    write_opencv_cases(folder / "opencv")
    write_screening(folder, meta)
    write_quality(folder / "quality")
    write_findings(folder / "findings")
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help=f"where to write them (default: {DEFAULT_FOLDER})")
    print(main(parser.parse_args().folder))
