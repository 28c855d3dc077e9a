"""The committed screening goldens (``golden/screening/cases.json``) cover the places where a port
of the verdict (``edgeseg/predict/verdict.py``) can differ from Python, so that the Java library's
golden tests fail on such a difference (issue #19): a probability exactly at the referral
threshold (``>=`` against ``>``), a float32 probability equal to the threshold in float32 but
below it as a double (comparing in float32), argmax ties whose first and last maxima differ,
NaN and infinite grades (an error, no verdict), probabilities whose two decimals differ between half-even and half-up rounding,
every DR grade and DME risk, and metadata without ``grading`` or without ``outputs``.
``test_golden_fresh`` keeps the file equal to what ``make_golden.py`` writes now.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np

GOLDEN = Path(__file__).resolve().parents[2] / "export" / "golden"


def cases() -> dict:
    return json.loads((GOLDEN / "screening" / "cases.json").read_text())


def floats(values: list) -> np.ndarray:
    return np.asarray([float(value) for value in values], np.float32)  # "NaN" and "Infinity" parse too


def verdicts() -> list[dict]:
    return [case for case in cases()["verdicts"] if case["verdict"] is not None]


def test_a_probability_exactly_at_the_threshold_refers() -> None:
    ties = [case for case in verdicts() if case["verdict"]["referable_prob"] == case["verdict"]["referable_threshold"]]
    assert ties and all(case["verdict"]["refer"] for case in ties)


def test_a_float32_threshold_tie_is_below_the_double_threshold() -> None:
    hits = [case for case in verdicts()
            if np.float32(case["verdict"]["referable_prob"]) == np.float32(case["verdict"]["referable_threshold"])
            and case["verdict"]["referable_prob"] < case["verdict"]["referable_threshold"]]
    assert hits and not any(case["verdict"]["refer"] for case in hits)


def test_argmax_ties_where_first_and_last_maximum_differ() -> None:
    for output, key in (("dr_probs", "dr_grade"), ("dme_probs", "dme_risk")):
        ties = []
        for case in verdicts():
            values = floats(case["outputs"][output])
            if not np.isnan(values).any():
                last = len(values) - 1 - int(np.argmax(values[::-1]))
                if last != int(np.argmax(values)):
                    ties.append(case)
                    assert case["verdict"][key] == int(np.argmax(values))
        assert ties, f"no {output} tie between two classes"


def test_nan_and_infinite_grades_are_an_error() -> None:
    graded = [case for case in cases()["verdicts"] if case["outputs"]]
    nan = [case for case in graded if np.isnan(floats(case["outputs"]["dr_probs"])).any()]
    infinite = [case for case in graded if np.isinf(floats(case["outputs"]["referable_prob"])).any()]
    assert nan and infinite
    assert all(case["error"] and case["verdict"] is None and not case["lines"] for case in nan + infinite)
    assert not any("error" in case for case in verdicts())


def test_half_even_and_half_up_printing_differ_somewhere() -> None:
    differing = [case for case in verdicts()
                 if isinstance(case["verdict"]["referable_prob"], float)
                 and f"{case['verdict']['referable_prob']:.2f}"
                 != str(Decimal(case["verdict"]["referable_prob"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))]
    assert differing and all(f"{case['verdict']['referable_prob']:.2f}" in case["lines"][1] for case in differing)


def test_every_grade_and_risk_and_names() -> None:
    golden = cases()
    assert {case["verdict"]["dr_grade"] for case in verdicts()} == set(range(len(golden["dr_names"])))
    assert {case["verdict"]["dme_risk"] for case in verdicts()} == set(range(len(golden["dme_names"])))
    assert any(case["verdict"] is None for case in golden["verdicts"]), "no segmentation case without a verdict"


def test_metadata_without_grading_and_without_outputs() -> None:
    files = {case["file"]: json.loads((GOLDEN / case["file"]).read_text()) for case in cases()["metadata"]}
    without_grading = [meta for meta in files.values() if meta.get("task") == "screening" and "grading" not in meta]
    assert without_grading, "no screening metadata without a grading section"
    assert any("outputs" not in meta and "task" not in meta for meta in files.values()), "no old file without outputs and task"
    thresholds = {case["verdict"]["referable_threshold"] for case in verdicts()}
    assert len(thresholds) >= 3, "verdicts read with fewer than three thresholds (decimal, exact in binary, default)"
