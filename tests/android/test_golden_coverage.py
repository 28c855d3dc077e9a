"""The committed golden vectors cover the square geometry that the Java and JavaScript ports must
get right, so that a port padding at 0, rounding the padding up, or laying out an NCHW input
wrongly fails its golden tests (issue #17).

A square pads one axis only (its side is the field-of-view box's longer side), so the cases are
two photographs: ``tall/`` (box taller than wide) and ``flat/`` (box wider than tall), each by an
odd number of pixels, where floor and ceil of half the difference differ. ``test_golden_fresh``
keeps the files equal to what ``tools/make_golden.py`` writes now; this test fails
when a change there (or in the field-of-view detection) leaves the differences even or zero.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parents[2] / "export" / "golden"


def case(name: str) -> dict:
    return json.loads((GOLDEN / name / "golden.json").read_text())


def floats(name: str, entry: dict) -> np.ndarray:
    return np.frombuffer(gzip.decompress((GOLDEN / name / entry["file"]).read_bytes()), "<f4").reshape(entry["shape"])


def box_size(golden: dict) -> tuple[int, int]:
    x0, y0, x1, y1 = golden["field_of_view_box"]
    return x1 - x0, y1 - y0


def test_tall_box_needs_an_odd_left_padding() -> None:
    golden = case("tall")
    width, height = box_size(golden)
    side, left = golden["square"]["side"], golden["square"]["pad_left"]
    assert golden["image"]["height"] > golden["image"]["width"], "tall/: the photograph must be taller than wide"
    assert side == height > width and (side - width) % 2 == 1, f"tall/: side {side} - box width {width} must be odd"
    assert left == (side - width) // 2 > 0 and golden["square"]["pad_top"] == 0


def test_flat_box_needs_an_odd_top_padding() -> None:
    golden = case("flat")
    width, height = box_size(golden)
    side, top = golden["square"]["side"], golden["square"]["pad_top"]
    assert side == width > height and (side - height) % 2 == 1, f"flat/: side {side} - box height {height} must be odd"
    assert top == (side - height) // 2 > 0 and golden["square"]["pad_left"] == 0


def test_nchw_input_is_the_nhwc_input_transposed() -> None:
    golden = case("tall")
    size = golden["square"]["size"]
    nhwc, nchw = golden["input"], golden["input_nchw"]
    assert golden["layout"] == "nhwc" and nchw["layout"] == "nchw"
    assert nhwc["shape"] == [1, size, size, 3] and nchw["shape"] == [1, 3, size, size]
    pixels = floats("tall", nhwc)
    assert np.array_equal(floats("tall", nchw), pixels.transpose(0, 3, 1, 2))
    # Not symmetric under a swap of height and width or of channels, so such a layout fault shows.
    assert not np.array_equal(pixels, pixels.transpose(0, 2, 1, 3)) and not np.array_equal(pixels, pixels[..., ::-1])
