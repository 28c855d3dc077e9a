"""Parity of a converted model with the model it came from: the verdict `edgeseg export` gives
each file before it counts as written, and `edgeseg bench` gives every exported file it measures.

Both run on the same preprocessed squares with their lesion masks. A file passes when, for its
precision (:data:`TOLERANCES`), everything it outputs stays within bounds:

- **mean |diff|** of the probabilities over every pixel and lesion (and, for fp32, the largest
  |diff|): a constant or shifted output fails here whatever the masks say;
- **mask agreement** per lesion: the Dice overlap of the file's and the reference's masks at the
  model's thresholds, pooled over the images. Agreement over all pixels (also reported) is
  dominated by background and stays near 1 for a broken file; Dice is judged only where the
  reference marks at least :data:`MIN_MASK_PIXELS` pixels, and the report says where it could
  not judge;
- **AUPR drop** per lesion against the ground truth (average precision, pooled): judged only
  where the masks hold at least :data:`MIN_POSITIVE_LESIONS` lesions (connected components),
  AND the reference ranks them well above chance (AUPR at
  least :data:`MIN_AUPR_OVER_CHANCE` times the prevalence): over a handful of lesions, a few
  pixels that int8 reorders move the AUPR by more than 0.01 (the embedded default's TFLite int8
  file "lost" 0.011 SE AUPR on 8 validation images and 0.0006 on the 27 test images), so a drop
  there measures noise, not the file. The report says which lesions it could not judge and why.

A screening model's grades (``dr_probs``, ``dme_probs``, ``referable_prob``) are compared too:
the share of images whose DR grade and DME risk (argmax) agree, which fp32 must keep on every
image, and the largest |diff| of the referral probability. How much an int8 file costs grading
accuracy needs the graded test photographs, so `edgeseg bench` measures it.

The bounds were set from the embedded default's exports on IDRiD and on synthetic images
against deliberately broken files (channels flipped, input scaled to 0-1, constant output). The
worst correct int8 file, TFLite int8 calibrated and verified on synthetic images (a machine
without IDRiD), kept SE masks at Dice 0.877 and lost 0.0114 SE AUPR; every broken file had a
lesion at Dice 0.30 or less and an AUPR drop of 0.10 or more. int8 is therefore bounded at Dice
0.85 and a drop of 0.015 on the verification images (on the 27 IDRiD test photographs the
embedded default's int8 files lose at most 0.0094); ``docs/results.md`` has the measurements
(``benchmarks/parity_bounds.py``) and ``tests/export/test_broken_exports.py`` the breaks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from edgeseg.metrics.pr import PRAccumulator
from edgeseg.outputs import DME_OUTPUT, DR_OUTPUT, REFERABLE_OUTPUT

MIN_POSITIVE_LESIONS = 30  # ground-truth lesions (8-connected components) for an AUPR drop to be judged
MIN_AUPR_OVER_CHANCE = 5.0  # the reference's AUPR over the prevalence for an AUPR drop to be judged
MIN_MASK_PIXELS = 200  # reference mask pixels for a lesion's mask agreement to be judged


@dataclass(frozen=True)
class Tolerance:
    """Bounds of one precision: largest |diff| (None: not bounded), mean |diff|, smallest mask
    Dice per lesion, largest AUPR drop per lesion; for grades, the smallest share of images whose
    grades agree and the largest |diff| of the referral probability."""

    max_abs: float | None
    max_mean_abs: float
    min_mask_dice: float
    max_aupr_drop: float
    min_grade_agreement: float = 1.0
    max_referable_diff: float = 1e-4


TOLERANCES: dict[str, Tolerance] = {
    "fp32": Tolerance(1e-4, 1e-5, 0.999, 0.001, 1.0, 1e-4),
    "fp16": Tolerance(None, 2e-3, 0.98, 0.01, 0.9, 0.02),
    "int8": Tolerance(None, 1e-2, 0.85, 0.015, 0.75, 0.1),
    "int8-dynamic": Tolerance(None, 1e-2, 0.85, 0.015, 0.75, 0.1),
}


@dataclass
class LesionParity:
    """One lesion's comparison; ``None`` where a figure could not be judged (see ``note``)."""

    lesion: str
    mask_dice: float | None
    mask_pixels: int
    aupr_reference: float | None
    aupr_file: float | None
    positives: int
    lesion_count: int = 0
    note: str = ""

    @property
    def aupr_drop(self) -> float | None:
        if self.aupr_reference is None or self.aupr_file is None:
            return None
        return self.aupr_reference - self.aupr_file


@dataclass
class Parity:
    """The verdict on one file: its figures, ``passed`` and the ``reasons`` when not."""

    precision: str
    images: int
    max_abs: float = math.nan
    mean_abs: float = math.nan
    pixel_agreement: float = math.nan
    lesions: list[LesionParity] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    note: str = ""  # what was checked instead, for a file that could not be run here
    grade_agreement: float | None = None  # share of images with the same DR grade and DME risk
    referable_max_diff: float | None = None

    @property
    def passed(self) -> bool:
        return not self.reasons

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def not_judged(self) -> list[str]:
        return [f"{item.lesion}: {item.note}" for item in self.lesions if item.note]

    def summary(self) -> str:
        if not self.images:
            return self.note or self.reason
        dice = ", ".join(f"{item.lesion} {item.mask_dice:.3f}" for item in self.lesions if item.mask_dice is not None) or "n/a"
        drops = ", ".join(f"{item.lesion} {item.aupr_drop:+.4f}" for item in self.lesions if item.aupr_drop is not None) or "n/a"
        text = f"max |diff| {self.max_abs:.2e}, mean {self.mean_abs:.2e}, mask Dice {dice}, AUPR drop {drops}"
        if self.grade_agreement is not None:
            text += f", grades agree on {self.grade_agreement:.0%} of images, referral |diff| <= {self.referable_max_diff:.1e}"
        if self.not_judged:
            text += f" (not judged: {'; '.join(self.not_judged)})"
        return text

    def as_dict(self) -> dict:
        return {
            "precision": self.precision, "images": self.images, "passed": self.passed, "reasons": self.reasons,
            "max_abs": self.max_abs, "mean_abs": self.mean_abs, "pixel_agreement": self.pixel_agreement,
            "grade_agreement": self.grade_agreement, "referable_max_diff": self.referable_max_diff,
            "lesions": {item.lesion: {"mask_dice": item.mask_dice, "mask_pixels": item.mask_pixels, "aupr_reference": item.aupr_reference,
                                      "aupr_file": item.aupr_file, "aupr_drop": item.aupr_drop, "positives": item.positives,
                                      "lesions_in_masks": item.lesion_count,
                                      "not_judged": item.note} for item in self.lesions},
        }


class ParityAccumulator:
    """Gathers a comparison image by image in constant memory (probabilities are pooled as 16-bit
    values for the AUPR, steps of 1/65535, far finer than any int8 output); :meth:`verdict` judges."""

    def __init__(self, lesions: Sequence[str], thresholds: dict[str, float]) -> None:
        self.lesions = tuple(lesions)
        self.cut = np.asarray([thresholds[lesion] for lesion in self.lesions], np.float32)[:, None, None]
        self.images = 0
        self.max_abs = 0.0
        self.abs_sum = 0.0
        self.agree = 0
        self.pixels = 0
        self.both = np.zeros(len(self.lesions), np.int64)
        self.theirs = np.zeros(len(self.lesions), np.int64)
        self.mine = np.zeros(len(self.lesions), np.int64)
        self.components = np.zeros(len(self.lesions), np.int64)
        self.reference_pr = [PRAccumulator() for _ in self.lesions]
        self.candidate_pr = [PRAccumulator() for _ in self.lesions]

    def add(self, reference: np.ndarray, candidate: np.ndarray, masks: np.ndarray) -> None:
        """One image: (L, S, S) reference and candidate probabilities and (L, S, S) bool masks."""
        difference = np.abs(candidate - reference)
        self.images += 1
        self.max_abs = max(self.max_abs, float(difference.max()))
        self.abs_sum += float(difference.sum(dtype=np.float64))
        mine, theirs = candidate >= self.cut, reference >= self.cut
        self.agree += int((mine == theirs).sum())
        self.pixels += mine.size
        self.both += (mine & theirs).reshape(len(self.lesions), -1).sum(axis=1)
        self.theirs += theirs.reshape(len(self.lesions), -1).sum(axis=1)
        self.mine += mine.reshape(len(self.lesions), -1).sum(axis=1)
        for index in range(len(self.lesions)):
            self.components[index] += cv2.connectedComponents(masks[index].astype(np.uint8), connectivity=8)[0] - 1
            self.reference_pr[index].add(_sixteen_bit(reference[index]), masks[index])
            self.candidate_pr[index].add(_sixteen_bit(candidate[index]), masks[index])

    def verdict(self, precision: str, tolerance: Tolerance | None = None) -> Parity:
        tolerance = tolerance or TOLERANCES[precision]
        parity = Parity(precision, self.images, self.max_abs, self.abs_sum / max(self.pixels, 1), self.agree / max(self.pixels, 1))
        if tolerance.max_abs is not None and not parity.max_abs <= tolerance.max_abs:
            parity.reasons.append(f"max |diff| {parity.max_abs:.2e} exceeds {tolerance.max_abs:.0e}")
        if not parity.mean_abs <= tolerance.max_mean_abs:
            parity.reasons.append(f"mean |diff| {parity.mean_abs:.2e} exceeds {tolerance.max_mean_abs:.0e}")
        for index, lesion in enumerate(self.lesions):
            item = LesionParity(lesion, None, int(self.theirs[index]), None, None, 0, int(self.components[index]))
            notes = []
            if self.theirs[index] >= MIN_MASK_PIXELS:
                item.mask_dice = float(2 * self.both[index] / (self.theirs[index] + self.mine[index]))
                if item.mask_dice < tolerance.min_mask_dice:
                    parity.reasons.append(f"{lesion} masks agree with Dice {item.mask_dice:.3f}, less than {tolerance.min_mask_dice}")
            else:
                notes.append(f"masks not judged (the reference marks {self.theirs[index]} px, fewer than {MIN_MASK_PIXELS})")
            curve = self.reference_pr[index].curve()
            item.positives = curve.positives
            if item.lesion_count < MIN_POSITIVE_LESIONS:
                notes.append(f"AUPR not judged ({item.lesion_count} lesions in the masks, fewer than {MIN_POSITIVE_LESIONS})")
            elif not curve.average_precision() >= MIN_AUPR_OVER_CHANCE * curve.prevalence:
                notes.append(f"AUPR not judged (reference AUPR {curve.average_precision():.3f} is within "
                             f"{MIN_AUPR_OVER_CHANCE:.0f}x the prevalence {curve.prevalence:.4f})")
            else:
                item.aupr_reference = curve.average_precision()
                item.aupr_file = self.candidate_pr[index].curve().average_precision()
                if not item.aupr_drop <= tolerance.max_aupr_drop:
                    parity.reasons.append(f"{lesion} AUPR drops by {item.aupr_drop:.4f}, more than {tolerance.max_aupr_drop}")
            item.note = "; ".join(notes)
            parity.lesions.append(item)
        return parity


def judge_grades(parity: Parity, reference: Sequence[dict], candidate: Sequence[dict], tolerance: Tolerance | None = None) -> Parity:
    """Add the grades' comparison to ``parity``: per image the outputs ``dr_probs``, ``dme_probs``
    and ``referable_prob`` of the reference and the candidate."""
    tolerance = tolerance or TOLERANCES[parity.precision]
    same = [int(np.argmax(mine[DR_OUTPUT]) == np.argmax(theirs[DR_OUTPUT]) and np.argmax(mine[DME_OUTPUT]) == np.argmax(theirs[DME_OUTPUT]))
            for mine, theirs in zip(candidate, reference)]
    parity.grade_agreement = float(np.mean(same))
    parity.referable_max_diff = float(max(abs(float(np.ravel(mine[REFERABLE_OUTPUT])[0]) - float(np.ravel(theirs[REFERABLE_OUTPUT])[0]))
                                          for mine, theirs in zip(candidate, reference)))
    if parity.grade_agreement < tolerance.min_grade_agreement:
        parity.reasons.append(f"grades agree on {parity.grade_agreement:.0%} of images, less than {tolerance.min_grade_agreement:.0%}")
    if parity.referable_max_diff > tolerance.max_referable_diff:
        parity.reasons.append(f"referral probability differs by {parity.referable_max_diff:.2e}, more than {tolerance.max_referable_diff:.0e}")
    return parity


def _sixteen_bit(probabilities: np.ndarray) -> np.ndarray:
    return np.round(np.clip(probabilities, 0.0, 1.0) * 65535).astype(np.uint16)


def compare(
    reference: Sequence[np.ndarray], candidate: Sequence[np.ndarray], masks: Sequence[np.ndarray],
    lesions: Sequence[str], thresholds: dict[str, float], precision: str, tolerance: Tolerance | None = None,
) -> Parity:
    """The verdict on ``candidate`` maps against ``reference`` maps (each (L, S, S) per image) of
    the same squares, with their ground-truth ``masks`` (L, S, S) bool."""
    accumulator = ParityAccumulator(lesions, thresholds)
    for theirs, mine, truth in zip(reference, candidate, masks):
        accumulator.add(theirs, mine, truth)
    return accumulator.verdict(precision, tolerance)
