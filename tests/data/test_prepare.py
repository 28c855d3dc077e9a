from __future__ import annotations

import json

import numpy as np
import pytest

from edgeseg.cli import main
from edgeseg.data.folder import read_folder
from edgeseg.errors import DataError
from edgeseg.fileio import read_image


def _prepare(fake_idrid, out, size=160):
    return main(["data", "prepare", "--idrid", str(fake_idrid), "--out", str(out), "--longest-side", str(size), "--workers", "1"])


def test_prepare_writes_generic_layout_and_manifest(fake_idrid, tmp_path, capsys):
    out = tmp_path / "prepared"
    assert _prepare(fake_idrid, out) == 0
    assert "3 train, 2 test images" in capsys.readouterr().out
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["splits"]["train"]["images"] == 3 and manifest["splits"]["test"]["masks"]["SE"] == 1
    assert "CC-BY 4.0" in manifest["credit"]
    train = read_folder(out, "train")
    image = read_image(train[0].image)
    assert max(image.shape[:2]) == 160
    masks = train[0].load_masks(image.shape[:2])
    assert masks[0].any() and not masks[3].any()
    mean = np.array(manifest["mean_std"]["rgb"]["mean"])
    assert mean[0] > mean[1] > mean[2] > 0  # red-dominant fundus
    assert manifest["ma_survival"]["survived"] == manifest["ma_survival"]["components"]
    record = manifest["images"]["train"][0]
    assert record["lesions"]["MA"]["components"] > 0 and len(record["fov_box"]) == 4


def test_rerun_is_a_no_op(fake_idrid, tmp_path, capsys):
    out = tmp_path / "prepared"
    assert _prepare(fake_idrid, out) == 0
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert _prepare(fake_idrid, out) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_new_size_rewrites_the_copy(fake_idrid, tmp_path):
    out = tmp_path / "prepared"
    assert _prepare(fake_idrid, out, 160) == 0
    assert _prepare(fake_idrid, out, 128) == 0
    assert max(read_image(read_folder(out, "test")[0].image).shape[:2]) == 128


def test_bad_input_writes_nothing(fake_idrid, tmp_path, capsys):
    image = fake_idrid / "A. Segmentation" / "1. Original Images" / "b. Testing Set" / "IDRiD_56.jpg"
    image.write_bytes(image.read_bytes()[:-300])
    out = tmp_path / "prepared"
    assert _prepare(fake_idrid, out) == 1
    error = capsys.readouterr().err
    assert "IDRiD_56.jpg: truncated JPEG" in error and error.count("\n") == 1
    assert not out.exists()


def test_interrupted_write_leaves_no_partial_file(fake_idrid, tmp_path, monkeypatch):
    import edgeseg.data.prepare as prepare_module

    calls = {"n": 0}
    real = prepare_module.atomic_write_bytes

    def failing(target, data):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        real(target, data)

    monkeypatch.setattr(prepare_module, "atomic_write_bytes", failing)
    out = tmp_path / "prepared"
    assert _prepare(fake_idrid, out) == 130
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) == 3 and not any(p.name.endswith(".tmp") for p in files)
    assert not (out / "manifest.json").exists()
    monkeypatch.setattr(prepare_module, "atomic_write_bytes", real)
    assert _prepare(fake_idrid, out) == 0  # a re-run completes the copy
    assert (out / "manifest.json").exists()


def test_refuses_a_foreign_non_empty_folder(fake_idrid, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    from edgeseg.data.idrid import read_idrid_segmentation
    from edgeseg.data.prepare import prepare_dataset

    with pytest.raises(DataError, match="holds no manifest.json"):
        prepare_dataset(read_idrid_segmentation(fake_idrid, "test"), out, 128, {"name": "x"}, workers=1)


def test_prepare_from_a_generic_folder(synthetic_root, tmp_path):
    out = tmp_path / "small"
    assert main(["data", "prepare", "--folder", str(synthetic_root), "--out", str(out), "--longest-side", "96", "--workers", "1"]) == 0
    assert len(read_folder(out, "train")) == 6 and len(read_folder(out, "test")) == 3
