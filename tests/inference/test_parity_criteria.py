"""Each criterion of the parity verdict on its own (issue #35): a file broken on one criterion only
(a shifted mean, moved masks, a reordered ranking, one large difference, one DME risk) fails on
that criterion and on no other, and a file that ranks better than its reference is not called a
drop. Grossly broken files (``tests/export/test_broken_exports.py``) fail on several criteria at
once, so they cannot tell whether one criterion is judged at all."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.inference.parity import TOLERANCES, compare, judge_grades

SIZE, IMAGES, BLOBS = 64, 4, 12
BACKGROUND, STRONG = 0.1, 0.9
THRESHOLDS = {"EX": 0.5}


def blobs(image: int) -> list[tuple[int, int]]:
    """The top-left corners of 12 separate 3x3 lesions on one image."""
    rng = np.random.default_rng(image)
    cells = rng.choice(7 * 7, BLOBS, replace=False)
    return [(2 + 9 * (cell // 7), 2 + 9 * (cell % 7)) for cell in cells]


def case(weak: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Reference maps (1, S, S) and masks: half the lesions found strongly (0.9), half weakly (``weak``, under the threshold)."""
    maps, masks = [], []
    for image in range(IMAGES):
        probability = np.full((1, SIZE, SIZE), BACKGROUND, np.float32)
        truth = np.zeros((1, SIZE, SIZE), bool)
        for index, (y, x) in enumerate(blobs(image)):
            probability[0, y:y + 3, x:x + 3] = STRONG if index % 2 == 0 else weak
            truth[0, y:y + 3, x:x + 3] = True
        maps.append(probability)
        masks.append(truth)
    return maps, masks


def verdict(reference, candidate, masks, precision):
    return compare(reference, candidate, masks, ("EX",), THRESHOLDS, precision)


def reasons_about(parity) -> set[str]:
    words = {"mean |diff|": "mean", "masks agree": "dice", "AUPR drops": "aupr", "max |diff|": "max", "grades agree": "grades"}
    return {name for reason in parity.reasons for phrase, name in words.items() if phrase in reason}


def test_an_identical_file_passes_and_every_criterion_is_judged():
    reference, masks = case(weak=0.3)
    parity = verdict(reference, [m.copy() for m in reference], masks, "fp32")
    assert parity.passed and parity.lesions[0].mask_dice == 1.0 and parity.lesions[0].aupr_drop == 0.0, parity.summary()


def test_a_shifted_output_fails_on_the_mean_alone():
    reference, masks = case(weak=0.3)
    parity = verdict(reference, [m + 0.02 for m in reference], masks, "int8")
    assert reasons_about(parity) == {"mean"}, parity.reasons


def test_moved_masks_fail_on_dice_alone():
    """Half the strongly found lesions fall under the threshold but stay above every background pixel: same ranking."""
    reference, masks = case(weak=0.3)
    candidate = []
    for image, probability in enumerate(reference):
        moved = probability.copy()
        for index, (y, x) in enumerate(blobs(image)):
            if index % 4 == 0:
                moved[0, y:y + 3, x:x + 3] = 0.45
        candidate.append(moved)
    parity = verdict(reference, candidate, masks, "int8")
    assert reasons_about(parity) == {"dice"}, parity.reasons


def test_a_reordered_ranking_fails_on_the_aupr_drop_alone():
    """The weak lesions fall under the background, on the same side of the threshold: masks unchanged."""
    reference, masks = case(weak=0.3)
    candidate = [np.where((m > BACKGROUND) & (m < THRESHOLDS["EX"]), np.float32(0.05), m) for m in reference]
    parity = verdict(reference, candidate, masks, "int8")
    assert reasons_about(parity) == {"aupr"} and parity.lesions[0].aupr_drop > 0.1, parity.reasons


def test_a_file_that_ranks_better_than_its_reference_is_not_a_drop():
    """Reference: the weak lesions under the background; the file lifts them above it. The drop is
    reference minus file, negative here: with the sign flipped it would fail."""
    reference, masks = case(weak=0.05)
    candidate = [np.where(m == np.float32(0.05), np.float32(0.3), m) for m in reference]
    parity = verdict(reference, candidate, masks, "int8")
    assert parity.passed and parity.lesions[0].aupr_drop < -0.1, parity.reasons


def test_one_large_difference_fails_fp32_on_the_largest_difference_alone():
    reference, masks = case(weak=0.3)
    candidate = [m.copy() for m in reference]
    candidate[0][0, 0, 0] += 5e-4  # 5x the fp32 bound; under a bound 10x looser
    parity = verdict(reference, candidate, masks, "fp32")
    assert reasons_about(parity) == {"max"}, parity.reasons


@pytest.mark.parametrize("which", ["dr_probs", "dme_probs"])
def test_grades_that_differ_in_one_image_fail_fp32(which):
    """One image's DME risk (or DR grade) differs: grade agreement counts both."""
    def grades(dr, dme):
        return {"dr_probs": np.eye(5, dtype=np.float32)[dr][None], "dme_probs": np.eye(3, dtype=np.float32)[dme][None],
                "referable_prob": np.array([[0.2]], np.float32)}
    reference = [grades(1, 0) for _ in range(IMAGES)]
    candidate = [grades(1, 0) for _ in range(IMAGES - 1)] + [grades(2, 0) if which == "dr_probs" else grades(1, 1)]
    maps, masks = case(weak=0.3)
    parity = judge_grades(verdict(maps, maps, masks, "fp32"), reference, candidate)
    assert reasons_about(parity) == {"grades"} and parity.grade_agreement == 0.75, parity.reasons
    assert TOLERANCES["fp32"].min_grade_agreement == 1.0
