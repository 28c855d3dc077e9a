"""Checks on the real IDRiD copy (skipped where ../shared/data is absent)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter

import pytest

from edgeseg.data.idrid import idrid_overlap, read_idrid_grading, read_idrid_segmentation

EXPECTED_MASKS = {
    "train": {"MA": 54, "HE": 53, "EX": 54, "SE": 26, "OD": 54},
    "test": {"MA": 27, "HE": 27, "EX": 27, "SE": 14, "OD": 27},
}


@pytest.mark.parametrize("split, images", [("train", 54), ("test", 27)])
def test_segmentation_counts(idrid_root, split, images):
    samples = read_idrid_segmentation(idrid_root, split)
    assert len(samples) == images
    assert dict(Counter(lesion for s in samples for lesion in s.masks)) == EXPECTED_MASKS[split]


def test_the_rgba_exudate_mask_is_read(idrid_root):
    sample = read_idrid_segmentation(idrid_root, "test")[-1]
    assert sample.stem == "IDRiD_81"
    mask = sample.load_masks((2848, 4288), ("EX",))
    assert 0 < mask.mean() < 0.05


def test_grading_labels(idrid_root):
    train, test = read_idrid_grading(idrid_root, "train"), read_idrid_grading(idrid_root, "test")
    assert (len(train), len(test)) == (413, 103)
    assert [Counter(s.dr for s in train)[g] for g in range(5)] == [134, 20, 136, 74, 49]
    assert [Counter(s.dme for s in test)[g] for g in range(3)] == [45, 10, 48]


def test_overlap_between_parts(idrid_root):
    pairs = idrid_overlap(idrid_root)
    crossing = Counter((p.segmentation_split, p.grading_split) for p in pairs)
    assert crossing[("test", "train")] == 15 and crossing[("train", "test")] == 3


@pytest.mark.slow
def test_prepare_full_idrid_at_1440(idrid_root, tmp_path):
    """Acceptance: under 5 minutes, 54 + 27 images, >= 99 % of MA components, re-run is a no-op."""
    out = tmp_path / "idrid1440"
    command = [sys.executable, "-m", "edgeseg", "data", "prepare", "--idrid", str(idrid_root), "--out", str(out), "--longest-side", "1440"]
    start = time.monotonic()
    first = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    assert first.returncode == 0, first.stderr
    assert elapsed < 300
    assert "54 train, 27 test images" in first.stdout
    import json

    survival = json.loads((out / "manifest.json").read_text())["ma_survival"]
    assert survival["survived"] >= 0.99 * survival["components"]
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    second = subprocess.run(command, capture_output=True, text=True)
    assert second.returncode == 0 and "nothing to do" in second.stdout
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
