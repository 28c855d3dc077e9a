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
