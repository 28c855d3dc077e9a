"""The image-quality measures and gate (issue #31): each degradation moves its own measure the bad
way and leaves the others where a gate would not trip on them, and the gate's bounds are applied
as written (inclusive)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.degradations import NONE, SEVERITIES, degrade
from edgeseg.data.quality import MEASURES, QualityGate, QualityMeasures, measure_quality
from edgeseg.data.synthetic import make_fundus


@pytest.fixture(scope="module")
def photograph() -> np.ndarray:
    """A synthetic fundus photograph in a wide frame, at a resolution like a phone camera's."""
    canvas = np.zeros((900, 1200, 3), np.uint8)
    canvas[30:870, 180:1020] = make_fundus(840, seed=31).image
    return canvas


# kind, severity, the measure it must move, the direction, the factor (or difference) it must reach
MOVES = [
    ("gaussian_blur", 3.0, "sharpness", "down", 0.6),
    ("motion_blur", 12.0, "sharpness", "down", 0.8),
    ("dark", 3.0, "brightness", "down", 0.5),
    ("bright", 3.0, "clipped", "up", 0.1),
    ("haze", 0.6, "contrast", "down", 0.6),
    ("cut", 0.4, "coverage", "down", 0.85),
    ("jpeg", 8.0, "blockiness", "up", 2.0),
]


@pytest.mark.parametrize("kind, severity, measure, direction, amount", MOVES, ids=[row[0] for row in MOVES])
def test_each_degradation_moves_its_measure(photograph, kind, severity, measure, direction, amount):
    before = getattr(measure_quality(photograph), measure)
    after = getattr(measure_quality(degrade(photograph, kind, severity)), measure)
    if direction == "down":
        assert after < amount * before, f"{measure}: {before:.4g} -> {after:.4g}"
    elif measure == "clipped":
        assert after - before > amount, f"{measure}: {before:.4g} -> {after:.4g}"
    else:
        assert after > amount * before, f"{measure}: {before:.4g} -> {after:.4g}"


def test_blur_and_exposure_leave_the_measures_they_do_not_concern(photograph):
    """Sharpness is a ratio of two contrasts: exposure and haze scale both and must not read as blur."""
    sharp = measure_quality(photograph)
    for kind, severity in (("dark", 2.0), ("haze", 0.45), ("bright", 1.5)):
        other = measure_quality(degrade(photograph, kind, severity))
        assert other.sharpness > 0.8 * sharp.sharpness, (kind, other.sharpness, sharp.sharpness)
    assert measure_quality(degrade(photograph, "gaussian_blur", 3.0)).brightness == pytest.approx(sharp.brightness, rel=0.05)


def test_untouched_degradation_is_a_copy(photograph):
    for kind in SEVERITIES:
        assert np.array_equal(degrade(photograph, kind, NONE[kind]), photograph)
    with pytest.raises(ValueError, match="unknown degradation"):
        degrade(photograph, "rain", 1.0)


def test_an_all_black_frame_measures_zero_and_fails_every_lower_bound():
    measures = measure_quality(np.zeros((100, 120, 3), np.uint8))
    assert measures.coverage == 0 and measures.brightness == 0
    gate = QualityGate.from_dict({"brightness": {"min": 10}, "coverage": {"min": 0.5}})
    assert gate.reasons(measures) == ["too dark", "retina cut by the frame"]


def test_the_gate_is_inclusive_at_its_bounds_and_names_each_reason():
    gate = QualityGate.from_dict({"sharpness": {"min": 0.1}, "clipped": {"max": 0.05}, "blockiness": {"max": 3}})
    at_bounds = QualityMeasures(sharpness=0.1, contrast=5, brightness=100, clipped=0.05, coverage=0.9, blockiness=3)
    assert gate.reasons(at_bounds) == []
    beyond = QualityMeasures(sharpness=0.0999, contrast=5, brightness=100, clipped=0.0501, coverage=0.9, blockiness=3.01)
    assert gate.reasons(beyond) == [MEASURES["sharpness"][1], MEASURES["clipped"][1], MEASURES["blockiness"][1]]


@pytest.mark.parametrize("bad", [{"focus": {"min": 1}}, {"sharpness": {"max": 1}}, {"clipped": {"min": 0, "max": 1}},
                                 {"sharpness": 0.1}, {"sharpness": {"min": "0.1"}}, {"sharpness": {"min": True}}])
def test_a_gate_with_an_unknown_measure_or_bound_is_refused(bad):
    with pytest.raises(ValueError, match="quality_gate"):
        QualityGate.from_dict(bad)
