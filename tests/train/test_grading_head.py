"""The graded student on synthetic data: training its head with the student frozen, the model file,
exporting its four outputs with their parity check, and `edgeseg predict`'s verdict."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from edgeseg.checkpoint import load_model
from edgeseg.cli import main
from edgeseg.data.synthetic import make_fundus, write_synthetic_dataset
from edgeseg.embedded import default_model_path
from edgeseg.inference.runners import open_runner
from edgeseg.models import create
from edgeseg.models.graded import GradingHead
from edgeseg.train import TrainOptions, train
from edgeseg.train.grading_head import pool_grids


@pytest.fixture(scope="module")
def graded_run(tmp_path_factory):
    """The head trained for 20 epochs on 24 synthetic graded photographs (student: the embedded default)."""
    data = write_synthetic_dataset(tmp_path_factory.mktemp("graded") / "data", n_train=2, n_test=1, size=128, seed=3, n_grading=24)
    out = tmp_path_factory.mktemp("run") / "u2xs-graded"
    summary = train(TrainOptions(recipe="u2xs-graded", data=str(data), out=str(out), epochs=20, val_fraction=0.25, progress=False,
                                 threads=2))
    return data, out, summary


def test_numpy_pooling_is_the_networks():
    """The head trains on grids pooled in numpy and runs on grids pooled in the graph: the same."""
    head = GradingHead(grid=8)
    maps = np.random.default_rng(0).random((4, 64, 64)).astype(np.float32)
    expected = head.pool(torch.from_numpy(maps)[None])[0].numpy()
    np.testing.assert_allclose(pool_grids(maps, 8), expected, atol=1e-6)
    np.testing.assert_allclose(pool_grids(maps, 8)[:4], maps.reshape(4, 8, 8, 8, 8).mean(axis=(2, 4)), atol=1e-6)


def test_head_trains_with_the_student_frozen_into_a_model_file(graded_run):
    _, out, summary = graded_run
    model, card = load_model(out / "best.safetensors")
    student, _ = load_model(default_model_path())
    for name, value in student.state_dict().items():
        assert torch.equal(model.student.state_dict()[name], value), name  # the lesion model is unchanged
    assert card["task"] == "screening" and card["model"] == "u2xs_graded"
    assert 0 <= card["grading"]["referable_threshold"] <= 1 and card["grading"]["validation_images"] == 6
    assert (out / "grids.safetensors").is_file() and summary.best_epoch >= 1
    log = json.loads((out / "log.json").read_text())
    assert len(log) == 20 and log[-1]["loss"] < 2.5


def test_the_graded_model_gives_the_verdict_through_every_runner(graded_run, tmp_path, capsys):
    data, out, _ = graded_run
    runner = open_runner(out / "best.safetensors")
    assert runner.info.outputs == ("lesion_probs", "dr_probs", "dme_probs", "referable_prob")
    square = runner.info.preprocessing.prepare(make_fundus(256, seed=9).image).square
    outputs = runner(square)
    assert outputs["lesion_probs"].shape == (4, 512, 512) and outputs["dr_probs"].shape == (5,) and outputs["dme_probs"].shape == (3,)
    assert outputs["dr_probs"].sum() == pytest.approx(1, abs=1e-5) and 0 <= outputs["referable_prob"][0] <= 1
    photo = sorted((data / "grading" / "test" / "images").iterdir())[0]
    assert main(["predict", str(photo), "--model", str(out), "--out", str(tmp_path / "p")]) == 0
    summary = json.loads((tmp_path / "p" / f"{photo.stem}.json").read_text())
    assert isinstance(summary["dr_grade"], int) and isinstance(summary["dme_risk"], int) and isinstance(summary["referable_prob"], float)
    assert f"{photo.name}: DR grade {summary['dr_grade']}" in capsys.readouterr().out


def test_grayscale_photograph_gets_its_error_and_no_verdict(graded_run, tmp_path, capsys):
    from PIL import Image

    _, out, _ = graded_run
    Image.fromarray(make_fundus(128, seed=2).image).convert("L").save(tmp_path / "gray.png")
    assert main(["predict", str(tmp_path / "gray.png"), "--model", str(out), "--out", str(tmp_path / "p")]) == 1
    assert "gray.png: grayscale image" in capsys.readouterr().err and not (tmp_path / "p").exists()


def test_export_writes_four_outputs_and_checks_the_grades(graded_run, tmp_path):
    """ONNX fp32 of the graded model: four named outputs, described in the metadata, verified
    against PyTorch on the grades too; a file whose DR probabilities are shuffled fails."""
    pytest.importorskip("onnxscript")
    from edgeseg.export import read_metadata

    _, out, _ = graded_run
    exports = tmp_path / "exports"
    assert main(["export", "--model", str(out), "--target", "onnx", "--precision", "fp32", "--out", str(exports), "--verify-images", "3"]) == 0
    path = exports / "u2xs-graded_fp32.onnx"
    metadata = read_metadata(path)
    assert [item["name"] for item in metadata["outputs"]] == ["lesion_probs", "dr_probs", "dme_probs", "referable_prob"]
    assert metadata["outputs"][1]["classes"][2] == "2: moderate NPDR" and "referable_threshold" in metadata["grading"]
    golden = json.loads((exports / "u2xs-graded_fp32.onnx.golden" / "golden.json").read_text())
    np.testing.assert_allclose(golden["grades"]["dr_probs"]["file"], golden["grades"]["dr_probs"]["reference"], atol=1e-4)

    from edgeseg.export.images import FundusSquare
    from edgeseg.export.verify import reference_outputs, verify_file
    from edgeseg.inference.runners import Runner

    class ShuffledGrades(Runner):  # a conversion that mixed up the DR classes
        def __init__(self, inner):
            super().__init__(inner.info)
            self.inner = inner

        def run_batch(self, batch):
            outputs = self.inner.run_batch(batch)
            return {**outputs, "dr_probs": np.roll(outputs["dr_probs"], 1, axis=-1)}  # every argmax moves

    file_runner = open_runner(path)
    squares = [FundusSquare(f"s{i}", file_runner.info.preprocessing.prepare(make_fundus(256, seed=30 + i).image).square,
                            np.zeros((4, 512, 512), bool)) for i in range(3)]
    reference = reference_outputs(open_runner(out / "best.safetensors"), squares)
    assert verify_file(file_runner, squares, reference).passed
    broken = verify_file(ShuffledGrades(file_runner), squares, reference)
    assert not broken.passed and "grades agree on 0%" in broken.reason


def test_registry_builds_the_graded_student_with_a_small_head():
    model = create("u2xs_graded")
    head = sum(p.numel() for p in model.head.parameters())
    assert head < 20_000 and model.task == "screening"


def test_more_folds_than_graded_photographs_is_a_one_line_error_before_any_work(tmp_path, capsys):
    data = write_synthetic_dataset(tmp_path / "data", n_train=2, n_test=1, size=64, seed=3, n_grading=6)
    out = tmp_path / "run"
    code = main(["train", "--recipe", "u2xs-graded", "--data", str(data), "--out", str(out), "--val-fold", "1/7"])
    assert code == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [f"edgeseg: error: {data}: validation fold '1/7': 7 folds need at least 7 training images, not 6 (graded photographs)"]
    assert not out.exists()  # failed before the student's maps were computed or the run folder made
