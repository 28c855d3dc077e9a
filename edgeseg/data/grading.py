"""IDRiD's disease-grading part in a prepared copy, and the copies that leak between its parts.

`edgeseg data prepare --idrid DIR --grading` writes the 516 graded photographs (B. Disease
Grading) beside the segmentation part, cropped and resized like it::

    OUT/grading/{train,test}/images/<stem>.jpg + grades.csv      (columns image, dr, dme)
    OUT/train/grades.csv        grades of the segmentation-training photographs that are copies
                                of grading-training photographs (SUNet's images with masks)

**Leakage** (``../shared/data/README.md``). A photograph may sit in both IDRiD parts, or twice
in the grading part:

- segmentation <-> grading copies come from ``segmentation_to_grading_nearest.csv``
  (:func:`edgeseg.data.idrid.idrid_overlap`, ``corr >= 0.999``): 42 segmentation-training
  photographs are grading-training ones, 3 are grading-test ones (IDRiD_088, 089, 091) and 15
  segmentation-test photographs are grading-training ones;
- grading <-> grading copies are found from the pixels (:mod:`edgeseg.data.copies`): on IDRiD
  the 6 pairs the data README lists (5 inside the training split, test IDRiD_064 = train
  IDRiD_118), all at correlation 1.000, against 0.990 for the closest pair that is not a copy.

Decisions, recorded in the manifest's ``grading`` entry:

- ``OUT/train/grades.csv`` grades only the segmentation-training photographs whose copy is a
  grading-*training* photograph, with that photograph's labels. The 3 whose copy is a grading-test
  photograph get no grade (their labels are test labels) and are listed as ``withheld``: the
  training engine leaves them out of grading recipes altogether (:func:`training_copies_of_test`).
  Segmentation-test photographs never get grades.
- ``leaky_test``: the grading-test photographs with a copy in any training data (the
  segmentation-training photographs, whose masks train every lesion model here, or the
  grading-training photographs). Every grading evaluation reports all test photographs and the
  leak-free rest.
- ``leaky_segmentation_test``: the segmentation-test photographs with a copy in the grading
  training split (15 on IDRiD). A grading model's lesion maps scored on them are not leak-free.
- ``copy_groups``: every copy link between prepared photographs (``train/IDRiD_47`` and
  ``grading/train/IDRiD_064`` are one photograph), so that training keeps copies on one side
  of its validation split (:func:`copy_groups`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from edgeseg.data.copies import COPY_CORRELATION, link_groups, near_duplicates, photograph_thumbnail
from edgeseg.data.folder import GRADES, grades_csv_bytes
from edgeseg.data.idrid import (
    GRADING_CSV,
    GRADING_DIR,
    OVERLAP_CSV,
    OverlapPair,
    idrid_overlap,
    read_grading_csv,
    read_idrid_grading,
)
from edgeseg.data.samples import SegSample
from edgeseg.errors import DataError

GRADING_FOLDER = "grading"
MANIFEST_ENTRY = "grading"
SPLITS = ("train", "test")


def grading_split(split: str) -> str:
    """The prepared folder of a grading split, relative to the prepared root: ``grading/train``."""
    return f"{GRADING_FOLDER}/{split}"


def grading_samples(root: str | Path) -> list[SegSample]:
    """IDRiD's graded photographs as samples without masks, in the splits ``grading/train`` and
    ``grading/test``, so that `data prepare` crops and resizes them like segmentation images."""
    return [
        SegSample(sample.stem, sample.image, {}, grading_split(split))
        for split in SPLITS
        for sample in read_idrid_grading(root, split)
    ]


def grading_label_files(root: str | Path) -> list[Path]:
    """The files besides the images that the prepared grading part depends on: both label CSVs
    and the overlap table (they enter `data prepare`'s input fingerprint)."""
    return [*(_labels_csv(root, split) for split in SPLITS), Path(root) / OVERLAP_CSV]


def _labels_csv(root: str | Path, split: str) -> Path:
    return Path(root) / GRADING_DIR / "2. Groundtruths" / GRADING_CSV[split]


def _segmentation_copy_records(pairs: Sequence[OverlapPair]) -> list[dict]:
    return [
        {
            "segmentation": f"{pair.segmentation_split}/{pair.segmentation_image}",
            "grading": f"{grading_split(pair.grading_split)}/{pair.grading_image}",
            "correlation": pair.correlation,
        }
        for pair in sorted(pairs, key=lambda p: (p.segmentation_split, p.segmentation_image))
    ]


def leaky_test_photographs(pairs: Sequence[OverlapPair], duplicates: Sequence[tuple[str, str, float]]) -> dict[str, str]:
    """``{grading-test stem: reason}`` for every grading-test photograph with a copy in training
    data: a segmentation-training photograph (``pairs``) or a grading-training one (``duplicates``,
    named as ``grading/<split>/<stem>``)."""
    leaky: dict[str, str] = {}
    for pair in pairs:
        if pair.grading_split == "test" and pair.segmentation_split == "train":
            leaky[pair.grading_image] = f"copy of segmentation-training {pair.segmentation_image} (its lesion masks train the lesion models)"
    test_prefix, train_prefix = grading_split("test") + "/", grading_split("train") + "/"
    for first, second, _ in duplicates:
        for this, other in ((first, second), (second, first)):
            if this.startswith(test_prefix) and other.startswith(train_prefix):
                leaky[this[len(test_prefix):]] = f"copy of grading-training {other[len(train_prefix):]}"
    return dict(sorted(leaky.items()))


def segmentation_grades(
    pairs: Sequence[OverlapPair], labels: Mapping[str, Mapping[str, tuple[int, int]]]
) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """(grades, withheld) for the segmentation-training photographs: the grades of those whose copy
    is a grading-training photograph, and, with the reason, those whose copy is a test one."""
    grades, withheld = {}, {}
    for pair in pairs:
        if pair.segmentation_split != "train":
            continue
        if pair.grading_split == "train":
            if pair.grading_image not in labels["train"]:
                raise DataError(f"{OVERLAP_CSV}: {pair.grading_image} is not in the grading-training labels; is the table from this IDRiD release?")
            grades[pair.segmentation_image] = labels["train"][pair.grading_image]
        else:
            withheld[pair.segmentation_image] = f"copy of grading-{pair.grading_split} {pair.grading_image}: its labels are test labels"
    return dict(sorted(grades.items())), dict(sorted(withheld.items()))


def grading_duplicates(root: str | Path, progress: Callable[[Iterable, int], Iterable] | None = None) -> list[tuple[str, str, float]]:
    """Pairs of IDRiD graded photographs that are copies of each other, named
    ``grading/<split>/<stem>`` (:func:`edgeseg.data.copies.near_duplicates`); ``progress`` wraps
    the iterator over the photographs (a tqdm bar, given the iterator and its length)."""
    from concurrent.futures import ThreadPoolExecutor

    samples = grading_samples(root)
    with ThreadPoolExecutor(max_workers=2) as pool:  # OpenCV releases the GIL
        thumbnails = pool.map(lambda sample: photograph_thumbnail(sample.image), samples)
        thumbnails = list(progress(thumbnails, len(samples)) if progress else thumbnails)
    return near_duplicates({f"{sample.split}/{sample.stem}": thumb for sample, thumb in zip(samples, thumbnails)})


def idrid_leaky_test(root: str | Path, progress: Callable[[Iterable, int], Iterable] | None = None) -> dict[str, str]:
    """``{grading-test stem: reason}`` of an official IDRiD folder (:func:`leaky_test_photographs`),
    the grading copies found from the pixels (:func:`grading_duplicates`)."""
    return leaky_test_photographs(idrid_overlap(root, COPY_CORRELATION), grading_duplicates(root, progress))


def grading_outputs(root: str | Path, progress: Callable[[Iterable, int], Iterable] | None = None) -> tuple[dict[str, bytes], dict]:
    """The grades files to write (relative path -> bytes) and the manifest entry ``grading``, from
    an official IDRiD folder's label CSVs, its overlap table and the graded photographs' pixels
    (:func:`grading_duplicates`): `data prepare --grading`'s ``finish`` step."""
    root = Path(root)
    labels = {split: read_grading_csv(_labels_csv(root, split)) for split in SPLITS}
    pairs = idrid_overlap(root, COPY_CORRELATION)
    duplicates = grading_duplicates(root, progress)
    grades, withheld = segmentation_grades(pairs, labels)
    files = {f"{grading_split(split)}/{GRADES}": grades_csv_bytes(labels[split]) for split in SPLITS}
    files[f"train/{GRADES}"] = grades_csv_bytes(grades)
    entry = {
        "splits": {
            split: {
                "images": len(labels[split]),
                "dr": np.bincount([dr for dr, _ in labels[split].values()], minlength=5).tolist(),
                "dme": np.bincount([dme for _, dme in labels[split].values()], minlength=3).tolist(),
            }
            for split in SPLITS
        },
        "copy_correlation": COPY_CORRELATION,
        "segmentation_copies": _segmentation_copy_records(pairs),
        "grading_duplicates": [{"first": a, "second": b, "correlation": c} for a, b, c in duplicates],
        "leaky_test": leaky_test_photographs(pairs, duplicates),
        "leaky_segmentation_test": {
            pair.segmentation_image: f"copy of grading-training {pair.grading_image}"
            for pair in sorted(pairs, key=lambda p: p.segmentation_image)
            if pair.segmentation_split == "test" and pair.grading_split == "train"
        },
        "segmentation_grades": {"graded": len(grades), "withheld": withheld},
    }
    return files, {MANIFEST_ENTRY: entry}


def copy_groups(manifest: Mapping | None) -> dict[str, str]:
    """``{photograph: group}`` over the copies a prepared manifest records (segmentation <->
    grading and grading <-> grading), photographs named by their prepared path without suffix
    (``train/IDRiD_47``, ``grading/train/IDRiD_064``). A photograph without a copy is not listed."""
    grading = (manifest or {}).get(MANIFEST_ENTRY) or {}
    links = [(r["segmentation"], r["grading"]) for r in grading.get("segmentation_copies", [])]
    links += [(r["first"], r["second"]) for r in grading.get("grading_duplicates", [])]
    return link_groups(links)


def training_copies_of_test(manifest: Mapping | None) -> set[str]:
    """Segmentation-training stems that are copies of grading-test photographs (IDRiD_09, 22, 31):
    a grading model must not see them at all, not even as images without grades."""
    return set((((manifest or {}).get(MANIFEST_ENTRY) or {}).get("segmentation_grades") or {}).get("withheld", {}))


def training_groups(
    manifest: Mapping | None, segmentation_stems: Sequence[str], graded_stems: Sequence[str]
) -> tuple[list[str], list[str]]:
    """The copy group (:func:`copy_groups`) of each segmentation-training and each
    grading-training photograph of a prepared folder, for a validation split without leaks."""
    groups = copy_groups(manifest)
    names = [f"train/{stem}" for stem in segmentation_stems], [f"{grading_split('train')}/{stem}" for stem in graded_stems]
    return [groups.get(name, name) for name in names[0]], [groups.get(name, name) for name in names[1]]


def leaky_test_stems(manifest: Mapping | None) -> dict[str, str]:
    """``{grading-test stem: reason}`` recorded by `data prepare --grading` (empty without it)."""
    return dict(((manifest or {}).get(MANIFEST_ENTRY) or {}).get("leaky_test", {}))


def source_photographs(manifest: Mapping | None, split: str, samples: Sequence[SegSample]) -> list[Path]:
    """The photographs to grade: each graded photograph of ``split`` as the camera gave it, which
    is what `edgeseg predict` sees (the manifest records it as ``source_image``), else the prepared
    copy (cropped, resized and re-encoded, so a lesion model's maps of it differ). The head learns
    from these (:mod:`edgeseg.train.grading_head`) and the bench scores on them."""
    records = {record["stem"]: record for record in ((manifest or {}).get("images", {}).get(split) or [])}
    chosen = []
    for sample in samples:
        source = Path(records.get(sample.stem, {}).get("source_image", ""))
        chosen.append(source if source.name and source.is_file() else Path(sample.image))
    return chosen
