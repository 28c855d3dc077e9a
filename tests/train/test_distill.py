"""Distillation: teachers' probabilities become soft targets; the distilled student follows its
teacher more closely than the same student trained without the distillation term."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.cli import main
from edgeseg.data.datasets import open_split
from edgeseg.errors import EdgesegError
from edgeseg.predict import Predictor
from edgeseg.train import TrainOptions, train


def _options(data, out, recipe, **overrides):
    settings = dict(recipe=recipe, data=str(data), out=str(out), epochs=10, size=64, batch_size=2, val_fraction=0.34,
                    device="cpu", progress=False, threads=1, seed=0)
    settings.update(overrides)
    return TrainOptions(**settings)


def _disagreement(student, teacher, data) -> float:
    """Mean absolute difference of the two models' probabilities on the test photographs."""
    student, teacher = Predictor(student), Predictor(teacher)
    images = [sample.load_image() for sample in open_split(data, "test")]
    return float(np.mean([np.abs(student.predict(image).square_maps - teacher.predict(image).square_maps).mean() for image in images]))


def test_distilled_student_agrees_more_with_its_teacher(synthetic_root, tmp_path):
    """Same data, seed and 10 epochs with and without the distillation term; measured here: mean
    |student - teacher| 0.16 distilled against 0.34 plain."""
    teacher = tmp_path / "teacher"
    train(_options(synthetic_root, teacher, "u2xs-mt", epochs=2, max_iterations=2, seed=5))
    plain = tmp_path / "plain"
    distilled = tmp_path / "distilled"
    train(_options(synthetic_root, plain, "u2xs-mt"))
    summary = train(_options(synthetic_root, distilled, "distill-u2xs-mt", teachers=[str(teacher)]))
    assert summary.epochs_done == 10
    plain_gap, distilled_gap = _disagreement(plain, teacher, synthetic_root), _disagreement(distilled, teacher, synthetic_root)
    assert distilled_gap < 0.7 * plain_gap, (distilled_gap, plain_gap)


def test_distill_command_writes_a_normal_run_folder(synthetic_root, tmp_path, tiny_model_file, capsys):
    out = tmp_path / "run"
    code = main(["distill", "--teacher", str(tiny_model_file), "--data", str(synthetic_root), "--out", str(out),
                 "--epochs", "1", "--size", "64", "--batch-size", "2", "--max-iterations", "2", "--val-fraction", "0.34"])
    assert code == 0
    card = Predictor(out).info.card
    assert card["recipe"] == "distill-u2xs-mt" and card["training"]["teachers"] == [str(tiny_model_file)]
    assert "Run folder" in capsys.readouterr().out


def test_distill_without_teachers_is_a_clear_error(synthetic_root, tmp_path):
    with pytest.raises(EdgesegError, match="--teacher"):
        train(_options(synthetic_root, tmp_path / "run", "distill-u2xs-mt", epochs=1, max_iterations=1))


def test_teacher_maps_are_kept_in_the_run_and_reused_on_resume(synthetic_root, tmp_path, tiny_model_file, monkeypatch):
    import edgeseg.train.distill as distill

    run = tmp_path / "run"
    train(_options(synthetic_root, run, "distill-u2xs-mt", epochs=1, max_iterations=1, teachers=[str(tiny_model_file)]))
    assert (run / "teacher_maps.safetensors").is_file()

    def teachers_must_not_run(*args, **kwargs):
        raise AssertionError("the teachers ran again although their maps were kept")

    monkeypatch.setattr(distill, "teacher_maps", teachers_must_not_run)
    from edgeseg.train import resume

    assert resume(run, epochs=2, progress=False).epochs_done == 1


def test_teacher_maps_are_computed_again_when_the_teacher_changes(synthetic_root, tmp_path, tiny_model_file):
    from edgeseg.train.distill import cached_teacher_maps
    from edgeseg.train.engine import Trainer

    trainer = Trainer(_options(synthetic_root, tmp_path / "unused", "u2xs-mt"))
    data = trainer.load_data(("MA", "HE", "EX", "SE"))
    cache = tmp_path / "maps.safetensors"
    taught, first = cached_teacher_maps(cache, [str(tiny_model_file)], data.train, data.root, data.lesions, data.preprocessing)
    assert cache.is_file() and len(first) == len(data.train)
    _, again = cached_teacher_maps(cache, [str(tiny_model_file)], data.train, data.root, data.lesions, data.preprocessing)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))  # reused exactly as stored
    import torch

    from edgeseg.checkpoint import load_model, save_model

    model, card = load_model(tiny_model_file)
    with torch.no_grad():
        model.head.bias.add_(1.0)  # a retrained teacher
    other = save_model(tmp_path / "other.safetensors", model, card)
    _, changed = cached_teacher_maps(cache, [str(other)], data.train, data.root, data.lesions, data.preprocessing)
    assert not all(np.array_equal(a, b) for a, b in zip(first, changed))


def test_teacher_pass_shows_progress_when_training_does(synthetic_root, tmp_path, tiny_model_file, capsys):
    """The teachers' pass over the training images takes minutes at full resolution: under
    ``nohup`` (no terminal) it must still show its bar whenever training shows its own."""
    train(_options(synthetic_root, tmp_path / "shown", "distill-u2xs-mt", epochs=1, max_iterations=1,
                   teachers=[str(tiny_model_file)], progress=True))
    assert "teachers" in capsys.readouterr().err
    train(_options(synthetic_root, tmp_path / "quiet", "distill-u2xs-mt", epochs=1, max_iterations=1,
                   teachers=[str(tiny_model_file)], progress=False))
    assert "teachers" not in capsys.readouterr().err


def test_prevalence_calibration_keeps_the_ranking_and_matches_the_mask_share():
    """A class-balanced teacher's inflated maps (logits + 6) come back to the lesion's share of
    pixels, in the same pixel order; an already calibrated map is left almost as it is."""
    from edgeseg.train.calibration import match_prevalence

    rng = np.random.default_rng(0)
    logits = [rng.normal(-8.0, 2.0, size=(1, 32, 32)) for _ in range(3)]
    calibrated = [1 / (1 + np.exp(-z)) for z in logits]
    share = float(np.mean([c.mean() for c in calibrated]))
    inflated = [1 / (1 + np.exp(-(z + 6.0))) for z in logits]
    shifted, shifts = match_prevalence(inflated, np.array([share]))
    assert abs(shifts[0] + 6.0) < 0.05
    assert abs(float(np.mean([s.mean() for s in shifted])) - share) < 1e-4
    assert all(np.array_equal(np.argsort(a, axis=None), np.argsort(b, axis=None)) for a, b in zip(shifted, inflated))
    _, unchanged = match_prevalence(calibrated, np.array([share]))
    assert abs(unchanged[0]) < 0.05


def test_distill_command_takes_the_teacher_calibration(synthetic_root, tmp_path, tiny_model_file, capsys):
    import json

    run = tmp_path / "run"
    assert main(["distill", "--teacher", str(tiny_model_file), "--data", str(synthetic_root), "--out", str(run),
                 "--epochs", "1", "--max-iterations", "1", "--size", "64", "--batch-size", "2", "--val-fraction", "0.34",
                 "--device", "cpu", "--threads", "1", "--teacher-calibration", "prevalence"]) == 0
    assert json.loads((run / "config.json").read_text())["teacher_calibration"] == "prevalence"
    assert "shifted to the training prevalence: MA" in capsys.readouterr().err


def test_unknown_teacher_calibration_fails_before_the_teachers_run(synthetic_root, tmp_path, tiny_model_file, monkeypatch):
    import edgeseg.train.distill as distill

    def teachers_must_not_run(*args, **kwargs):
        raise AssertionError("the teachers ran before the calibration was checked")

    monkeypatch.setattr(distill, "teacher_maps", teachers_must_not_run)
    with pytest.raises(EdgesegError, match="unknown teacher calibration 'platt'"):
        train(_options(synthetic_root, tmp_path / "run", "distill-u2xs-mt", epochs=1, max_iterations=1,
                       teachers=[str(tiny_model_file)], teacher_calibration="platt"))


def test_a_teacher_restricted_to_one_lesion_teaches_only_that_lesion(synthetic_root, tmp_path, tiny_model_file):
    """``PATH:MA`` (a teacher that leads on MA only): MA is taught with exactly the maps the
    unrestricted teacher gives for MA, and no other lesion is taught."""
    from edgeseg.train.distill import cached_teacher_maps
    from edgeseg.train.engine import Trainer

    data = Trainer(_options(synthetic_root, tmp_path / "unused", "u2xs-mt")).load_data(("MA", "HE", "EX", "SE"))
    args = (data.train, data.root, data.lesions, data.preprocessing)
    taught_all, every = cached_teacher_maps(tmp_path / "all.safetensors", [str(tiny_model_file)], *args)
    taught_ma, only_ma = cached_teacher_maps(tmp_path / "ma.safetensors", [f"{tiny_model_file}:ma"], *args)
    assert list(taught_all) == [0, 1, 2, 3] and list(taught_ma) == [0]
    assert all(np.array_equal(a[:1], b) for a, b in zip(every, only_ma))


def test_a_restriction_to_a_lesion_the_teacher_does_not_predict_is_a_clear_error(synthetic_root, tmp_path, tiny_model_file):
    with pytest.raises(EdgesegError, match=rf"{tiny_model_file.name}: the teacher predicts MA, HE, EX, SE, not OD"):
        train(_options(synthetic_root, tmp_path / "run", "distill-u2xs-mt", epochs=1, max_iterations=1,
                       teachers=[f"{tiny_model_file}:OD"]))


def test_teacher_spec_reads_only_a_suffix_of_lesion_codes():
    from edgeseg.train.distill import parse_teacher

    assert parse_teacher("runs/redseg:MA+HE") == ("runs/redseg", ("MA", "HE"))
    assert parse_teacher("runs/redseg") == ("runs/redseg", None)
    assert parse_teacher("C:/runs/redseg") == ("C:/runs/redseg", None)
