from __future__ import annotations

import shutil

import numpy as np
from PIL import Image

from edgeseg.cli import main


def _copy(synthetic_root, tmp_path):
    root = tmp_path / "data"
    shutil.copytree(synthetic_root, root)
    return root


def test_clean_dataset_passes(synthetic_root, capsys):
    assert main(["data", "check", str(synthetic_root), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "No problems found" in out and "128x128 (6)" in out


def test_truncated_jpeg_and_wrong_size_mask_are_both_named(synthetic_root, tmp_path, capsys):
    """Acceptance: a truncated JPEG and a mask of the wrong size are named, exit code 1."""
    root = _copy(synthetic_root, tmp_path)
    png = root / "train" / "images" / "synth_001.png"
    jpeg = png.with_suffix(".jpg")
    Image.open(png).save(jpeg, quality=95)
    png.unlink()
    jpeg.write_bytes(jpeg.read_bytes()[: len(jpeg.read_bytes()) // 2])
    mask = sorted((root / "test" / "masks" / "OD").iterdir())[0]
    Image.fromarray(np.zeros((100, 128), np.uint8)).save(mask)
    assert main(["data", "check", str(root), "--workers", "2"]) == 1
    out = capsys.readouterr().out
    assert f"{jpeg}: truncated JPEG" in out
    assert f"{mask}: mask is 128x100 but its image is 128x128" in out
    assert "2 problem(s)" in out


def test_grayscale_and_orphan_mask_are_reported(synthetic_root, tmp_path, capsys):
    root = _copy(synthetic_root, tmp_path)
    image = root / "test" / "images" / "synth_006.png"
    gray = np.asarray(Image.open(image).convert("L"))
    Image.fromarray(np.repeat(gray[..., None], 3, axis=2)).save(image)
    orphan = root / "test" / "masks" / "MA" / "ghost_MA.png"
    Image.fromarray(np.zeros((128, 128), np.uint8)).save(orphan)
    stray = root / "test" / "masks" / "XX"
    stray.mkdir()
    assert main(["data", "check", str(root), "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "synth_006.png: grayscale image" in out
    assert "ghost_MA.png: mask has no image" in out
    assert "XX: unknown lesion folder" in out


def test_empty_folder_is_a_one_line_error(tmp_path, capsys):
    (tmp_path / "images").mkdir()
    assert main(["data", "check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "no images found" in err and err.count("\n") == 1


def test_missing_folder(tmp_path, capsys):
    assert main(["data", "check", str(tmp_path / "nope")]) == 1
    assert "folder not found" in capsys.readouterr().err


def test_idrid_layout_is_checked(fake_idrid, capsys):
    assert main(["data", "check", str(fake_idrid), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "IDRiD layout" in out and "Grading labels: 4 train, 2 test images" in out
