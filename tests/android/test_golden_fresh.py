"""The golden vectors committed for the Android library's JVM tests are what the Python makes now.

``tools/make_golden.py`` writes them from edgeseg's preprocessing, post-processing
and metadata code. This test reruns it into a temporary folder and compares file by file, by
content (JSON as data, PNG as pixels, gzip as its decompressed bytes, ``model.tflite`` as its
placeholder bytes and embedded metadata), so that changing the Python without regenerating the
goldens fails here rather than leaving the Java port checked against an old reference.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
from pathlib import Path

import cv2
import numpy as np

from edgeseg.export import read_metadata

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "make_golden.py"
REMEDY = "rerun `python tools/make_golden.py`, then `bash android_demo/fundus-core/run_jvm_tests.sh`"


def load_script():
    spec = importlib.util.spec_from_file_location("make_golden", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def pixels(path: Path) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)


def same_data(committed, fresh) -> bool:
    """JSON data equal, floats within 1e-6 relative: the quality goldens hold OpenCV blurs and BLAS
    sums, whose last bits may differ between CPUs' vector units (the ports are held to 1e-5)."""
    if isinstance(committed, float) or isinstance(fresh, float):
        return isinstance(committed, (int, float)) and isinstance(fresh, (int, float)) and math.isclose(committed, fresh, rel_tol=1e-6, abs_tol=1e-12)
    if isinstance(committed, dict):
        return isinstance(fresh, dict) and committed.keys() == fresh.keys() and all(same_data(committed[k], fresh[k]) for k in committed)
    if isinstance(committed, list):
        return isinstance(fresh, list) and len(committed) == len(fresh) and all(same_data(a, b) for a, b in zip(committed, fresh))
    return committed == fresh


def same_content(committed: Path, fresh: Path, placeholder: bytes) -> bool:
    if committed.suffix == ".json":
        return same_data(json.loads(committed.read_text()), json.loads(fresh.read_text()))
    if committed.suffix == ".png":
        return np.array_equal(pixels(committed), pixels(fresh))
    if committed.suffix == ".gz":
        return gzip.decompress(committed.read_bytes()) == gzip.decompress(fresh.read_bytes())
    if committed.suffix == ".tflite":
        # The appended ZIP records the time it was written; its content and the bytes before it count.
        return committed.read_bytes().startswith(placeholder) and read_metadata(committed) == read_metadata(fresh)
    return committed.read_bytes() == fresh.read_bytes()


def test_committed_goldens_equal_a_fresh_run(tmp_path: Path) -> None:
    script = load_script()
    fresh = script.main(tmp_path / "golden")
    committed = script.DEFAULT_FOLDER
    assert files(committed) == files(fresh), f"the golden files changed; {REMEDY}"
    stale = [name for name in files(fresh) if not same_content(committed / name, fresh / name, script.PLACEHOLDER_MODEL)]
    assert not stale, f"stale golden vectors {stale}; {REMEDY}"
