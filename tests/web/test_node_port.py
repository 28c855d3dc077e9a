"""The JavaScript port of edgeseg's preprocessing and post-processing (web_demo/src/fundus) runs
its node tests (web_demo/spec: the android_demo golden vectors, bit for bit), and its map-back of
probability maps onto the photograph equals cv2.resize's, float for float."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from edgeseg.inference.fov import Box
from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry
from edgeseg.web.build import WEB_DEMO

needs_node = pytest.mark.skipif(shutil.which("node") is None or not (WEB_DEMO / "node_modules" / "pngjs").is_dir(),
                                reason=f"node or the web_demo packages are missing (Node 20, then `npm ci` in {WEB_DEMO})")

MAP_BACK = """
import { readFileSync, writeFileSync } from 'node:fs';
import { mapBackRows } from './src/fundus/summary.js';
const [folder] = process.argv.slice(1);
const cases = JSON.parse(readFileSync(`${folder}/cases.json`, 'utf8'));
for (const [index, { size, geometry }] of cases.entries()) {
  const bytes = readFileSync(`${folder}/map${index}.bin`);
  const map = new Float32Array(bytes.buffer, bytes.byteOffset, size * size);
  const rows = mapBackRows(map, size, geometry);
  const width = geometry.box.x1 - geometry.box.x0;
  const height = geometry.box.y1 - geometry.box.y0;
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) out.set(rows(y), y * width);
  writeFileSync(`${folder}/restored${index}.bin`, out);
}
"""


@needs_node
def test_javascript_port_passes_its_node_tests() -> None:
    done = subprocess.run(["node", "--test", "spec/"], cwd=WEB_DEMO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout


def python_map_back(probabilities: np.ndarray, geometry: dict) -> np.ndarray:
    """edgeseg's own map back (``Preprocessing.to_box``, what ``edgeseg predict`` runs) for one
    channel, on the field-of-view box of the page's ``geometry``."""
    box = geometry["box"]
    side = geometry["side"]
    width, height = box["x1"] - box["x0"], box["y1"] - box["y0"]
    square = SquareGeometry(box["x1"], box["y1"], Box(box["x0"], box["y0"], box["x1"], box["y1"]), side or max(width, height),
                            geometry["padTop"], geometry["padLeft"], probabilities.shape[0])
    preprocessing = Preprocessing(size=probabilities.shape[0], clahe=False, mean=(0.0,) * 3, std=(1.0,) * 3, pad_square=bool(side))
    return preprocessing.to_box(probabilities, square)


def _opencv_map_back(probabilities: np.ndarray, geometry: dict) -> tuple[np.ndarray, bool]:
    """OpenCV's map back of one case, and whether the port must equal it bit for bit: when
    Intel IPP served the call (its result differs from OpenCV's own kernel), the port follows
    IPP's rounding exactly; OpenCV's own kernel (a*w0 + b*w1, where the port computes
    a + (b - a)*t) may differ in the last bit. Whether IPP serves a call depends on the CPU:
    on an AVX2-only AMD EPYC, IPP was on but the exact 2x reduction went to OpenCV's kernel."""
    using_ipp = cv2.ipp.useIPP()
    try:
        cv2.ipp.setUseIPP(False)
        own = python_map_back(probabilities, geometry)
    finally:
        cv2.ipp.setUseIPP(using_ipp)
    if not using_ipp:
        return own, False
    served = python_map_back(probabilities, geometry)
    return served, not np.array_equal(served, own)


@needs_node
def test_map_back_equals_opencv_bilinear_resize(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    geometries = [
        {"box": {"x0": 254, "y0": 0, "x1": 3707, "y1": 2848}, "padTop": 302, "padLeft": 0, "side": 3453},  # IDRiD 4288x2848
        {"box": {"x0": 4, "y0": 13, "x1": 98, "y1": 150}, "padTop": 0, "padLeft": 21, "side": 137},  # taller than wide, odd padding
        {"box": {"x0": 0, "y0": 0, "x1": 96, "y1": 80}, "padTop": 8, "padLeft": 0, "side": 96},  # smaller than the model
        {"box": {"x0": 0, "y0": 0, "x1": 64, "y1": 64}, "padTop": 0, "padLeft": 0, "side": 64},  # exactly half the model's size
        {"box": {"x0": 10, "y0": 5, "x1": 410, "y1": 305}, "padTop": 0, "padLeft": 0, "side": 0},  # pad_square off
    ]
    cases = []
    for index, geometry in enumerate(geometries):
        size = 512 if index == 0 else 128
        probabilities = rng.random((size, size), dtype=np.float32) ** 3
        probabilities.astype("<f4").tofile(tmp_path / f"map{index}.bin")
        cases.append({"size": size, "geometry": geometry})
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    done = subprocess.run(["node", "--input-type=module", "-e", MAP_BACK, str(tmp_path)], cwd=WEB_DEMO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for index, case in enumerate(cases):
        probabilities = np.fromfile(tmp_path / f"map{index}.bin", "<f4").reshape(case["size"], case["size"])
        expected, exact = _opencv_map_back(probabilities, case["geometry"])
        restored = np.fromfile(tmp_path / f"restored{index}.bin", "<f4").reshape(expected.shape)
        differing = int(np.count_nonzero(restored != expected))
        largest = float(np.abs(restored - expected).max())
        assert (differing == 0) if exact else (largest <= 2e-7), f"case {index}: {differing} of {expected.size} values differ, by up to {largest}"


def test_the_page_and_the_android_library_give_pythons_message_for_broken_grades() -> None:
    """NaN or infinite grades are one error in the three ports, with one message."""
    from edgeseg.predict.verdict import NON_FINITE

    assert f"export const NON_FINITE = '{NON_FINITE}';" in (WEB_DEMO / "src" / "fundus" / "grading.js").read_text()
    java = WEB_DEMO.parent / "android_demo" / "fundus-core" / "src" / "main" / "java" / "org" / "edgeseg" / "fundus" / "ScreeningVerdict.java"
    assert f'NON_FINITE = "{NON_FINITE}";' in java.read_text()
