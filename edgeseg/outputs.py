"""The model's output contract, in one home: the named outputs in the order every runner and
exported file gives them (lesion probability maps, and for a screening model its grades), the
grade scales and their names (IDRiD's grading protocol), and the referral rule. The Java and
JavaScript ports are held to these by the golden tests (``tools/make_golden.py``).
"""

from __future__ import annotations

import numpy as np

LESION_OUTPUT = "lesion_probs"
DR_OUTPUT = "dr_probs"  # softmax probability per DR grade, (1, len(DR_CLASSES))
DME_OUTPUT = "dme_probs"  # softmax probability per DME risk, (1, len(DME_CLASSES))
REFERABLE_OUTPUT = "referable_prob"  # probability that the photograph is referable, (1, 1)
GRADING_OUTPUTS: tuple[str, ...] = (DR_OUTPUT, DME_OUTPUT, REFERABLE_OUTPUT)

# International clinical DR severity scale and IDRiD's DME risk, indexed by grade.
DR_CLASSES: tuple[str, ...] = ("no DR", "mild NPDR", "moderate NPDR", "severe NPDR", "PDR")
DME_CLASSES: tuple[str, ...] = ("no DME risk", "exudates away from the macula", "exudates near the macula")
DR_GRADES, DME_GRADES = len(DR_CLASSES), len(DME_CLASSES)

# Referable: DR grade 2 (moderate NPDR) or worse, or DME risk 2 (exudates within one disc diameter
# of the macula's centre): the screening referral rule of edgeseg issue #19.
REFERABLE_DR = 2
REFERABLE_DME = 2
REFERABLE_DEFINITION = f"DR grade >= {REFERABLE_DR} or DME risk == {REFERABLE_DME}"


def output_names(task: str) -> tuple[str, ...]:
    """The outputs of a model with ``task`` (``segmentation`` or ``screening``)."""
    return (LESION_OUTPUT, *GRADING_OUTPUTS) if task == "screening" else (LESION_OUTPUT,)


def referable(dr, dme) -> np.ndarray:
    """Boolean referable DR per photograph (:data:`REFERABLE_DEFINITION`), from DR grades and DME risks."""
    return (np.asarray(dr) >= REFERABLE_DR) | (np.asarray(dme) == REFERABLE_DME)


def advises_referral(dr_grade: int, dme_risk: int, probability: float, threshold: float) -> bool:
    """The referral advice of one verdict: refer when the referral probability is at least the
    threshold, or when the verdict's own grades are referable (:data:`REFERABLE_DEFINITION`), so
    that the advice never contradicts the grades printed beside it ("DR grade 2 (moderate NPDR)
    ... no referral" would). The grades can only add referrals: sensitivity never falls below the
    probability's alone (edgeseg issue #28)."""
    return bool(probability >= threshold) or bool(referable(dr_grade, dme_risk))


def referred_by_grades_only(dr_grade: int, dme_risk: int, probability: float, threshold: float) -> bool:
    """Whether the grades alone make the referral (the probability is below the threshold): the
    advice then says why."""
    return not probability >= threshold and bool(referable(dr_grade, dme_risk))
