"""`edgeseg data prepare --grading`: the graded photographs, their grades and the leaks between
IDRiD's parts, on a miniature IDRiD folder with planted copies."""

from __future__ import annotations

import json
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from edgeseg.cli import main
from edgeseg.data.copies import link_groups, near_duplicates, photograph_thumbnail, thumbnail
from edgeseg.data.folder import read_folder, read_grades
from edgeseg.data.grading import copy_groups, training_copies_of_test, training_groups
from edgeseg.data.idrid import GRADING_CSV, GRADING_DIR
from edgeseg.data.synthetic import make_fundus
from edgeseg.fileio import read_image
from tests.idrid_fixture import plant_grading_copies

@pytest.fixture()
def planted_idrid(fake_idrid):
    return plant_grading_copies(fake_idrid)


def _prepare(root, out, *extra):
    return main(["data", "prepare", "--idrid", str(root), "--out", str(out), "--longest-side", "96", "--workers", "1", *extra])


def test_grading_part_grades_and_leaks(planted_idrid, tmp_path, capsys):
    out = tmp_path / "prepared"
    assert _prepare(planted_idrid, out, "--grading") == 0
    printed = capsys.readouterr().out
    assert "IDRiD_001: copy of grading-training IDRiD_001" in printed
    manifest = json.loads((out / "manifest.json").read_text())
    grading = manifest["grading"]
    assert set(grading["leaky_test"]) == {"IDRiD_001", "IDRiD_002"}
    assert "segmentation-training IDRiD_02" in grading["leaky_test"]["IDRiD_002"]
    assert grading["grading_duplicates"] == [
        {"first": "grading/test/IDRiD_001", "second": "grading/train/IDRiD_001", "correlation": pytest.approx(1.0, abs=1e-3)}
    ]
    assert set(grading["segmentation_grades"]["withheld"]) == {"IDRiD_02"}
    assert set(grading["leaky_segmentation_test"]) == {"IDRiD_55"}
    assert grading["splits"]["train"]["dr"] == [0, 1, 1, 1, 1]
    # grades: the official labels per grading split; segmentation training only through its copies
    assert read_grades(out / "grading" / "train") == {f"IDRiD_{n:03d}": (n % 5, n % 3) for n in range(1, 5)}
    assert read_grades(out / "grading" / "test") == {f"IDRiD_{n:03d}": (n % 5, n % 3) for n in range(1, 3)}
    assert read_grades(out / "train") == {"IDRiD_01": (3, 0)}
    assert not (out / "test" / "grades.csv").exists()
    # the graded photographs are cropped and resized like the segmentation ones
    graded = read_folder(out / "grading", "train")
    assert [sample.stem for sample in graded] == [f"IDRiD_{n:03d}" for n in range(1, 5)]
    assert max(read_image(graded[0].image).shape[:2]) == 96 and not graded[0].masks
    assert manifest["splits"]["grading/test"]["images"] == 2
    assert {"grading/train/grades.csv", "train/grades.csv"} <= set(manifest["files"])


def test_segmentation_part_is_unchanged_by_grading(planted_idrid, tmp_path):
    assert _prepare(planted_idrid, tmp_path / "plain") == 0
    assert _prepare(planted_idrid, tmp_path / "graded", "--grading") == 0
    plain = json.loads((tmp_path / "plain" / "manifest.json").read_text())
    graded = json.loads((tmp_path / "graded" / "manifest.json").read_text())
    assert plain["mean_std"] == graded["mean_std"] and plain["images"]["train"] == graded["images"]["train"]
    for name in plain["files"]:
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "graded" / name).read_bytes(), name
    assert "grading" not in plain and not (tmp_path / "plain" / "train" / "grades.csv").exists()


def test_rerun_is_a_no_op_and_a_changed_label_file_rewrites(planted_idrid, tmp_path, capsys):
    out = tmp_path / "prepared"
    assert _prepare(planted_idrid, out, "--grading") == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert _prepare(planted_idrid, out, "--grading") == 0
    assert "nothing to do" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    labels = planted_idrid / GRADING_DIR / "2. Groundtruths" / GRADING_CSV["train"]
    labels.write_text(labels.read_text().replace("IDRiD_003,3,0", "IDRiD_003,4,2"))
    os.utime(labels, ns=(labels.stat().st_atime_ns, labels.stat().st_mtime_ns + 10**9))
    assert _prepare(planted_idrid, out, "--grading") == 0
    assert read_grades(out / "train") == {"IDRiD_01": (4, 2)}
    # without --grading the grading files go, and the manifest no longer describes them
    assert _prepare(planted_idrid, out) == 0
    assert not (out / "grading").exists() or not any((out / "grading").rglob("*.jpg"))
    assert "grading" not in json.loads((out / "manifest.json").read_text())


def test_grading_needs_idrid(synthetic_root, tmp_path, capsys):
    assert main(["data", "prepare", "--folder", str(synthetic_root), "--out", str(tmp_path / "x"), "--grading"]) == 1
    assert "--grading prepares IDRiD's disease-grading part; use it with --idrid" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_copy_found_through_recompression_and_a_brightness_change(tmp_path):
    photograph = make_fundus((416, 640), seed=7).image
    other = make_fundus((416, 640), seed=8).image  # same generator, another eye: similar, not a copy
    copy = np.clip(photograph.astype(np.int16) + 6, 0, 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "copy.jpg"), cv2.cvtColor(copy, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    Image.fromarray(photograph).save(tmp_path / "original.png")
    thumbnails = {"original": photograph_thumbnail(tmp_path / "original.png"), "copy": photograph_thumbnail(tmp_path / "copy.jpg"),
                  "other": thumbnail(other)}
    assert [pair[:2] for pair in near_duplicates(thumbnails)] == [("copy", "original")]


def test_link_groups_follow_chains():
    groups = link_groups([("b", "c"), ("d", "c"), ("x", "y")])
    assert groups == {"b": "b", "c": "b", "d": "b", "x": "x", "y": "x"}


def test_training_groups_and_withheld_stems_from_the_manifest(planted_idrid, tmp_path):
    out = tmp_path / "prepared"
    assert _prepare(planted_idrid, out, "--grading") == 0
    manifest = json.loads((out / "manifest.json").read_text())
    segmentation, graded = training_groups(manifest, ["IDRiD_01", "IDRiD_03"], ["IDRiD_001", "IDRiD_003"])
    assert segmentation[0] == graded[1]  # segmentation IDRiD_01 is grading IDRiD_003
    assert len({*segmentation, *graded}) == 3
    assert training_copies_of_test(manifest) == {"IDRiD_02"}
    assert copy_groups(None) == {} and training_copies_of_test(None) == set()


def test_real_idrid_leaky_test_photographs(idrid_root):
    """The 6 grading copies the data README lists, found from the pixels, and the 4 leaky test
    photographs of issue #19 (3 from the overlap table, 1 from the pixels)."""
    from edgeseg.data.grading import grading_duplicates, leaky_test_photographs
    from edgeseg.data.idrid import idrid_overlap

    duplicates = grading_duplicates(idrid_root)
    assert len(duplicates) == 6
    assert ("grading/test/IDRiD_064", "grading/train/IDRiD_118") in [pair[:2] for pair in duplicates]
    leaky = leaky_test_photographs(idrid_overlap(idrid_root), duplicates)
    assert sorted(leaky) == ["IDRiD_064", "IDRiD_088", "IDRiD_089", "IDRiD_091"]


def test_bad_grading_input_writes_nothing(planted_idrid, tmp_path, capsys):
    image = planted_idrid / GRADING_DIR / "1. Original Images" / "b. Testing Set" / "IDRiD_002.jpg"
    image.write_bytes(image.read_bytes()[:-200])
    assert _prepare(planted_idrid, tmp_path / "truncated", "--grading") == 1
    error = capsys.readouterr().err
    assert "IDRiD_002.jpg: truncated JPEG" in error and error.count("\n") == 1
    assert not (tmp_path / "truncated").exists()
    (planted_idrid / "segmentation_to_grading_nearest.csv").unlink()
    assert _prepare(planted_idrid, tmp_path / "no_overlap", "--grading") == 1
    assert "segmentation_to_grading_nearest.csv: file not found" in capsys.readouterr().err
    assert not (tmp_path / "no_overlap").exists()
