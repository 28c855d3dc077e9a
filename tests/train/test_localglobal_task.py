"""The local-global training step (paper 001) runs only the parts its stage's loss scores, and
its loss is the one the full forward of all three parts gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import default_collate

from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.models import create
from edgeseg.train.datasets import CachedImage
from edgeseg.train.engine import TrainingData, trainable_parameters
from edgeseg.train.recipes import get_recipe
from edgeseg.train.steps import build_task
from edgeseg.train.tasks import StepContext

SIZE = 96
PARTS = {"global": "global_net", "local": "local_net", "fusion": "fusion"}


class FullForward(nn.Module):
    """The model as before stages chose their outputs: every part runs, whatever the loss uses."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.module = model

    def forward(self, *args, outputs=None):
        return self.module.forward_patches(*args)


def _data() -> TrainingData:
    rng = np.random.default_rng(0)
    items = []
    for index in range(2):
        image = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        masks = np.zeros((1, SIZE, SIZE), np.uint8)
        masks[0, 20 + 30 * index : 26 + 30 * index, 40:47] = 1
        items.append(CachedImage(f"image{index}", image, masks))
    preprocessing = Preprocessing(SIZE, False, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    return TrainingData(items, [], [], [], preprocessing, None, lesions=("MA",))


def _model() -> nn.Module:
    torch.manual_seed(0)
    return create("localglobal", lesion="MA", base_channels=4, global_size=64, patch_size=32).train()


def _step(stage_name: str):
    recipe = get_recipe("localglobal")
    stage = next(stage for stage in recipe.stages if stage.name == stage_name)
    task = build_task(recipe, stage, _data(), 0, None)
    batch = default_collate([task.dataset[key] for key in task.plan(0, 2)[0]])
    return stage, task, batch, StepContext(0, stage.epochs, 0, 1, 0, 0)


def _learned(model: nn.Module) -> set[str]:
    return {part for part, name in PARTS.items() if any(p.grad is not None and p.grad.abs().sum() > 0 for p in getattr(model, name).parameters())}


@pytest.mark.parametrize(
    "stage_name, runs, learns",
    [
        ("pretrain-global", {"global_net": 1, "local_net": 0}, {"global"}),
        ("pretrain-local", {"global_net": 0, "local_net": 1}, {"local"}),
        ("fusion", {"global_net": 1, "local_net": 1}, {"fusion"}),
        ("finetune", {"global_net": 1, "local_net": 1}, {"global", "local", "fusion"}),
    ],
)
def test_each_stage_runs_only_what_its_loss_scores_and_loses_nothing(stage_name, runs, learns, monkeypatch):
    stage, task, batch, context = _step(stage_name)
    reference_model = _model()
    trainable_parameters(reference_model, stage)
    expected = task.compute_loss(FullForward(reference_model), batch, context)

    model = _model()
    trainable_parameters(model, stage)
    calls = {"global_net": 0, "local_net": 0}
    for name in calls:
        features = getattr(model, name).features
        monkeypatch.setattr(getattr(model, name), "features", lambda x, _f=features, _n=name: calls.__setitem__(_n, calls[_n] + 1) or _f(x))
    loss = task.compute_loss(model, batch, context)

    assert calls == runs
    assert torch.allclose(loss, expected, rtol=1e-6, atol=0)
    loss.backward()
    assert _learned(model) == learns
    expected.backward()
    for name in PARTS.values():  # the same gradients as the full forward gave
        for mine, theirs in zip(getattr(model, name).parameters(), getattr(reference_model, name).parameters()):
            assert (mine.grad is None) == (theirs.grad is None)
            if mine.grad is not None:
                assert torch.allclose(mine.grad, theirs.grad, rtol=1e-5, atol=1e-7)


def test_fusion_stage_runs_the_frozen_nets_without_a_graph():
    stage, task, batch, context = _step("fusion")
    model = _model()
    trainable_parameters(model, stage)
    seen = {}
    for name in ("global_net", "local_net"):
        net = getattr(model, name)
        features = net.features
        net.features = lambda x, _f=features, _n=name: seen.setdefault(_n, _f(x))
    task.compute_loss(model, batch, context)
    assert all(not tensor.requires_grad for outputs in seen.values() for tensor in outputs)


def test_forward_patches_returns_only_the_outputs_asked_for():
    model = _model()
    global_image, patches = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 32, 32)
    boxes = torch.tensor([(0, 0, 32, 32), (10, 10, 42, 42)])
    full = model.forward_patches(global_image, patches, boxes, (96, 96))
    assert set(model.forward_patches(global_image, patches, boxes, (96, 96), outputs=("global",))) == {"global"}
    assert set(model.forward_patches(global_image, patches, boxes, (96, 96), outputs=("local",))) == {"local"}
    assert set(model(global_image, patches, boxes, (96, 96), outputs=("logits",))) == {"logits", "global", "local"}
    only_local = model.forward_patches(global_image, patches, boxes, (96, 96), outputs=("local",))
    assert torch.allclose(only_local["local"], full["local"])
    with pytest.raises(Exception, match="outputs"):
        model.forward_patches(global_image, patches, boxes, (96, 96), outputs=("fused",))


def test_every_local_global_stage_loss_names_its_outputs():
    """Every stage of the local-global step has its outputs; no other step uses the mapping."""
    from edgeseg.train.recipes import list_recipes
    from edgeseg.train.tasks import STAGE_OUTPUTS

    for recipe in list_recipes():
        for stage in recipe.stages:
            assert (stage.loss in STAGE_OUTPUTS) == (stage.step == "localglobal"), (recipe.name, stage.name)
