"""The fault catalogue (issue #35): every fault still applies to the code as it is, the catalogue
spans the three languages, docs/faults.md is its table, and (slow, CI's second step) every fault
is caught by the tests named for it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.catalogue import FAULTS
from tests.faults.check import markdown

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: f"{fault.language}: {fault.name}")
def test_each_fault_still_applies_once(fault):
    assert (ROOT / fault.file).read_text().count(fault.old) == 1, (
        f"{fault.file} no longer holds `{fault.old}` once: update the fault in tests/faults/catalogue.py with the code")
    assert fault.new != fault.old


def test_the_catalogue_spans_python_javascript_and_java():
    counts = {language: sum(fault.language == language for fault in FAULTS) for language in ("python", "javascript", "java")}
    assert len(FAULTS) >= 50 and min(counts.values()) >= 10, counts
    assert len({(fault.language, fault.name) for fault in FAULTS}) == len(FAULTS), "two faults share a name"


def test_docs_faults_is_the_catalogues_table():
    assert (ROOT / "docs" / "faults.md").read_text() == markdown(FAULTS), (
        "docs/faults.md is stale: python -m tests.faults.check --markdown > docs/faults.md")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("javac") is None or shutil.which("node") is None,
                    reason="the catalogue needs a JDK (javac, JDK 11+) and Node.js for its Java and JavaScript faults")
def test_every_fault_is_caught():
    done = subprocess.run([sys.executable, "-m", "tests.faults.check"], cwd=ROOT, capture_output=True, text=True, timeout=3000)
    print(done.stdout[-6000:])
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "NOT CAUGHT" not in done.stdout
