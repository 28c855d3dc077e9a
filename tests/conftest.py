"""Shared fixtures: small synthetic data sets, a miniature IDRiD folder, the real IDRiD path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def real_idrid_root() -> Path:
    """The real IDRiD folder: $EDGESEG_IDRID, else ../shared/data/IDRiD beside the repository."""
    return Path(os.environ.get("EDGESEG_IDRID", REPO.parent / "shared" / "data" / "IDRiD"))


@pytest.fixture(scope="session")
def idrid_root() -> Path:
    root = real_idrid_root()
    if not (root / "A. Segmentation").is_dir():
        pytest.skip(f"real IDRiD data not found at {root} (set EDGESEG_IDRID to its folder)")
    return root


@pytest.fixture(scope="session")
def synthetic_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generic-layout synthetic data set: 6 train and 3 test images of 128x128."""
    from edgeseg.data.synthetic import write_synthetic_dataset

    return write_synthetic_dataset(tmp_path_factory.mktemp("synthetic") / "data", 6, 3, 128, seed=1)


@pytest.fixture()
def fake_idrid(tmp_path: Path) -> Path:
    """A miniature copy of the official IDRiD layout, with its traps, built from synthetic images."""
    from tests.idrid_fixture import build_fake_idrid

    return build_fake_idrid(tmp_path / "IDRiD")


@pytest.fixture(scope="session")
def tiny_model_file(tmp_path_factory):
    """A tiny trained-looking model file: a 3-pooling U-Net of width 4 at 64 px, with a model
    card as training writes it (its training data is not on this machine, so export falls back
    to synthetic fundus images). Export tests convert it; distillation tests use it as a teacher."""
    import torch

    from edgeseg.checkpoint import save_model
    from edgeseg.models import create

    torch.manual_seed(0)
    model = create("unet", depth=3, base_channels=4)
    path = tmp_path_factory.mktemp("tiny") / "tiny_unet.safetensors"
    card = {
        "model": "unet",
        "model_options": {"depth": 3, "base_channels": 4},
        "lesions": list(model.lesions),
        "task": "segmentation",
        "recipe": "test",
        "preprocessing": {"size": 64, "clahe": {"enabled": True, "clip_limit": 2.0, "tile_grid": 8}, "mean": [0.56, 0.27, 0.08], "std": [0.26, 0.14, 0.09]},
        "metrics": {"thresholds": {"MA": 0.5, "HE": 0.5, "EX": 0.5, "SE": 0.5}},
        "data": {"name": "synthetic", "credit": "synthetic test data"},
        "training": {"data": "/nonexistent/data", "seed": 0, "val_fraction": 0.15},
    }
    save_model(path, model.eval(), card)
    return path


@pytest.fixture(scope="session")
def trained_tiny_model_file(tmp_path_factory):
    """A tiny model that has learnt something: a 3-pooling U-Net of width 8 trained for a few
    seconds on lesion-rich synthetic photographs at 64 px (class-weighted BCE, Adam), until its
    AUPR is far above the lesions' prevalence (measured: HE, EX and SE above 0.8 after 100 steps
    at 96 px, prevalence 0.7-1.9 %). Verification tests need such a model: on an untrained one,
    a broken export loses nothing measurable and passes."""
    import numpy as np
    import torch

    from edgeseg.checkpoint import save_model
    from edgeseg.data.synthetic import make_fundus
    from edgeseg.inference.preprocessing import Preprocessing
    from edgeseg.models import create

    torch.manual_seed(0)
    contract = Preprocessing(64, False, (0.5, 0.25, 0.1), (0.3, 0.15, 0.1))
    images, masks = [], []
    for seed in range(24):
        fundus = make_fundus(128, seed=100 + seed, lesion_counts={"MA": 24, "HE": 10, "EX": 10, "SE": 5})
        prepared = contract.prepare(fundus.image)
        images.append(contract.normalize(prepared.square))
        masks.append(contract.masks_to_square(fundus.lesion_masks(), prepared.geometry).astype(np.float32))
    x, y = torch.tensor(np.stack(images)), torch.tensor(np.stack(masks))
    positive = y.mean(dim=(0, 2, 3)).clamp(min=1e-4)
    weight = ((1 - positive) / positive).clamp(max=50).view(1, 4, 1, 1)
    model = create("unet", depth=3, base_channels=8)
    optimizer = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(120):
        batch = torch.randint(0, len(x), (8,))
        output = model(x[batch])
        logits = output["logits"] if isinstance(output, dict) else output
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, y[batch], pos_weight=weight.expand_as(logits))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    path = tmp_path_factory.mktemp("trained") / "trained_unet.safetensors"
    card = {
        "model": "unet", "model_options": {"depth": 3, "base_channels": 8}, "lesions": list(model.lesions), "task": "segmentation",
        "recipe": "test", "preprocessing": contract.as_dict(), "metrics": {"thresholds": {"MA": 0.5, "HE": 0.5, "EX": 0.5, "SE": 0.5}},
        "data": {"name": "synthetic", "credit": "synthetic test data"},
        "training": {"data": "/nonexistent/data", "seed": 0, "val_fraction": 0.15},
    }
    save_model(path, model.eval(), card)
    return path
