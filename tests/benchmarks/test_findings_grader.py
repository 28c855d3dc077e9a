"""benchmarks/findings_grader.py: the referral threshold is chosen for the advice that predict
gives (the probability at the threshold, or referable grades), not for the probability alone."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "findings_grader.py"


def load_script():
    spec = importlib.util.spec_from_file_location("findings_grader", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_threshold_counts_the_referrals_the_grades_make():
    script = load_script()
    # 20 referable photographs: 10 referred by their grades (probabilities low), 10 by probability only.
    target = np.array([True] * 20 + [False] * 5)
    by_grades = np.array([True] * 10 + [False] * 15)
    probabilities = np.concatenate([np.full(10, 0.05), np.linspace(0.95, 0.50, 10), np.full(5, 0.2)])
    threshold = script.referral_threshold(probabilities, by_grades, target)
    advice = (probabilities >= threshold) | by_grades
    # 0.95 of 20 is 19: the grades' 10 and the 9 most probable of the rest, so the threshold is the 9th (0.55).
    assert advice[target].sum() == 19 and threshold == probabilities[18]
    assert script.referral_threshold(probabilities, np.array([True] * 20 + [False] * 5), target) == 1.0
