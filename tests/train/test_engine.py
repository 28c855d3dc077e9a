"""The training engine: devices, AMP, resuming after SIGKILL, DDP on gloo, data requirements."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from edgeseg.errors import EdgesegError
from edgeseg.train import TrainOptions, resume, train
from edgeseg.train.distributed import select_device


def _options(data: Path, out: Path, **overrides) -> TrainOptions:
    settings = dict(recipe="u2xs-mt", data=str(data), out=str(out), epochs=1, size=64, batch_size=2,
                    max_iterations=2, val_fraction=0.34, device="cpu", progress=False)
    settings.update(overrides)
    return TrainOptions(**settings)


def _parameters(path: Path) -> dict[str, torch.Tensor]:
    """Learnable weights only: BatchNorm running statistics are buffers, not parameters."""
    return {k: v for k, v in load_file(str(path)).items() if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))}


@pytest.fixture(scope="module")
def graded_root(tmp_path_factory):
    from edgeseg.data.synthetic import write_synthetic_dataset

    return write_synthetic_dataset(tmp_path_factory.mktemp("graded") / "data", 6, 2, 64, seed=3, n_grading=4)


def test_cuda_requested_without_a_gpu_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(EdgesegError, match="no CUDA GPU"):
        select_device("cuda")
    assert select_device("auto").type == "cpu"


@pytest.mark.parametrize("dtype", ["bf16", "fp16"])
def test_mixed_precision_on_the_cpu(synthetic_root, tmp_path, dtype):
    summary = train(_options(synthetic_root, tmp_path / dtype, amp=True, amp_dtype=dtype))
    assert summary.epochs_done == 1
    state = json.loads(_metadata(tmp_path / dtype / "resume.safetensors")["edgeseg.state"])
    assert (state["scaler"] is not None) == (dtype == "fp16")  # fp16 uses a gradient scaler


def _metadata(path: Path) -> dict:
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as handle:
        return handle.metadata()


def test_existing_run_folder_is_not_overwritten(synthetic_root, tmp_path):
    train(_options(synthetic_root, tmp_path / "run"))
    with pytest.raises(EdgesegError, match="already holds a run; continue it with --resume"):
        train(_options(synthetic_root, tmp_path / "run"))


def test_resume_continues_to_more_epochs(synthetic_root, tmp_path):
    train(_options(synthetic_root, tmp_path / "run"))
    summary = resume(tmp_path / "run", epochs=2, progress=False)
    assert summary.epochs_done == 1
    log = (tmp_path / "run" / "log.csv").read_text().splitlines()
    assert [row.split(",")[1] for row in log[1:]] == ["1", "2"]


def test_grading_recipe_without_grades_is_a_clear_error(tmp_path):
    from edgeseg.data.synthetic import write_synthetic_dataset

    root = write_synthetic_dataset(tmp_path / "data", 4, 1, 64, seed=0)
    (root / "train" / "grades.csv").unlink()
    with pytest.raises(EdgesegError, match="needs DR/DME grades"):
        train(_options(root, tmp_path / "run", recipe="sunet"))


def test_sunet_alternates_batches_with_and_without_masks(graded_root, tmp_path):
    from edgeseg.train.engine import Trainer
    from edgeseg.train.tasks import AlternatingGradingTask

    trainer = Trainer(_options(graded_root, tmp_path / "run", recipe="sunet"))
    data = trainer.load_data(("MA", "HE", "EX", "SE"))
    task = AlternatingGradingTask(trainer.recipe, trainer.recipe.stages[0], data, seed=0)
    kinds = [batch[0][0] for batch in task.plan(0, 2)]
    assert kinds == ["unmasked", "masked"] * (len(kinds) // 2)
    summary = train(_options(graded_root, tmp_path / "run", recipe="sunet", max_iterations=4))
    assert "joint_accuracy" in summary.best_metrics


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "edgeseg", "train", *args]


def test_sigkill_mid_epoch_then_resume_matches_an_uninterrupted_run(synthetic_root, tmp_path):
    """Kill test: same final weights as a run never interrupted, and no truncated file."""
    common = ["--recipe", "u2xs-mt", "--data", str(synthetic_root), "--size", "64", "--batch-size", "1",
              "--epochs", "2", "--val-every", "1", "--device", "cpu", "--checkpoint-every", "1", "--seed", "5"]
    reference = subprocess.run(_cli(*common, "--out", str(tmp_path / "reference")), capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr
    victim = subprocess.Popen(_cli(*common, "--out", str(tmp_path / "killed")), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    steps = tmp_path / "killed" / "steps.csv"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill in epoch 2 (4 steps per epoch), after a few steps
        if steps.exists() and len(steps.read_text().splitlines()) >= 1 + 6:
            break
        time.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait()
    assert len(steps.read_text().splitlines()) < 1 + 8, "the run finished before it could be killed"
    _assert_nothing_truncated(tmp_path / "killed", allow_temporary=True)
    resumed = subprocess.run(_cli("--resume", str(tmp_path / "killed")), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    expected = load_file(str(tmp_path / "reference" / "last.safetensors"))
    actual = load_file(str(tmp_path / "killed" / "last.safetensors"))
    assert expected.keys() == actual.keys()
    assert all(torch.equal(expected[key], actual[key]) for key in expected)
    _assert_nothing_truncated(tmp_path / "killed", allow_temporary=False)
    assert steps.read_text().count("\n") == (tmp_path / "reference" / "steps.csv").read_text().count("\n")


def _assert_nothing_truncated(folder: Path, allow_temporary: bool) -> None:
    """Every file under its real name is complete; temporary files only before a resume."""
    for path in folder.iterdir():
        if path.name.endswith(".tmp"):
            assert allow_temporary, f"{path} was not cleaned up"
            continue
        if path.suffix == ".safetensors":
            load_file(str(path))
        elif path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix == ".csv":
            lines = path.read_text().splitlines()
            assert len({line.count(",") for line in lines}) == 1, path


def test_two_gloo_processes_match_one_process_with_the_same_global_batch(synthetic_root, tmp_path):
    """DDP: 2 processes x batch 1 == 1 process x batch 1 x 2 accumulation steps (parameters
    within 1e-5; BatchNorm running statistics differ by design: DDP keeps rank 0's)."""
    common = ["--recipe", "u2xs-mt", "--data", str(synthetic_root), "--size", "64", "--batch-size", "1",
              "--epochs", "2", "--device", "cpu", "--seed", "3", "--threads", "1"]
    single = subprocess.run(_cli(*common, "--accumulate", "2", "--out", str(tmp_path / "single")), capture_output=True, text=True)
    assert single.returncode == 0, single.stderr
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29533", "-m", "edgeseg", "train"]
    double = subprocess.run(launcher + common + ["--out", str(tmp_path / "ddp")], capture_output=True, text=True, env=env)
    assert double.returncode == 0, double.stderr[-2000:]
    expected = _parameters(tmp_path / "single" / "last.safetensors")
    actual = _parameters(tmp_path / "ddp" / "last.safetensors")
    assert expected.keys() == actual.keys()
    worst = max(float((expected[key] - actual[key]).abs().max()) for key in expected)
    print(f"DDP vs single process: max parameter difference {worst:.2e}")
    assert worst < 1e-5, worst


def test_init_starts_from_another_runs_weights(synthetic_root, tmp_path):
    train(_options(synthetic_root, tmp_path / "first"))
    first = load_file(str(tmp_path / "first" / "last.safetensors"))
    train(_options(synthetic_root, tmp_path / "second", init=str(tmp_path / "first"), max_iterations=1, val_fraction=0.0))
    second = load_file(str(tmp_path / "second" / "last.safetensors"))
    weights = [key for key in first if key.endswith(".weight")]
    moved = max(float((first[key] - second[key]).abs().max()) for key in weights)
    assert 0 < moved < 0.01  # one Adam step (lr 1e-3) away from the initial weights
    fresh = load_file(str(tmp_path / "first" / "best.safetensors"))
    assert fresh.keys() == second.keys()
    with pytest.raises(EdgesegError, match="--init .* but this recipe trains"):
        train(_options(synthetic_root, tmp_path / "third", recipe="u2xs-st", init=str(tmp_path / "first")))


def test_lr_override_keeps_the_ratio_between_stages():
    from edgeseg.train.options import resolve_recipe

    recipe = resolve_recipe(TrainOptions(recipe="redseg", data=".", out=".", lr=1e-3))
    assert [stage.optimizer.lr for stage in recipe.stages] == pytest.approx([1e-3, 1e-4])


def test_optimizer_override_replaces_every_stage_and_keeps_its_rates():
    from edgeseg.train.options import resolve_recipe

    recipe = resolve_recipe(TrainOptions(recipe="redseg", data=".", out=".", optimizer="adam", lr=1e-4))
    assert [stage.optimizer.name for stage in recipe.stages] == ["adam", "adam"]
    assert [stage.optimizer.lr for stage in recipe.stages] == pytest.approx([1e-4, 1e-5])


def test_schedule_override_decays_every_stage_over_its_own_epochs():
    from edgeseg.train.options import resolve_recipe

    recipe = resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", epochs=60, schedule="poly"))
    schedule = recipe.stages[0].schedule
    assert schedule.kind == "poly"
    # the recipe's step schedule would keep the full rate until epoch 115; poly halves it well before
    assert schedule.factor_at(0, 0, 12, 60) == 1.0
    assert schedule.factor_at(30, 0, 12, 60) == pytest.approx(0.5**0.9)
    assert schedule.factor_at(59, 11, 12, 60) < 0.01


def test_a_stretched_schedule_decays_at_the_same_fractions_of_a_longer_run():
    from edgeseg.train.options import resolve_recipe

    written = resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".")).stages[0].schedule
    assert resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", epochs=400, schedule="stretched")).stages[0].schedule == written
    schedule = resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", epochs=1600, schedule="stretched")).stages[0].schedule
    assert (schedule.kind, schedule.start, schedule.every, schedule.factor) == ("step", 460, 60, 0.75)
    assert schedule.factor_at(459, 0, 12, 1600) == 1.0 and schedule.factor_at(460, 0, 12, 1600) == 0.75
    assert schedule.factor_at(1599, 0, 12, 1600) == pytest.approx(written.factor_at(399, 0, 12, 400))
    assert resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", epochs=1600)).stages[0].schedule == written  # not unless asked


def test_resume_overrides_are_kept_for_later_resumes(synthetic_root, tmp_path):
    run = tmp_path / "run"
    train(_options(synthetic_root, run, epochs=1))
    resume(run, epochs=2, crop=32, progress=False)
    saved = json.loads((run / "config.json").read_text())
    assert saved["crop"] == 32 and saved["epochs"] == 2


def test_weight_average_follows_the_ema_formula():
    from edgeseg.train.averaging import WeightAverage

    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 3), torch.nn.BatchNorm2d(2))
    average = WeightAverage(model, decay=0.9)
    first = {key: value.clone() for key, value in model.state_dict().items()}
    average.update(model)  # the first update copies
    with torch.no_grad():
        model[0].weight.add_(1.0)
        model[1].running_mean.add_(2.0)
    average.update(model)
    averaged = average.module.state_dict()
    assert torch.allclose(averaged["0.weight"], 0.9 * first["0.weight"] + 0.1 * model[0].weight)
    assert torch.allclose(averaged["1.running_mean"], torch.full((2,), 0.2))  # BatchNorm statistics are averaged too
    with pytest.raises(EdgesegError, match="--ema 1.0: the decay per optimizer step must be in"):
        WeightAverage(model, decay=1.0)


def test_ema_run_saves_the_average_and_resume_continues_it(synthetic_root, tmp_path):
    """``--ema``: last/best hold the average, not the optimizer's weights, and a run stopped after
    one epoch and resumed ends with the same average as a run that was never stopped."""
    whole = tmp_path / "whole"
    train(_options(synthetic_root, whole, epochs=2, ema=0.5, val_every=1))
    raw = {key[len("model."):]: value for key, value in load_file(str(whole / "resume.safetensors")).items() if key.startswith("model.")}
    averaged = _parameters(whole / "last.safetensors")
    assert max(float((averaged[key] - raw[key]).abs().max()) for key in averaged) > 1e-4
    assert _parameters(whole / "best.safetensors").keys() == averaged.keys()
    stopped = tmp_path / "stopped"
    train(_options(synthetic_root, stopped, epochs=1, ema=0.5, val_every=1))
    resume(stopped, epochs=2, progress=False)
    resumed = _parameters(stopped / "last.safetensors")
    assert max(float((averaged[key] - resumed[key]).abs().max()) for key in averaged) < 1e-6


def test_without_a_validation_split_the_saved_weights_still_get_precise_batchnorm(synthetic_root, tmp_path):
    """`--val-fraction 0` (a final run on every training image) trains on crops and validates
    nothing; its saved BatchNorm statistics must still be those of whole training images."""
    from edgeseg.checkpoint import load_model
    from edgeseg.train.engine import Trainer
    from edgeseg.train.validation import recalibrate_batchnorm

    options = _options(synthetic_root, tmp_path / "r", val_fraction=0.0, crop=32, epochs=2, precise_bn_images=4)
    train(options)
    model, _ = load_model(tmp_path / "r" / "last.safetensors")
    saved = {k: v.clone() for k, v in model.state_dict().items() if k.endswith(("running_mean", "running_var"))}
    data = Trainer(options).load_data(tuple(model.lesions))
    assert not data.val
    recalibrate_batchnorm(model, data.train[:4], data.preprocessing, torch.device("cpu"), 2)
    for key, value in model.state_dict().items():
        if key in saved:
            torch.testing.assert_close(saved[key], value, rtol=1e-4, atol=1e-5)


def test_balanced_crop_sampling_weights_lesion_types_by_rarity():
    import numpy as np

    from edgeseg.train.datasets import CachedImage
    from edgeseg.train.options import resolve_recipe
    from edgeseg.train.tasks import make_augment

    def cached(*present: int) -> CachedImage:
        masks = np.zeros((4, 8, 8), np.uint8)
        for channel in present:
            masks[channel, 3, 3] = 1
        return CachedImage("x", np.zeros((8, 8, 3), np.uint8), masks)

    images = [cached(0, 1, 2), cached(0, 1, 2), cached(0, 2, 3), cached(0), CachedImage("graded", np.zeros((8, 8, 3), np.uint8), None)]
    balanced = resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", crop_sampling="balanced"))
    assert make_augment(balanced, 32, images).lesion_weights == pytest.approx((1 / 4, 1 / 2, 1 / 3, 1 / 1))
    assert make_augment(balanced, None, images).crop is None  # whole images: nothing to centre
    per_image = resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out="."))
    assert make_augment(per_image, 32, images).lesion_weights is None
    with pytest.raises(EdgesegError, match="crop sampling 'rare': choose from per-image, balanced"):
        resolve_recipe(TrainOptions(recipe="u2xs-mt", data=".", out=".", crop_sampling="rare"))


def test_crop_sampling_reaches_the_run_and_can_change_on_resume(synthetic_root, tmp_path):
    from edgeseg.cli import main

    run = tmp_path / "run"
    assert main(["train", "--recipe", "u2xs-mt", "--data", str(synthetic_root), "--out", str(run), "--epochs", "1", "--size", "64",
                 "--batch-size", "2", "--max-iterations", "1", "--device", "cpu", "--crop", "32", "--crop-sampling", "balanced"]) == 0
    assert json.loads((run / "config.json").read_text())["crop_sampling"] == "balanced"
    resume(run, epochs=2, crop_sampling="per-image", progress=False)
    assert json.loads((run / "config.json").read_text())["crop_sampling"] == "per-image"
