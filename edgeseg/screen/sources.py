"""The photographs `edgeseg screen` is given: a folder (its images, sorted), a glob, or a manifest
(CSV or Parquet) with a ``path`` column and any other columns to carry into the table (patient,
eye, visit). Relative paths in a manifest are read from the manifest's folder."""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path

from edgeseg.errors import DataError
from edgeseg.fileio import IMAGE_SUFFIXES

PATH_COLUMN = "path"
MANIFEST_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class Photograph:
    """One photograph to screen and the manifest's columns to carry beside its row."""

    path: Path
    carried: dict = field(default_factory=dict)


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def _manifest(path: Path) -> list[Photograph]:
    import pyarrow.csv
    import pyarrow.parquet

    try:
        table = pyarrow.parquet.read_table(path) if path.suffix.lower() == ".parquet" else pyarrow.csv.read_csv(path)
    except Exception as exc:  # each reader raises its own types
        raise DataError(f"{path}: not a readable {path.suffix[1:].upper()} manifest ({str(exc).splitlines()[0][:160]})") from None
    if PATH_COLUMN not in table.column_names:
        raise DataError(f"{path}: the manifest has no '{PATH_COLUMN}' column (it has {', '.join(table.column_names)}); "
                        "add one with each photograph's file")
    rows = table.to_pylist()
    return [Photograph(path.parent / str(row[PATH_COLUMN]), {k: v for k, v in row.items() if k != PATH_COLUMN}) for row in rows]


def collect_photographs(source: str | Path) -> list[Photograph]:
    """The photographs of a folder, a glob (``"archive/*/*.jpg"``) or a manifest; an error naming
    ``source`` when it gives none."""
    path = Path(source)
    if path.is_dir():
        found = [Photograph(p) for p in _images_in(path)]
    elif path.is_file() and path.suffix.lower() in MANIFEST_SUFFIXES:
        found = _manifest(path)
    elif any(char in str(source) for char in "*?["):
        found = [Photograph(Path(p)) for p in sorted(glob.glob(str(source), recursive=True)) if Path(p).suffix.lower() in IMAGE_SUFFIXES]
    elif path.is_file():
        found = [Photograph(path)]
    else:
        raise DataError(f"{source}: no such folder, manifest or file; give a folder of photographs, a glob or a CSV/Parquet manifest")
    if not found:
        raise DataError(f"{source}: no photographs ({', '.join(IMAGE_SUFFIXES)}) found")
    return found
