"""Every recipe runs two iterations per stage on synthetic data on the CPU."""

from __future__ import annotations

import math

import pytest

from edgeseg.checkpoint import load_model, read_card
from edgeseg.train import TrainOptions, list_recipes, train

# Every recipe of the engine; the graded student's head trains on graded photographs by its own
# trainer and is tested in tests/train/test_grading_head.py.
RECIPES = [recipe.name for recipe in list_recipes() if recipe.data != "student-maps"]
SIZE = {"localglobal": 128}
OPTIONS = {"localglobal": {"base_channels": 4, "global_size": 64, "patch_size": 32}, "localnet": {"base_channels": 4}}


@pytest.mark.parametrize("name", RECIPES)
def test_two_iterations_per_stage(name, synthetic_root, tmp_path, tiny_model_file):
    options = TrainOptions(
        recipe=name,
        data=str(synthetic_root),
        out=str(tmp_path / "run"),
        epochs=1,
        size=SIZE.get(name.split("-")[0], 64),
        batch_size=2,
        max_iterations=2,
        val_fraction=0.34,
        device="cpu",
        progress=False,
        model_options=OPTIONS.get(name, {}),
        teachers=[str(tiny_model_file)] if name.startswith("distill-") else [],
    )
    summary = train(options)
    assert summary.epochs_done >= 1
    model, card = load_model(tmp_path / "run")
    assert card["recipe"] == name and card["lesions"] == list(model.lesions)
    assert card["preprocessing"]["size"] == options.size
    assert "Research use only" in card["notice"]
    assert read_card(tmp_path / "run" / "last.safetensors")["position"]["step"] == 2 * len(model_stages(name))
    log = (tmp_path / "run" / "steps.csv").read_text().splitlines()
    assert len(log) == 1 + 2 * len(model_stages(name))
    assert all(math.isfinite(float(line.split(",")[4])) for line in log[1:])


def model_stages(name):
    from edgeseg.train import get_recipe

    return get_recipe(name).stages
