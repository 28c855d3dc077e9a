from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from edgeseg.errors import DataError
from edgeseg.fileio import atomic_path, atomic_write_json, encode_image, read_image, read_json, read_mask


def _write_jpeg(path: Path, size=(40, 60)) -> Path:
    rgb = np.zeros((*size, 3), np.uint8)
    rgb[..., 0] = 200
    rgb[..., 1] = np.arange(size[1], dtype=np.uint8)[None, :]
    path.write_bytes(encode_image(rgb, ".jpg"))
    return path


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.bin"]


def test_atomic_write_json_writes_strict_json(tmp_path):
    atomic_write_json(tmp_path / "a.json", {"x": float("nan"), "y": [1.5]})
    assert read_json(tmp_path / "a.json") == {"x": None, "y": [1.5]}


def test_read_image_returns_rgb(tmp_path):
    image = read_image(_write_jpeg(tmp_path / "a.jpg"))
    assert image.shape == (40, 60, 3) and image.dtype == np.uint8
    assert image[..., 0].mean() > 190  # red stays in channel 0 (RGB, not BGR)


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "file not found"),
        (b"", "empty file"),
        (b"not an image at all", "not a readable image"),
    ],
)
def test_read_image_errors_name_the_file(tmp_path, content, message):
    path = tmp_path / "x.jpg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DataError, match=message) as error:
        read_image(path)
    assert str(path) in str(error.value)


def test_truncated_jpeg_is_detected(tmp_path):
    path = _write_jpeg(tmp_path / "t.jpg")
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(DataError, match="truncated JPEG"):
        read_image(path)


def test_grayscale_image_is_rejected(tmp_path):
    path = tmp_path / "g.png"
    Image.fromarray(np.full((20, 20), 90, np.uint8)).save(path)
    with pytest.raises(DataError, match="grayscale"):
        read_image(path)


def test_read_mask_uses_palette_indices_not_colours(tmp_path):
    mask = np.zeros((10, 12), np.uint8)
    mask[2:4, 3:5] = 1
    image = Image.fromarray(mask).convert("P")
    image.putpalette([255, 255, 255, 0, 0, 0] + [0] * 762)  # index 0 drawn white: colours would lie
    image.save(tmp_path / "m.tif", compression="tiff_lzw")
    assert np.array_equal(read_mask(tmp_path / "m.tif"), mask > 0)


def test_read_mask_ignores_alpha_of_rgba(tmp_path):
    rgba = np.zeros((10, 12, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[5, 6, 0] = 255
    Image.fromarray(rgba).save(tmp_path / "m.tif", compression="tiff_lzw")
    mask = read_mask(tmp_path / "m.tif")
    assert mask.sum() == 1 and mask[5, 6]


def test_read_mask_wrong_size_names_both_sizes(tmp_path):
    Image.fromarray(np.zeros((10, 12), np.uint8)).save(tmp_path / "m.png")
    with pytest.raises(DataError, match=r"m.png: mask is 12x10 but its image is 14x10"):
        read_mask(tmp_path / "m.png", (10, 14))


def test_portable_path_is_relative_inside_the_working_directory(tmp_path, monkeypatch):
    from edgeseg.fileio import portable_path

    monkeypatch.chdir(tmp_path)
    assert portable_path(tmp_path / "runs" / "a.safetensors") == "runs/a.safetensors"
    assert portable_path("/elsewhere/b.safetensors") == "/elsewhere/b.safetensors"


def test_an_image_read_from_its_bytes_equals_one_read_from_its_file(tmp_path):
    """`edgeseg screen` hashes a photograph's bytes and decodes the same bytes (one read); the
    pixels and the EXIF orientation equal those read from the file."""
    import numpy as np
    from PIL import Image

    from edgeseg.fileio import exif_orientation, read_image

    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (20, 30, 3), dtype=np.uint8)).save(path, exif=exif)
    data = path.read_bytes()
    assert np.array_equal(read_image(path, data), read_image(path))
    assert exif_orientation(path, data) == exif_orientation(path) == 6


@pytest.mark.parametrize("adobe", [False, True], ids=["plain CMYK", "Adobe CMYK"])
def test_a_cmyk_jpeg_decodes_as_browsers_do(tmp_path, adobe):
    """Issue #32: Chromium decodes a CMYK JPEG as PIL does; OpenCV is one level off on almost every
    pixel, which moved the page's and predict's lesion areas apart. read_image takes PIL's pixels."""
    import cv2

    rgb = Image.fromarray((np.random.default_rng(5).random((48, 64, 3)) * 255).astype(np.uint8))
    path = tmp_path / "cmyk.jpg"
    if adobe:  # Photoshop's inverted CMYK with an APP14 Adobe marker, as PIL writes for CMYK by default
        rgb.convert("CMYK").save(path, "JPEG", quality=95)
    else:
        rgb.convert("CMYK").save(path, "JPEG", quality=90, subsampling=0)
    with Image.open(path) as image:
        assert image.mode == "CMYK"
        browser = np.array(image.convert("RGB"))
    opencv = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    assert (opencv != browser).mean() > 0.5  # the case the fix is for
    assert np.array_equal(read_image(path), browser)
    plain = tmp_path / "rgb.jpg"
    rgb.save(plain, "JPEG", quality=95)  # an ordinary JPEG still goes through OpenCV
    assert np.array_equal(read_image(plain), cv2.cvtColor(cv2.imread(str(plain)), cv2.COLOR_BGR2RGB))
