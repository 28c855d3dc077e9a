"""The generic folder layout, for DDR, a user's own data, and edgeseg's prepared copies.

::

    ROOT/[SPLIT/]images/<stem>.<jpg|png|tif|...>
    ROOT/[SPLIT/]masks/<LESION>/<stem>_<LESION>.png
    ROOT/[SPLIT/]grades.csv       (optional: columns image, dr, dme)
    ROOT/grading/SPLIT/images/... + grades.csv   (optional: graded images without masks)
    ROOT/manifest.json            (optional: written by `edgeseg data prepare` / `data synth`)

``SPLIT`` is ``train`` or ``test`` (any name works); a folder with ``images/`` directly inside is
a single split. A lesion without a mask file for an image is all-negative for that image.
"""

from __future__ import annotations

from pathlib import Path

from edgeseg.data.samples import SegSample
from edgeseg.errors import DataError
from edgeseg.fileio import IMAGE_SUFFIXES, MASK_SUFFIXES
from edgeseg.lesions import ALL_LESIONS

MANIFEST = "manifest.json"


def split_dir(root: str | Path, split: str | None) -> Path:
    """The folder holding ``images/`` for ``split`` under ``root``."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found")
    if split and (root / split / "images").is_dir():
        return root / split
    if (root / "images").is_dir():
        return root
    splits = sorted(p.name for p in root.iterdir() if (p / "images").is_dir())
    if split is None and splits:
        raise DataError(f"{root}: holds the splits {', '.join(splits)}; choose one with --split")
    if splits:
        raise DataError(f"{root}: no split {split!r}; found {', '.join(splits)}")
    raise DataError(
        f"{root}: no images/ folder; expected ROOT/[SPLIT/]images/ and "
        f"ROOT/[SPLIT/]masks/<LESION>/<stem>_<LESION>.png (or the official IDRiD layout)"
    )


def list_splits(root: str | Path) -> list[str]:
    """Split names under ``root`` (``[""]`` when ``root`` itself is a single split)."""
    root = Path(root)
    if (root / "images").is_dir():
        return [""]
    return sorted(p.name for p in root.iterdir() if (p / "images").is_dir()) if root.is_dir() else []


def masks_by_stem(lesion_dir: Path, lesion: str) -> dict[str, Path]:
    """``{stem: path}`` of the ``<stem>_<LESION>.<ext>`` mask files in ``lesion_dir`` (any case)."""
    suffix = f"_{lesion}".lower()
    files = sorted(lesion_dir.iterdir()) if lesion_dir.is_dir() else []
    return {p.stem[: -len(suffix)]: p for p in files if p.suffix.lower() in MASK_SUFFIXES and p.stem.lower().endswith(suffix)}


def mask_files(folder: Path) -> dict[str, dict[str, Path]]:
    """``{lesion: {stem: path}}`` for the mask files under ``folder/masks``."""
    return {lesion: masks_by_stem(folder / "masks" / lesion, lesion) for lesion in ALL_LESIONS}


def read_folder(root: str | Path, split: str | None = None) -> list[SegSample]:
    """The samples of ``split`` in a generic-layout folder, sorted by stem."""
    folder = split_dir(root, split)
    images = sorted(p for p in (folder / "images").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise DataError(f"{folder / 'images'}: no images found ({', '.join(IMAGE_SUFFIXES)})")
    masks = mask_files(folder)
    name = split or folder.name
    return [
        SegSample(
            stem=image.stem,
            image=image,
            masks={lesion: masks[lesion][image.stem] for lesion in ALL_LESIONS if image.stem in masks[lesion]},
            split=name,
        )
        for image in images
    ]


GRADES = "grades.csv"


def read_grades(folder: str | Path) -> dict[str, tuple[int, int]]:
    """``{stem: (DR grade, DME risk)}`` from ``folder/grades.csv`` (columns image, dr, dme);
    empty when the file is absent."""
    import csv

    path = Path(folder) / GRADES
    if not path.is_file():
        return {}
    grades = {}
    with path.open(newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                grades[row["image"].strip()] = (int(row["dr"]), int(row["dme"]))
            except (KeyError, ValueError, AttributeError):
                raise DataError(f"{path}, line {line}: expected columns image, dr, dme with integer grades") from None
    return grades


def grades_csv_bytes(grades: dict[str, tuple[int, int]]) -> bytes:
    """The ``grades.csv`` text (columns image, dr, dme; sorted by image) as bytes."""
    lines = ["image,dr,dme"] + [f"{stem},{dr},{dme}" for stem, (dr, dme) in sorted(grades.items())]
    return ("\n".join(lines) + "\n").encode()


def write_grades(folder: str | Path, grades: dict[str, tuple[int, int]]) -> None:
    """Write ``folder/grades.csv`` atomically."""
    from edgeseg.fileio import atomic_write_bytes

    atomic_write_bytes(Path(folder) / GRADES, grades_csv_bytes(grades))
