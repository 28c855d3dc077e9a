"""One entry point for segmentation data in any supported layout."""

from __future__ import annotations

from pathlib import Path

from edgeseg.data.folder import MANIFEST, read_folder
from edgeseg.data.idrid import is_idrid, read_idrid_segmentation
from edgeseg.data.samples import SegSample
from edgeseg.errors import DataError
from edgeseg.fileio import read_json


def open_split(root: str | Path, split: str | None = "test") -> list[SegSample]:
    """Segmentation samples of ``split`` from an official IDRiD folder or a generic folder."""
    root = Path(root)
    if not root.exists():
        raise DataError(f"{root}: folder not found")
    if is_idrid(root):
        return read_idrid_segmentation(root, split or "test")
    return read_folder(root, split)


def read_manifest(root: str | Path) -> dict | None:
    """The manifest of a prepared or synthetic folder, or None for a folder without one."""
    path = Path(root) / MANIFEST
    return read_json(path) if path.is_file() else None
