"""Each known fault put into the Android library's Java (padding at 0 or rounded up, NCHW indexed
wrongly; the screening verdict referring at ``>`` or in float32, argmax ties to the last class,
class names off by one, ``String.format`` rounding, the metadata's threshold or defaults lost; the findings' quadrants,
fovea side, square field and exudate radius, and the grader's DME by location)
fails its JVM golden tests: ``android_demo/tools/check_faults.py`` applies them one at a time to
a temporary copy of fundus-core. Slow (a JVM suite run per fault, 26 faults, about 4.5 minutes)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "android_demo" / "tools" / "check_faults.py"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK (javac) on this machine; the JVM tests need JDK 11+")
def test_every_known_fault_fails_the_jvm_suite():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "NOT AS EXPECTED" not in done.stdout
