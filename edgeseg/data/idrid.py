"""Readers for the official IDRiD layout (Porwal et al., Data 3(3):25, 2018; CC-BY 4.0).

They work on an unchanged official download and handle its traps (``../shared/data/README.md``):
masks in several encodings (see :func:`edgeseg.fileio.read_mask`), lesions without a mask for
some images (all-negative), grading CSVs with trailing empty columns and a header with a
trailing space, grading images that may be downsampled, and images shared between the
segmentation and grading parts (:func:`idrid_overlap`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from edgeseg.data.samples import GradingSample, SegSample
from edgeseg.errors import DataError
from edgeseg.data.folder import masks_by_stem
from edgeseg.fileio import IMAGE_SUFFIXES
from edgeseg.lesions import ALL_LESIONS

CREDIT = (
    "IDRiD: Porwal et al., 'Indian Diabetic Retinopathy Image Dataset (IDRiD)', Data 3(3):25, "
    "2018, and the ISBI 2018 challenge (Medical Image Analysis 59:101561, 2020); licence "
    "CC-BY 4.0."
)

SEGMENTATION_DIR = "A. Segmentation"
GRADING_DIR = "B. Disease Grading"
SPLIT_DIRS = {"train": "a. Training Set", "test": "b. Testing Set"}
LESION_DIRS = {
    "MA": "1. Microaneurysms",
    "HE": "2. Haemorrhages",
    "EX": "3. Hard Exudates",
    "SE": "4. Soft Exudates",
    "OD": "5. Optic Disc",
}
GRADING_CSV = {
    "train": "a. IDRiD_Disease Grading_Training Labels.csv",
    "test": "b. IDRiD_Disease Grading_Testing Labels.csv",
}
OVERLAP_CSV = "segmentation_to_grading_nearest.csv"


def is_idrid(root: str | Path) -> bool:
    """True when ``root`` holds the official IDRiD layout (either part)."""
    root = Path(root)
    return (root / SEGMENTATION_DIR).is_dir() or (root / GRADING_DIR).is_dir()


def _check_split(split: str) -> str:
    if split not in SPLIT_DIRS:
        raise DataError(f"unknown IDRiD split {split!r}; choose from {', '.join(SPLIT_DIRS)}")
    return split


def _images_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found; is this the official IDRiD layout?")
    images = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise DataError(f"{folder}: no images found")
    return images


def segmentation_mask_files(root: str | Path, split: str) -> dict[str, dict[str, Path]]:
    """``{lesion: {stem: path}}`` of every segmentation mask file of ``split``."""
    base = Path(root) / SEGMENTATION_DIR / "2. All Segmentation Groundtruths" / SPLIT_DIRS[_check_split(split)]
    return {lesion: masks_by_stem(base / folder_name, lesion) for lesion, folder_name in LESION_DIRS.items()}


def read_idrid_segmentation(root: str | Path, split: str) -> list[SegSample]:
    """The segmentation samples of ``split`` ("train": IDRiD_01-54, "test": 55-81)."""
    images = _images_in(Path(root) / SEGMENTATION_DIR / "1. Original Images" / SPLIT_DIRS[_check_split(split)])
    masks = segmentation_mask_files(root, split)
    return [
        SegSample(
            stem=image.stem,
            image=image,
            masks={lesion: masks[lesion][image.stem] for lesion in ALL_LESIONS if image.stem in masks[lesion]},
            split=split,
        )
        for image in images
    ]


def read_grading_csv(path: str | Path) -> dict[str, tuple[int, int]]:
    """``{image name: (DR grade, DME risk)}`` from an IDRiD grading CSV, parsed tolerantly.

    Header cells are matched after stripping spaces and case (the official header reads
    ``Risk of macular edema `` with a trailing space); trailing empty columns and blank rows
    are ignored.
    """
    path = Path(path)
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    except FileNotFoundError:
        raise DataError(f"{path}: grading labels not found") from None
    if not rows:
        raise DataError(f"{path}: empty CSV")
    header = [cell.strip().lower() for cell in rows[0]]
    try:
        name_col = header.index("image name")
        dr_col = header.index("retinopathy grade")
        dme_col = header.index("risk of macular edema")
    except ValueError:
        raise DataError(
            f"{path}: expected the columns 'Image name', 'Retinopathy grade', "
            f"'Risk of macular edema'; found {rows[0]}"
        ) from None
    labels: dict[str, tuple[int, int]] = {}
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            dr, dme = int(row[dr_col]), int(row[dme_col])
        except (ValueError, IndexError):
            raise DataError(f"{path}, line {line_number}: cannot read grades from {row}") from None
        if not (0 <= dr <= 4 and 0 <= dme <= 2):
            raise DataError(f"{path}, line {line_number}: DR must be 0-4 and DME 0-2, got {dr}, {dme}")
        labels[row[name_col].strip()] = (dr, dme)
    return labels


def read_idrid_grading(root: str | Path, split: str) -> list[GradingSample]:
    """The grading samples of ``split`` (413 train, 103 test in the official release)."""
    root = Path(root)
    labels = read_grading_csv(root / GRADING_DIR / "2. Groundtruths" / GRADING_CSV[_check_split(split)])
    images = {p.stem: p for p in _images_in(root / GRADING_DIR / "1. Original Images" / SPLIT_DIRS[split])}
    missing = sorted(set(labels) - set(images))
    if missing:
        raise DataError(f"{root / GRADING_DIR}: labelled images not found: {', '.join(missing[:5])}")
    return [GradingSample(stem, images[stem], dr, dme, split) for stem, (dr, dme) in sorted(labels.items())]


@dataclass(frozen=True)
class OverlapPair:
    """A segmentation image that is (near-)identically present in the grading part."""

    segmentation_image: str
    segmentation_split: str
    grading_image: str
    grading_split: str
    correlation: float


def idrid_overlap(root: str | Path, min_correlation: float = 0.999) -> list[OverlapPair]:
    """Segmentation images that are copies of grading images (``corr >= min_correlation``).

    Read from ``segmentation_to_grading_nearest.csv`` beside the IDRiD folders. A model trained
    on one part and evaluated on the other must leave these images out of its evaluation.
    """
    path = Path(root) / OVERLAP_CSV
    if not path.is_file():
        raise DataError(f"{path}: overlap table not found (it lists the images shared by the two IDRiD parts)")
    pairs = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            correlation = float(row["corr"])
            if correlation >= min_correlation:
                grading_split, grading_image = row["nearest_grading_image"].split("/", 1)
                pairs.append(OverlapPair(row["seg_image"], row["seg_split"], grading_image, grading_split, correlation))
    return pairs
