"""`edgeseg eval --grading`: score per-photograph grading verdicts against DR/DME labels.

**Verdicts** are JSON objects with the integer keys ``dr_grade`` (0-4) and ``dme_risk`` (0-2),
the float ``referable_prob`` (the probability of referable DR; it may be null, and the ROC
figures are then left out) and, optionally, the boolean ``refer`` (the referral advice `predict`
gives; with it in every verdict, the advice's sensitivity and specificity are scored). They come as

- a folder of ``STEM.json`` files, one per photograph (what `edgeseg predict` writes for a
  grading model), or
- one JSON file: an object ``{stem: verdict}``, or a list of verdicts each naming its photograph
  under ``"image"`` (a stem or a path).

**Labels** (``--data``): the official IDRiD folder (the grading CSV of the split), a folder that
`edgeseg data prepare --grading` wrote (``grading/<split>/grades.csv``), any folder with
``<split>/grades.csv`` or ``grades.csv`` (columns image, dr, dme), or one such CSV file.

**Leak-free subset.** On the test split, the photographs with a copy in training data
(:mod:`edgeseg.data.grading`: IDRiD_064, 088, 089, 091 on IDRiD) are read from the prepared
folder's manifest or, for the official folder, found from its overlap table and pixels. Every
figure is given on all photographs and on the leak-free rest.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.errors import DataError
from edgeseg.metrics.grading import screening_scores
from edgeseg.outputs import DME_GRADES, DR_GRADES

VERDICT_KEYS = ("dr_grade", "dme_risk", "referable_prob")


@dataclass(frozen=True)
class Verdict:
    """One photograph's predicted DR grade, DME risk, referral probability and advice (None if absent)."""

    dr_grade: int
    dme_risk: int
    referable_prob: float | None
    refer: bool | None = None


@dataclass(frozen=True)
class GradingTruth:
    """The labels of one split, ``{stem: (DR, DME)}``, the leaky photographs among them
    (``{stem: reason}``) and where both came from."""

    labels: dict[str, tuple[int, int]]
    leaky: dict[str, str] = field(default_factory=dict)
    source: str = ""


def parse_verdict(data: object, where: str) -> Verdict:
    """A :class:`Verdict` from a JSON object; ``where`` names it in errors."""
    if not isinstance(data, Mapping) or "dr_grade" not in data or "dme_risk" not in data:
        raise DataError(
            f"{where}: no grading verdict (expected the keys {', '.join(VERDICT_KEYS)}); "
            "is it the summary of a grading model?"
        )
    dr, dme, probability = data["dr_grade"], data["dme_risk"], data.get("referable_prob")
    if not (isinstance(dr, int) and 0 <= dr < DR_GRADES and isinstance(dme, int) and 0 <= dme < DME_GRADES):
        raise DataError(f"{where}: dr_grade must be an integer 0-4 and dme_risk 0-2, got {dr!r} and {dme!r}")
    if probability is not None and not (isinstance(probability, (int, float)) and 0.0 <= probability <= 1.0):
        raise DataError(f"{where}: referable_prob must be a probability in [0, 1] or null, got {probability!r}")
    refer = data.get("refer")
    if refer is not None and not isinstance(refer, bool):
        raise DataError(f"{where}: refer must be true, false or null, got {refer!r}")
    return Verdict(dr, dme, None if probability is None else float(probability), refer)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc})") from None


def read_verdicts(source: str | Path, stems: Iterable[str]) -> dict[str, Verdict]:
    """The verdicts of ``stems`` from a folder of ``STEM.json`` or one JSON file (module
    docstring); a photograph without a verdict is an error naming it."""
    source, stems = Path(source), list(stems)
    if source.is_dir():
        missing = [stem for stem in stems if not (source / f"{stem}.json").is_file()]
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise DataError(f"{source}: no verdict for {missing[0]}{more} (expected {source / (missing[0] + '.json')})")
        summaries = {stem: _read_json(source / f"{stem}.json") for stem in stems}
        # a photograph predict's image-quality gate stopped has no verdict: left out, counted by score_verdicts
        return {stem: parse_verdict(data, str(source / f"{stem}.json")) for stem, data in summaries.items() if data.get("gradable") is not False}
    data = _read_json(source)
    if isinstance(data, list):
        named = {}
        for index, entry in enumerate(data):
            if not isinstance(entry, Mapping) or not isinstance(entry.get("image"), str):
                raise DataError(f"{source}: entry {index} names no photograph (expected an \"image\" key)")
            named[Path(entry["image"]).stem] = entry
        data = named
    if not isinstance(data, Mapping):
        raise DataError(f"{source}: expected an object {{stem: verdict}} or a list of verdicts")
    missing = [stem for stem in stems if stem not in data]
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise DataError(f"{source}: no verdict for {missing[0]}{more}")
    return {stem: parse_verdict(data[stem], f"{source} [{stem}]") for stem in stems}


def _read_label_csv(path: Path) -> dict[str, tuple[int, int]]:
    """IDRiD's grading CSV or edgeseg's grades.csv (columns image, dr, dme)."""
    from edgeseg.data.folder import read_grades
    from edgeseg.data.idrid import read_grading_csv

    if not path.is_file():
        raise DataError(f"{path}: label file not found")
    header = path.read_text(encoding="utf-8-sig").split("\n", 1)[0].lower()
    if "retinopathy grade" in header:
        return read_grading_csv(path)
    if path.name == "grades.csv":
        return read_grades(path.parent)
    raise DataError(f"{path}: not a grading label file (IDRiD's grading CSV, or grades.csv with columns image, dr, dme)")


def read_grading_truth(
    data: str | Path, split: str = "test", progress: Callable[[Iterable, int], Iterable] | None = None
) -> GradingTruth:
    """The labels of ``split`` in ``data`` and, on the test split, its leaky photographs (see the
    module docstring for the layouts). ``progress`` wraps the pixel comparison of an official
    IDRiD folder (516 photographs, about 20 s)."""
    from edgeseg.data import grading, idrid
    from edgeseg.data.datasets import read_manifest
    from edgeseg.data.folder import GRADES, read_grades

    data = Path(data)
    if data.is_file():
        return GradingTruth(_read_label_csv(data), {}, str(data))
    if not data.is_dir():
        raise DataError(f"{data}: folder not found")
    if (data / idrid.GRADING_DIR).is_dir():
        labels = {sample.stem: (sample.dr, sample.dme) for sample in idrid.read_idrid_grading(data, split)}
        leaky = grading.idrid_leaky_test(data, progress) if split == "test" else {}
        return GradingTruth(labels, leaky, f"{data} (official IDRiD, {split})")
    for folder in (data / grading.grading_split(split), data / split, data):
        if (folder / GRADES).is_file():
            labels = read_grades(folder)
            prepared_grading = folder == data / grading.grading_split(split)
            leaky = grading.leaky_test_stems(read_manifest(data)) if prepared_grading and split == "test" else {}
            return GradingTruth(labels, {stem: reason for stem, reason in leaky.items() if stem in labels}, str(folder / GRADES))
    raise DataError(
        f"{data}: no grading labels for split {split!r} (expected the official IDRiD folder, "
        f"{grading.grading_split(split)}/{GRADES} from `edgeseg data prepare --grading`, or {split}/{GRADES})"
    )


def score_verdicts(truth: GradingTruth, verdicts: Mapping[str, Verdict]) -> dict:
    """:func:`edgeseg.metrics.grading.screening_scores` on all labelled photographs with a verdict
    and on the leak-free ones: ``{"all": ..., "leak_free": ..., "leaky": {stem: reason},
    "with_referable_prob": bool, "with_referral_advice": bool, "ungradable": [stem]}`` (the ROC
    figures need a ``referable_prob`` in every verdict, the advice's figures a ``refer``; the
    photographs the image-quality gate stopped have none and are listed)."""
    subsets = {"all": sorted(stem for stem in truth.labels if stem in verdicts)}
    subsets["leak_free"] = [stem for stem in subsets["all"] if stem not in truth.leaky]
    with_probability = all(verdicts[stem].referable_prob is not None for stem in subsets["all"])
    with_advice = all(verdicts[stem].refer is not None for stem in subsets["all"])
    ungradable = sorted(set(truth.labels) - set(verdicts))
    result: dict = {"leaky": dict(truth.leaky), "with_referable_prob": with_probability, "with_referral_advice": with_advice,
                    "ungradable": ungradable}
    for name, stems in subsets.items():
        if not stems:  # every photograph is leaky
            result[name] = {"images": 0}
            continue
        result[name] = screening_scores(
            [truth.labels[stem][0] for stem in stems],
            [verdicts[stem].dr_grade for stem in stems],
            [truth.labels[stem][1] for stem in stems],
            [verdicts[stem].dme_risk for stem in stems],
            [verdicts[stem].referable_prob for stem in stems] if with_probability else None,
            [verdicts[stem].refer for stem in stems] if with_advice else None,
        )
    return result


SUMMARY_COLUMNS = (
    ("DR acc", "dr_accuracy"),
    ("DME acc", "dme_accuracy"),
    ("joint acc", "joint_accuracy"),
    ("DR kappa", "dr_kappa"),
    ("DME kappa", "dme_kappa"),
    ("ref. AUC", "referable_auc"),
    ("sens@80%spec", "sensitivity_at_80_specificity"),
    ("sens@90%spec", "sensitivity_at_90_specificity"),
    ("advice sens", "referral_sensitivity"),
    ("advice spec", "referral_specificity"),
)


def summary_rows(result: dict) -> list[list[object]]:
    """One table row per subset: its name, image count and the :data:`SUMMARY_COLUMNS`."""
    rows = []
    for name, label in (("all", "all"), ("leak_free", "leak-free")):
        scores = result[name]
        rows.append([label, scores["images"], *(scores.get(key, math.nan) for _, key in SUMMARY_COLUMNS)])
    return rows


def confusion_text(matrix: list[list[int]], name: str) -> str:
    """A confusion matrix as text, rows the truth."""
    matrix = np.asarray(matrix)
    width = max(3, len(str(int(matrix.max()))) + 1)
    head = f"{name} true\\pred".ljust(16) + "".join(str(i).rjust(width) for i in range(len(matrix)))
    lines = [f"{name} {i}".ljust(16) + "".join(str(int(v)).rjust(width) for v in row) for i, row in enumerate(matrix)]
    return "\n".join([head, *lines])
