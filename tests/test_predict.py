"""`edgeseg predict`: maps back at the photograph's resolution, overlay, summary, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from edgeseg.cli import main
from edgeseg.data.synthetic import make_fundus
from edgeseg.fileio import read_image
from edgeseg.evaluate import read_probability_map
from edgeseg.predict import Predictor, predict_file
from edgeseg.train import TrainOptions, train


@pytest.fixture(scope="module")
def tiny_run(synthetic_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("predict") / "run"
    train(TrainOptions(recipe="u2xs-mt", data=str(synthetic_root), out=str(out), epochs=1, size=64,
                       batch_size=2, max_iterations=1, device="cpu", progress=False))
    return out


@pytest.fixture()
def photo(tmp_path):
    """A non-square photograph: a synthetic fundus inside a wide black frame."""
    canvas = np.zeros((300, 460, 3), np.uint8)
    canvas[20:276, 100:356] = make_fundus(256, seed=4).image
    path = tmp_path / "photo.png"
    Image.fromarray(canvas).save(path)
    return path


def test_maps_return_to_the_original_pixels(tiny_run, photo, monkeypatch):
    """With a stand-in network whose 'probability' is the input's red channel, the map brought
    back to the photograph must be the photograph's red channel again (up to resampling)."""
    predictor = Predictor(tiny_run)
    predictor.preprocessing = predictor.preprocessing.__class__(**{**predictor.preprocessing.__dict__, "clahe": False})
    monkeypatch.setattr(predictor, "probabilities_square", lambda square: np.repeat(square[None, :, :, 0] / 255.0, 4, axis=0))
    image = read_image(photo)
    prediction = predictor.predict(image)
    assert prediction.probabilities.shape == (4, 300, 460)
    red = image[..., 0] / 255.0
    inside = prediction.field_of_view
    assert np.abs(prediction.probabilities[0][inside] - red[inside]).mean() < 0.05
    assert prediction.probabilities[0][:, :90].max() == 0  # outside the field of view


def test_written_maps_keep_the_ranking_of_probabilities_near_1(tiny_run, photo, tmp_path, monkeypatch):
    """Bug fix: maps were 8-bit, which tied the top of a class-balanced model's ranking (LocalNet
    MA's test AP read 0.296 from them against 0.387 from its probabilities). The default 16-bit
    map must give back the probabilities to 1/65535 and keep them apart where 8 bits merge them."""
    predictor = Predictor(tiny_run)
    crowded = lambda square: np.repeat(0.996 + 0.004 * square[None, :, :, 0] / 255.0, 4, axis=0).astype(np.float32)
    monkeypatch.setattr(predictor, "probabilities_square", crowded)
    prediction = predictor.predict(read_image(photo))
    inside = prediction.field_of_view
    predict_file(predictor, photo, tmp_path / "default")
    predict_file(predictor, photo, tmp_path / "eight", map_bits=8)
    deep, one = read_probability_map(tmp_path / "default" / "photo_MA.png")
    shallow, _ = read_probability_map(tmp_path / "eight" / "photo_MA.png")
    assert deep.dtype == np.uint16 and one == 65535 and shallow.dtype == np.uint8
    assert np.abs(deep / one - prediction.probabilities[0]).max() <= 0.5 / 65535 + 1e-6
    assert len(np.unique(deep[inside])) > 50 and len(np.unique(shallow[inside])) <= 2


def test_cli_writes_maps_overlay_and_summary(tiny_run, photo, tmp_path, capsys):
    out = tmp_path / "pred"
    assert main(["predict", str(photo), "--weights", str(tiny_run), "--out", str(out)]) == 0
    for lesion in ("MA", "HE", "EX", "SE"):
        assert np.asarray(Image.open(out / f"photo_{lesion}.png")).shape == (300, 460)
    assert np.asarray(Image.open(out / "photo_overlay.png")).shape == (300, 460, 3)
    summary = json.loads((out / "photo.json").read_text())
    assert set(summary["lesions"]) == {"MA", "HE", "EX", "SE"}
    assert summary["field_of_view_pixels"] > 0.5 * 256 * 256 and "not a medical device" in summary["notice"]
    assert "research use only" in capsys.readouterr().out.lower()


@pytest.mark.parametrize("content, message", [(b"hello", "not a readable image"), (None, "truncated JPEG")])
def test_bad_files_are_named_and_exit_1(tiny_run, photo, tmp_path, capsys, content, message):
    bad = tmp_path / "bad.jpg"
    if content is None:
        Image.open(photo).save(bad, quality=90)
        content = bad.read_bytes()[:-500]
    bad.write_bytes(content)
    assert main(["predict", str(bad), "--weights", str(tiny_run), "--out", str(tmp_path / "o")]) == 1
    error = capsys.readouterr().err
    assert f"{bad}: {message}" in error and error.count("\n") == 1


def test_non_fundus_picture_is_refused(tiny_run, tmp_path, capsys):
    sky = np.zeros((120, 160, 3), np.uint8)
    sky[..., 2] = 220
    sky[..., 1] = 130
    Image.fromarray(sky).save(tmp_path / "sky.png")
    assert main(["predict", str(tmp_path / "sky.png"), "--weights", str(tiny_run), "--out", str(tmp_path / "o")]) == 1
    assert "does not look like a fundus photograph" in capsys.readouterr().err


def test_missing_weights_file(tmp_path, photo, capsys):
    assert main(["predict", str(photo), "--weights", str(tmp_path / "none.safetensors")]) == 1
    assert "file not found" in capsys.readouterr().err
