"""The Android demo's pure-Java library (android_demo/fundus-core) passes its JUnit tests on the
JVM: its preprocessing and post-processing reproduce edgeseg's Python on the committed golden
vectors (which tests/android/test_golden_fresh.py keeps current)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "android_demo" / "fundus-core" / "run_jvm_tests.sh"


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK (javac) on this machine; the JVM tests need JDK 11+")
def test_fundus_core_junit_suite_passes():
    done = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " 0 failed" in done.stdout
