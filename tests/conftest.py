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
        "preprocessing": {"size": 64, "clahe": True, "mean": [0.56, 0.27, 0.08], "std": [0.26, 0.14, 0.09]},
        "metrics": {"thresholds": {"MA": 0.5, "HE": 0.5, "EX": 0.5, "SE": 0.5}},
        "data": {"name": "synthetic", "credit": "synthetic test data"},
        "training": {"data": "/nonexistent/data", "seed": 0, "val_fraction": 0.15},
    }
    save_model(path, model.eval(), card)
    return path
