"""`edgeseg data prepare`: a compact, cropped, resized copy of a data set, with its manifest.

For every image: crop the field of view (:mod:`edgeseg.inference.fov`), resize so that the longest
side is ``size`` pixels (aspect ratio kept), and resize each mask with
:func:`edgeseg.inference.image_ops.resize_mask`, which keeps the microaneurysms a plain resize
loses. The copy is written in the generic layout (:mod:`edgeseg.data.folder`) with a
``manifest.json``: per image and lesion the pixel and component counts, the field-of-view box,
the MA components kept, and the training split's per-channel mean and standard deviation
(raw and after CLAHE) on the [0, 1] scale. With IDRiD's grading part (``--grading``,
:mod:`edgeseg.data.grading`) the graded photographs are prepared the same way, without masks,
under ``grading/<split>/``, with their grades and the leaks between the parts in the manifest.

Guarantees: every input is read and checked before anything is written (bad input -> error,
nothing written); every file is written atomically; the manifest is written last and records a
fingerprint of the inputs and parameters, so re-running on unchanged inputs does nothing. An
interrupted run leaves complete files, no manifest and a marker file; re-running completes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.inference.fov import field_of_view_box, fundus_problem
from edgeseg.data.folder import MANIFEST
from edgeseg.data.samples import SegSample
from edgeseg.data.statistics import channel_moments, mean_std_from_moments
from edgeseg.inference.image_ops import MaskResizeStats, clahe, fit_size, resize_image, resize_mask
from edgeseg.errors import DataError
from edgeseg.fileio import (
    atomic_write_bytes,
    atomic_write_json,
    encode_image,
    encode_mask_png,
    read_json,
    read_mask,
)
from edgeseg.lesions import ALL_LESIONS, LESIONS

FORMAT = "edgeseg-folder-v1"
INCOMPLETE_MARKER = ".edgeseg-incomplete"
IMAGE_SUFFIX = ".jpg"
JPEG_QUALITY = 95


def _component_count(mask: np.ndarray) -> int:
    import cv2

    return int(cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1)


@dataclass
class EncodedSample:
    """One dataset image prepared by `edgeseg data prepare`: the image and its masks encoded, ready to be
    written, with its manifest record (not the model-input square, which is
    :class:`edgeseg.inference.preprocessing.PreparedImage`)."""

    stem: str
    split: str
    image_bytes: bytes
    mask_bytes: dict[str, bytes]
    record: dict
    moments: np.ndarray = field(repr=False)
    clahe_moments: np.ndarray = field(repr=False)
    pixels: int = 0
    image_suffix: str = IMAGE_SUFFIX

    @classmethod
    def from_arrays(
        cls,
        stem: str,
        split: str,
        image: np.ndarray,
        masks: np.ndarray,
        annotated: Sequence[str] | None = None,
        record: dict | None = None,
        survival: Mapping[str, MaskResizeStats] | None = None,
        image_suffix: str = IMAGE_SUFFIX,
    ) -> "EncodedSample":
        """Encode an RGB image and its (len(ALL_LESIONS), H, W) masks.

        ``annotated`` lists the lesions that have a mask file (default: those with any pixel);
        the others stay without a file, i.e. all-negative. ``image_suffix`` ".jpg" (compact,
        for photographs) or ".png" (lossless, for synthetic images whose pixels must stay exact).
        """
        if annotated is None:
            annotated = [name for index, name in enumerate(ALL_LESIONS) if masks[index].any()]
        lesions = {}
        mask_bytes = {}
        for index, name in enumerate(ALL_LESIONS):
            if name not in annotated:
                continue
            mask_bytes[name] = encode_mask_png(masks[index])
            entry = {"pixels": int(masks[index].sum()), "components": _component_count(masks[index])}
            if survival and name in survival:
                stats = survival[name]
                entry.update(
                    source_components=stats.components,
                    survived=stats.survived,
                    survived_without_rescue=stats.survived_without_rescue,
                )
            lesions[name] = entry
        full_record = {"stem": stem, "size": [int(image.shape[1]), int(image.shape[0])]}
        full_record.update(record or {})
        full_record["lesions"] = lesions
        return cls(
            stem=stem,
            split=split,
            image_bytes=encode_image(image, image_suffix, JPEG_QUALITY),
            mask_bytes=mask_bytes,
            record=full_record,
            moments=channel_moments(image),
            clahe_moments=channel_moments(clahe(image)),
            pixels=int(image.shape[0] * image.shape[1]),
            image_suffix=image_suffix,
        )


def prepare_sample(sample: SegSample, size: int) -> EncodedSample:
    """Crop, resize and encode one sample; raises :class:`DataError` on bad input."""
    image = sample.load_image()
    problem = fundus_problem(image)
    if problem:
        raise DataError(f"{sample.image}: {problem}")
    box = field_of_view_box(image)
    target = fit_size(box.width, box.height, size)
    cropped = resize_image(box.crop(image), target)
    masks = np.zeros((len(ALL_LESIONS), target[1], target[0]), bool)
    survival = {}
    for index, lesion in enumerate(ALL_LESIONS):
        if lesion in sample.masks:
            full = read_mask(sample.masks[lesion], image.shape[:2])
            masks[index], survival[lesion] = resize_mask(box.crop(full), target)
    record = {
        "source_image": str(sample.image),
        "source_size": [int(image.shape[1]), int(image.shape[0])],
        "fov_box": box.as_list(),
    }
    return EncodedSample.from_arrays(
        sample.stem, sample.split, cropped, masks, annotated=list(sample.masks), record=record, survival=survival
    )


def _prepare_task(task: tuple[SegSample, int]) -> EncodedSample | str:
    sample, size = task
    try:
        return prepare_sample(sample, size)
    except DataError as exc:
        return str(exc)


def _mean_std(items: Iterable[EncodedSample], attribute: str) -> dict[str, list[float]]:
    items = list(items)
    mean, std = mean_std_from_moments(sum(getattr(item, attribute) for item in items), sum(item.pixels for item in items))
    return {"mean": list(mean), "std": list(std)}


def _relative_files(item: EncodedSample) -> list[str]:
    files = [f"{item.split}/images/{item.stem}{item.image_suffix}"]
    files += [f"{item.split}/masks/{lesion}/{item.stem}_{lesion}.png" for lesion in item.mask_bytes]
    return files


def _survival_summary(items: Sequence[EncodedSample], lesion: str) -> dict[str, int] | None:
    entries = [item.record["lesions"][lesion] for item in items if lesion in item.record["lesions"]]
    entries = [entry for entry in entries if "source_components" in entry]
    if not entries:
        return None
    return {
        key: int(sum(entry[source] for entry in entries))
        for key, source in (
            ("components", "source_components"),
            ("survived", "survived"),
            ("survived_without_rescue", "survived_without_rescue"),
        )
    }


def write_prepared_dataset(
    out: str | Path,
    items: Sequence[EncodedSample],
    source: dict,
    params: dict | None = None,
    fingerprint: str | None = None,
    extra_files: Mapping[str, bytes] | None = None,
    manifest_entries: Mapping[str, object] | None = None,
) -> Path:
    """Write ``items`` under ``out`` in the generic layout, then the manifest (atomically, last).

    ``extra_files`` (path relative to ``out`` -> bytes, e.g. ``grades.csv``) are written and
    listed with the images; ``manifest_entries`` are added to the manifest."""
    out = Path(out)
    old = _existing_manifest(out)
    atomic_write_bytes(out / INCOMPLETE_MARKER, b"an edgeseg write was interrupted here; re-run it\n")
    files: list[str] = []
    for item in items:
        atomic_write_bytes(out / item.split / "images" / f"{item.stem}{item.image_suffix}", item.image_bytes)
        for lesion, data in item.mask_bytes.items():
            atomic_write_bytes(out / item.split / "masks" / lesion / f"{item.stem}_{lesion}.png", data)
        files += _relative_files(item)
    for name, data in sorted((extra_files or {}).items()):
        atomic_write_bytes(out / name, data)
        files.append(name)
    if old:
        for stale in sorted(set(old.get("files", [])) - set(files)):
            (out / stale).unlink(missing_ok=True)
    splits = sorted({item.split for item in items})
    train = [item for item in items if item.split == "train"] or list(items)
    manifest = {
        "format": FORMAT,
        "edgeseg_version": _version(),
        "source": source,
        "params": params or {},
        "fingerprint": fingerprint,
        "lesions": list(LESIONS),
        "optional_lesions": [name for name in ALL_LESIONS if name not in LESIONS],
        "mean_std": {
            "computed_on": "train" if any(item.split == "train" for item in items) else "all",
            "scale": "RGB on [0, 1]",
            "rgb": _mean_std(train, "moments"),
            "rgb_clahe": _mean_std(train, "clahe_moments"),
        },
        "ma_survival": _survival_summary(items, "MA"),
        "splits": {
            split: {
                "images": len([item for item in items if item.split == split]),
                "masks": {
                    lesion: sum(1 for item in items if item.split == split and lesion in item.mask_bytes)
                    for lesion in ALL_LESIONS
                },
            }
            for split in splits
        },
        "images": {split: [item.record for item in items if item.split == split] for split in splits},
        "files": files,
        **(manifest_entries or {}),
    }
    if source.get("credit"):
        manifest["credit"] = source["credit"]
    atomic_write_json(out / MANIFEST, manifest)
    (out / INCOMPLETE_MARKER).unlink()
    return out


def _version() -> str:
    from edgeseg import __version__

    return __version__


def _existing_manifest(out: Path) -> dict | None:
    path = out / MANIFEST
    if not path.is_file():
        return None
    try:
        return read_json(path)
    except DataError:
        return None


def input_fingerprint(samples: Sequence[SegSample], params: dict, extra_inputs: Sequence[Path] = ()) -> str:
    """A hash of the parameters and of every input file's path, size and modification time
    (the samples' images and masks, and ``extra_inputs`` such as label tables)."""
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode())
    for sample in samples:
        for path in (sample.image, *sorted(sample.masks.values())):
            stat = os.stat(path)
            digest.update(f"{sample.split}|{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    for path in extra_inputs:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            raise DataError(f"{path}: file not found") from None
        digest.update(f"extra|{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def is_up_to_date(out: str | Path, fingerprint: str) -> bool:
    """True when ``out`` holds a complete prepared copy made from the same inputs and params."""
    out = Path(out)
    manifest = _existing_manifest(out)
    if not manifest or manifest.get("fingerprint") != fingerprint:
        return False
    return all((out / name).is_file() for name in manifest.get("files", []))


@dataclass(frozen=True)
class PrepareResult:
    """What `prepare_dataset` did: the output folder, whether it was already up to date, and
    the manifest it wrote (or found)."""

    out: Path
    up_to_date: bool
    manifest: dict


def prepare_dataset(
    samples: Sequence[SegSample],
    out: str | Path,
    size: int,
    source: dict,
    workers: int | None = None,
    progress: Callable[[Iterable, int], Iterable] | None = None,
    extra_inputs: Sequence[Path] = (),
    finish: Callable[[], tuple[dict[str, bytes], dict]] | None = None,
) -> PrepareResult:
    """Prepare ``samples`` into ``out``; see the module docstring for the guarantees.

    ``progress`` wraps the result iterator (e.g. a tqdm bar), given the iterator and its length.
    ``finish`` returns more files to write (relative path -> bytes) and manifest entries; it runs
    once the images are prepared, before anything is written, and only when the copy is not up
    to date. ``extra_inputs`` are the files besides the samples it reads (they enter the
    fingerprint). `data prepare --grading` uses both (:mod:`edgeseg.data.grading`).
    """
    out = Path(out)
    if size < 64:
        raise DataError(f"--longest-side {size} is too small; use at least 64 (the papers use 512-1440)")
    ours = (out / MANIFEST).is_file() or (out / INCOMPLETE_MARKER).is_file()
    if out.exists() and any(out.iterdir()) and not ours:
        raise DataError(f"{out}: exists, is not empty and holds no {MANIFEST}; choose an empty or new folder")
    params = {"size": size, "format": FORMAT, "jpeg_quality": JPEG_QUALITY}
    fingerprint = input_fingerprint(samples, params, extra_inputs)
    if is_up_to_date(out, fingerprint):
        return PrepareResult(out, True, read_json(out / MANIFEST))
    workers = workers or min(4, os.cpu_count() or 1)
    tasks = [(sample, size) for sample in samples]
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_prepare_task, tasks)
            results = list(progress(results, len(tasks)) if progress else results)
    else:
        iterator = map(_prepare_task, tasks)
        results = list(progress(iterator, len(tasks)) if progress else iterator)
    problems = [result for result in results if isinstance(result, str)]
    if problems:
        more = f" (and {len(problems) - 1} more; `edgeseg data check` lists them all)" if len(problems) > 1 else ""
        raise DataError(f"{problems[0]}{more}; nothing was written")
    extra_files, entries = finish() if finish else ({}, {})
    write_prepared_dataset(out, results, source, params=params, fingerprint=fingerprint, extra_files=extra_files, manifest_entries=entries)
    return PrepareResult(out, False, read_json(out / MANIFEST))
