"""`edgeseg predict`: maps back onto the photograph's pixels, the files written, the maps that
`edgeseg eval` reads at either resolution, bad input refused before any model is loaded."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from edgeseg.cli import main
from edgeseg.data.synthetic import make_fundus
from edgeseg.evaluate import evaluate_predictions, read_probability_map
from edgeseg.fileio import read_image
from edgeseg.inference.runners import Runner
from edgeseg.predict import PredictOptions, Predictor, predict_paths
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


class StandIn(Runner):
    """A 'network' whose probability for every lesion is a function of the square's red channel."""

    def __init__(self, info, function) -> None:
        super().__init__(info)
        self.function = function

    def run_batch(self, batch):
        assert self.info.layout == "nchw"  # a PyTorch run folder
        red = self.function(batch[:, :1] / 255.0)
        return {"lesion_probs": np.repeat(red, len(self.info.lesions), axis=1).astype(np.float32)}


def test_maps_return_to_the_original_pixels(tiny_run, photo):
    """With a stand-in network whose 'probability' is the input's red channel, the map brought
    back to the photograph must be the photograph's red channel again (up to resampling)."""
    predictor = Predictor(tiny_run)
    from dataclasses import replace

    predictor.preprocessing = replace(predictor.preprocessing, clahe=False)
    predictor.runner = StandIn(predictor.info, lambda red: red)
    image = read_image(photo)
    prediction = predictor.predict(image)
    full = prediction.full_map(0)
    assert full.shape == (300, 460)
    red = image[..., 0] / 255.0
    inside = prediction.field_of_view.mask()
    assert np.abs(full[inside] - red[inside]).mean() < 0.05
    assert full[:, :90].max() == 0  # outside the field of view


def test_written_maps_keep_the_ranking_of_probabilities_near_1(tiny_run, photo, tmp_path):
    """Bug fix: maps were 8-bit, which tied the top of a class-balanced model's ranking (LocalNet
    MA's test AP read 0.296 from them against 0.387 from its probabilities). The default 16-bit
    map must give back the probabilities to 1/65535 and keep them apart where 8 bits merge them."""
    predictor = Predictor(tiny_run)
    predictor.runner = StandIn(predictor.info, lambda red: 0.996 + 0.004 * red)
    prediction = predictor.predict(read_image(photo))
    predict_paths(predictor, [photo], PredictOptions(tmp_path / "default"))
    predict_paths(predictor, [photo], PredictOptions(tmp_path / "eight", map_bits=8))
    deep, one = read_probability_map(tmp_path / "default" / "photo_MA.png")
    shallow, _ = read_probability_map(tmp_path / "eight" / "photo_MA.png")
    assert deep.dtype == np.uint16 and one == 65535 and shallow.dtype == np.uint8
    assert deep.shape == (64, 64)  # the model's resolution
    assert np.abs(deep / one - prediction.square_maps[0]).max() <= 0.5 / 65535 + 1e-6
    assert len(np.unique(deep)) > 50 and len(np.unique(shallow)) <= 3


def test_cli_writes_maps_overlay_and_summary(tiny_run, photo, tmp_path, capsys):
    out = tmp_path / "pred"
    assert main(["predict", str(photo), "--model", str(tiny_run), "--out", str(out)]) == 0
    for lesion in ("MA", "HE", "EX", "SE"):
        assert np.asarray(Image.open(out / f"photo_{lesion}.png")).shape == (64, 64)
    assert np.asarray(Image.open(out / "photo_overlay.jpg")).shape == (300, 460, 3)
    summary = json.loads((out / "photo.json").read_text())
    assert set(summary["lesions"]) == {"MA", "HE", "EX", "SE"}
    assert summary["field_of_view_pixels"] > 0.5 * 256 * 256 and "not a medical device" in summary["notice"]
    assert summary["geometry"]["image_size"] == [460, 300] and summary["maps"] == {"resolution": "model", "bits": 16}
    assert "research use only" in capsys.readouterr().out.lower()
    full = tmp_path / "full"
    assert main(["predict", str(photo), "--model", str(tiny_run), "--out", str(full), "--full-maps"]) == 0
    assert np.asarray(Image.open(full / "photo_MA.png")).shape == (300, 460)


def test_eval_scores_model_resolution_maps_as_full_resolution_ones(tiny_run, synthetic_root, tmp_path):
    """The default maps (the model's square plus the geometry in STEM.json) give `edgeseg eval` the
    same AUPR as maps written at the photograph's resolution."""
    predictor = Predictor(tiny_run)
    predictor.runner = StandIn(predictor.info, lambda red: red ** 3)  # a ranking that depends on the pixels
    images = sorted((synthetic_root / "test" / "images").iterdir())
    predict_paths(predictor, images, PredictOptions(tmp_path / "square"))
    predict_paths(predictor, images, PredictOptions(tmp_path / "full", full_maps=True))
    square = {s.lesion: s.average_precision for s in evaluate_predictions(tmp_path / "square", synthetic_root, "test")}
    full = {s.lesion: s.average_precision for s in evaluate_predictions(tmp_path / "full", synthetic_root, "test")}
    assert square == pytest.approx(full, abs=1e-3)
    assert max(full.values()) > 2 * min(full.values())  # the stand-in ranks lesions differently: a real comparison


def test_eval_counts_photographs_the_quality_gate_stopped_and_scores_the_rest(tiny_run, synthetic_root, tmp_path, capsys):
    images = sorted((synthetic_root / "test" / "images").iterdir())
    out = tmp_path / "gated"
    predict_paths(Predictor(tiny_run), images, PredictOptions(out))
    stopped = images[0].stem
    summary = json.loads((out / f"{stopped}.json").read_text())
    (out / f"{stopped}.json").write_text(json.dumps({**summary, "gradable": False, "retake": ["blurred"]}))
    for path in out.glob(f"{stopped}_*.png"):
        path.unlink()
    scores = evaluate_predictions(out, synthetic_root, "test")
    assert {score.ungradable for score in scores} == {1} and {score.images for score in scores} == {len(images) - 1}
    assert main(["eval", str(out), "--data", str(synthetic_root)]) == 0
    assert "1 photograph(s) found ungradable" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [(b"hello", "not a readable image"), (None, "truncated JPEG")])
def test_bad_files_are_named_and_exit_1_before_a_model_is_loaded(photo, tmp_path, capsys, content, message):
    bad = tmp_path / "bad.jpg"
    if content is None:
        Image.open(photo).save(bad, quality=90)
        content = bad.read_bytes()[:-500]
    bad.write_bytes(content)
    out = tmp_path / "o"
    # the model file does not exist: the photograph is refused before it would be opened
    assert main(["predict", str(photo), str(bad), "--model", str(tmp_path / "none.onnx"), "--out", str(out)]) == 1
    error = capsys.readouterr().err
    assert f"{bad}: {message}" in error and error.count("\n") == 1
    assert not out.exists()  # nothing written, not even for the good photograph


def test_non_fundus_and_grayscale_pictures_are_refused(tiny_run, photo, tmp_path, capsys):
    sky = np.zeros((120, 160, 3), np.uint8)
    sky[..., 2] = 220
    sky[..., 1] = 130
    Image.fromarray(sky).save(tmp_path / "sky.png")
    assert main(["predict", str(tmp_path / "sky.png"), "--model", str(tiny_run), "--out", str(tmp_path / "o")]) == 1
    assert "does not look like a fundus photograph" in capsys.readouterr().err
    Image.open(photo).convert("L").save(tmp_path / "gray.jpg")
    assert main(["predict", str(tmp_path / "gray.jpg"), "--model", str(tiny_run), "--out", str(tmp_path / "o")]) == 1
    assert "gray.jpg: grayscale image" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_missing_model_file(tmp_path, photo, capsys):
    assert main(["predict", str(photo), "--model", str(tmp_path / "none.safetensors")]) == 1
    assert "file not found" in capsys.readouterr().err


def test_predict_with_an_onnx_model_never_imports_torch(photo, tmp_path):
    """The lean path: checking, preprocessing, ONNX Runtime and writing, without torch."""
    pytest.importorskip("onnxruntime")
    from edgeseg.embedded import default_model_path

    code = ("import sys; from edgeseg.cli import main; "
            f"code = main(['predict', {str(photo)!r}, '--model', {str(default_model_path('.onnx'))!r}, '--out', {str(tmp_path / 'o')!r}]); "
            "assert code == 0, code; assert 'torch' not in sys.modules, 'torch was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp_path / "o" / "photo.json").is_file()


@pytest.mark.parametrize("broken", ["referable_prob", "dr_probs"])
def test_nan_grades_are_an_error_not_a_verdict(tmp_path, broken):
    """A model that gives NaN grades is broken: `predict` must not print "no referral" for it."""
    import types

    from edgeseg.errors import EdgesegError
    from edgeseg.predict.verdict import screening_verdict

    info = types.SimpleNamespace(path=tmp_path / "graded.onnx", card={"grading": {"referable_threshold": 0.3}})
    outputs = {"dr_probs": np.array([[0.1, 0.1, 0.6, 0.1, 0.1]]), "dme_probs": np.array([[0.8, 0.1, 0.1]]),
               "referable_prob": np.array([[0.7]])}
    assert screening_verdict(outputs, info)["refer"] and screening_verdict(outputs, info)["dr_grade"] == 2
    outputs[broken] = np.full_like(outputs[broken], np.nan)
    with pytest.raises(EdgesegError, match="graded.onnx: the model gave NaN"):
        screening_verdict(outputs, info)


@pytest.mark.parametrize("dr, dme, refer, by_grades", [
    ([0.1, 0.2, 0.5, 0.1, 0.1], [0.9, 0.05, 0.05], True, True),  # moderate NPDR
    ([0.6, 0.3, 0.05, 0.03, 0.02], [0.1, 0.2, 0.7], True, True),  # exudates near the macula
    ([0.1, 0.6, 0.2, 0.05, 0.05], [0.1, 0.7, 0.2], False, False),  # mild NPDR, exudates away: not referable
])
def test_referable_grades_refer_below_the_threshold(tmp_path, dr, dme, refer, by_grades):
    """The advice never contradicts the grades beside it: referable grades refer whatever the
    referral probability, and the advice says so (edgeseg.outputs.advises_referral)."""
    import types

    from edgeseg.predict.verdict import screening_verdict, verdict_lines

    info = types.SimpleNamespace(path=tmp_path / "graded.onnx", card={"grading": {"referable_threshold": 0.5}})
    verdict = screening_verdict({"dr_probs": np.array([dr]), "dme_probs": np.array([dme]), "referable_prob": np.array([[0.1]])}, info)
    assert (verdict["refer"], verdict["refer_by_grades"]) == (refer, by_grades)
    assert verdict_lines(verdict)[1] == ("referral probability 0.10: refer (the grades are referable)" if refer
                                         else "referral probability 0.10: no referral")


@pytest.fixture()
def gated_model(tiny_run, photo, tmp_path):
    """The tiny run's model with a quality gate in its card whose sharpness bound lies between the
    photograph's and its blurred copy's; returns the model, the sharp and the blurred photograph."""
    from edgeseg.checkpoint import load_model, save_model
    from edgeseg.data.degradations import degrade
    from edgeseg.data.quality import measure_quality

    image = read_image(photo)
    blurred = degrade(image, "gaussian_blur", 4.0)
    bound = (measure_quality(image).sharpness + measure_quality(blurred).sharpness) / 2
    model, card = load_model(tiny_run / "best.safetensors")
    path = save_model(tmp_path / "gated.safetensors", model, {**card, "quality_gate": {"sharpness": {"min": bound}}})
    blurred_path = tmp_path / "blurred.png"
    Image.fromarray(blurred).save(blurred_path)
    return path, photo, blurred_path


def test_the_quality_gate_stops_a_blurred_photograph_before_any_verdict(gated_model, tmp_path, capsys):
    """An ungradable photograph gets its measures and reason, no lesions, maps or overlay; the sharp
    one beside it is predicted as usual, with its measures."""
    model, sharp, blurred = gated_model
    out = tmp_path / "out"
    assert main(["predict", str(sharp), str(blurred), "--model", str(model), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "blurred.png: retake: blurred" in printed and "1 of 2 photographs ungradable" in printed
    stopped = json.loads((out / "blurred.json").read_text())
    assert stopped["gradable"] is False and stopped["retake"] == ["blurred"]
    assert "lesions" not in stopped and "verdict" not in stopped and stopped["quality"]["sharpness"] < stopped["quality_gate"]["sharpness"]["min"]
    assert not list(out.glob("blurred_*"))  # no maps, no overlay
    passed = json.loads((out / "photo.json").read_text())
    assert passed["gradable"] is True and "lesions" in passed and passed["quality"]["sharpness"] > 0
    assert (out / "photo_overlay.jpg").is_file()


def test_force_writes_the_maps_of_an_ungradable_photograph_marked_and_without_a_verdict(gated_model, tmp_path):
    model, _, blurred = gated_model
    out = tmp_path / "forced"
    assert main(["predict", str(blurred), "--model", str(model), "--out", str(out), "--force"]) == 0
    summary = json.loads((out / "blurred.json").read_text())
    assert summary["gradable"] is False and summary["retake"] == ["blurred"] and "lesions" in summary
    assert "verdict" not in summary and "dr_grade" not in summary
    assert (out / "blurred_overlay.jpg").is_file() and (out / "blurred_MA.png").is_file()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_predict_turns_a_photograph_upright_by_its_exif_orientation_as_a_browser_does(photo, tmp_path, orientation):
    """A phone writes its pixels as the sensor saw them and the turn into EXIF; the page shows the
    photograph upright, and `predict` must analyse that same upright photograph."""
    from PIL import ImageOps

    from edgeseg.predict.inputs import read_photograph

    stored = Image.open(photo).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation
    path = tmp_path / f"phone_{orientation}.png"
    stored.save(path, exif=exif)
    upright = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
    image, _ = read_photograph(path)
    assert image.shape == upright.shape and np.array_equal(image, upright)


@pytest.mark.parametrize("name, message", [("black", "blank frame (one colour everywhere)"), ("white", "blank frame (one colour everywhere)"),
                                           ("thumbnail", "too small: the retina is 18 px across, less than the 64 px")])
def test_blank_frames_and_thumbnails_get_their_own_messages(photo, tmp_path, capsys, name, message):
    """Not "grayscale image" for a black or white frame, and no lesion findings for a 32x21 thumbnail."""
    frames = {"black": np.zeros((300, 400, 3), np.uint8), "white": np.full((300, 400, 3), 255, np.uint8),
              "thumbnail": np.asarray(Image.open(photo).convert("RGB").resize((32, 21)))}
    path = tmp_path / f"{name}.png"
    Image.fromarray(frames[name]).save(path)
    assert main(["predict", str(path), "--model", str(tmp_path / "none.onnx"), "--out", str(tmp_path / "o")]) == 1
    assert f"{path}: {message}" in capsys.readouterr().err


def test_a_lesion_model_whose_card_carries_a_grader_gives_a_verdict_with_its_findings(tiny_run, photo, tmp_path, capsys):
    """The grader on the findings (issue #28): `predict` writes dr_grade, dme_risk, referable_prob,
    the findings in words and the disc and fovea, and prints them with "research use only"; the
    same model without a grader gives the findings and no verdict."""
    from edgeseg.checkpoint import load_model, save_model
    from edgeseg.screening.grader import FEATURES

    features = list(FEATURES)
    head = lambda classes, bias: {"coef": [[0.0] * len(features)] * classes, "intercept": bias}  # noqa: E731
    grader = {"features": features, "dr": head(5, [0.0, 0.0, 3.0, 0.0, 0.0]),
              "dme": {"presence": head(1, [-4.0]), "near_dd": 1.0, "min_area": 0.0},
              "referable": head(1, [2.0]), "referable_threshold": 0.5}
    model, card = load_model(tiny_run / "best.safetensors")
    graded = save_model(tmp_path / "graded.safetensors", model, {**card, "grader": grader})
    out = tmp_path / "out"
    assert main(["predict", str(photo), "--model", str(graded), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "photo.json").read_text())
    assert (summary["dr_grade"], summary["dme_risk"]) == (2, 0) and summary["referable_prob"] == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert summary["verdict"]["refer"] is True and summary["refer"] is True and summary["verdict"]["source"] == "grader on the findings"
    findings = summary["findings"]
    assert findings["words"] and findings["optic_disc"]["diameter_px"] > 0 and set(findings["fovea"]) == {"x", "y"}
    assert "DR grade 2 (moderate NPDR)" in printed and "research use only" in printed and "findings: " in printed
    plain = tmp_path / "plain"
    assert main(["predict", str(photo), "--model", str(tiny_run / "best.safetensors"), "--out", str(plain)]) == 0
    summary = json.loads((plain / "photo.json").read_text())
    assert "verdict" not in summary and "dr_grade" not in summary and summary["findings"]["words"]
