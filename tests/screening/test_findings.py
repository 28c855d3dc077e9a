"""The anatomy-aware findings on constructed cases whose answer is known (edgeseg issue #28): the
disc found on a synthetic photograph, exudates at 0.5 and 3 disc diameters from the fovea read as
DME risk 2 and 1, haemorrhages in four quadrants counted in four, and the words that say so."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.synthetic import make_fundus
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.lesions import ALL_LESIONS, LESIONS
from edgeseg.screening.anatomy import DISC_DIAMETER_SHARE, Anatomy, field_width, locate_anatomy
from edgeseg.screening.findings import QUADRANTS, find_findings, quadrant_of
from edgeseg.screening.grader import DmeByLocation, Grader, Head
from edgeseg.screening.words import finding_words

SIZE = 512
THRESHOLDS = {lesion: 0.5 for lesion in LESIONS}


@pytest.fixture(scope="module")
def photograph():
    """A synthetic photograph without lesions through the embedded default's preprocessing."""
    from edgeseg.embedded import default_model_path
    from edgeseg.inference.model_info import read_info

    fundus = make_fundus((700, 1000), seed=3, lesion_counts={lesion: 0 for lesion in LESIONS})
    preprocessing: Preprocessing = read_info(default_model_path()).preprocessing
    prepared = preprocessing.prepare(fundus.image)
    field = preprocessing.masks_to_square(prepared.field_of_view.mask()[None].astype(np.uint8), prepared.geometry)[0] > 0
    disc = preprocessing.masks_to_square(fundus.masks[ALL_LESIONS.index("OD")][None].astype(np.uint8), prepared.geometry)[0] > 0
    return prepared.square, field, disc


def test_the_disc_is_found_on_a_synthetic_photograph(photograph):
    square, field, disc = photograph
    anatomy = locate_anatomy(square, field)
    assert disc[int(anatomy.disc_y), int(anatomy.disc_x)], "the located disc centre is not on the drawn disc"
    assert anatomy.disc_diameter == pytest.approx(DISC_DIAMETER_SHARE * field_width(field))
    # the fovea lies temporal to the disc, that is towards the centre of the field of view
    ys, xs = np.nonzero(field)
    centre = (xs.min() + xs.max()) / 2
    assert np.sign(anatomy.fovea_x - anatomy.disc_x) == np.sign(centre - anatomy.disc_x)
    assert 2.0 <= abs(anatomy.fovea_x - anatomy.disc_x) / anatomy.disc_diameter <= 3.0


def test_an_empty_field_of_view_locates_nothing():
    assert locate_anatomy(np.zeros((64, 64, 3), np.uint8), np.zeros((64, 64), bool)) is None


ANATOMY = Anatomy(disc_x=400.0, disc_y=250.0, disc_diameter=60.0, fovea_x=250.0, fovea_y=260.0)


def _maps(spots: dict[str, list[tuple[float, float]]], radius: int = 3) -> np.ndarray:
    """Lesion maps with a round spot of probability 0.9 at each (x, y)."""
    import cv2

    maps = np.zeros((len(LESIONS), SIZE, SIZE), np.float32)
    for lesion, points in spots.items():
        for x, y in points:
            cv2.circle(maps[LESIONS.index(lesion)], (int(round(x)), int(round(y))), radius, 0.9, -1)
    return maps


def _at(distance_dd: float, angle: float) -> tuple[float, float]:
    """A point ``distance_dd`` disc diameters from the fovea at ``angle`` (radians)."""
    return (ANATOMY.fovea_x + distance_dd * ANATOMY.disc_diameter * np.cos(angle),
            ANATOMY.fovea_y + distance_dd * ANATOMY.disc_diameter * np.sin(angle))


FIELD = np.ones((SIZE, SIZE), bool)
PRESENT = Head(np.zeros((1, 1)), np.array([5.0]))  # a presence unit that always says "DME risk"


class Rule:
    """The DME risk :class:`DmeByLocation` gives when its presence unit says yes, and 0 without exudates."""

    @staticmethod
    def risk(findings) -> int:
        if findings.lesions["EX"].components == 0:
            return 0
        return int(np.argmax(DmeByLocation(PRESENT, 1.0, 0.0).probabilities(np.zeros(1), findings.exudates_near)))


RULE = Rule()


@pytest.mark.parametrize("distance_dd, risk", [(0.5, 2), (3.0, 1)])
def test_exudates_near_the_fovea_are_dme_risk_2_and_far_ones_risk_1(distance_dd, risk):
    # the spot's radius (3 px = 0.05 DD) puts its nearest pixel 0.05 DD closer than its centre
    findings = find_findings(_maps({"EX": [_at(distance_dd, 2.0)]}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    assert findings.exudate_distance_dd == pytest.approx(distance_dd - 0.05, abs=0.02)
    assert RULE.risk(findings) == risk
    assert (findings.exudates_near(1.0) > 0) == (risk == 2)
    words = " ".join(finding_words(findings))
    assert ("within 1 disc diameter of the fovea" in words) == (risk == 2)


def test_no_exudates_is_dme_risk_0():
    findings = find_findings(_maps({}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    assert findings.exudate_distance_dd is None and RULE.risk(findings) == 0
    assert "no hard exudates" in finding_words(findings)


def test_haemorrhages_in_four_quadrants_are_counted_in_four():
    angles = [0.6, 0.6 + np.pi / 2, 0.6 + np.pi, 0.6 + 3 * np.pi / 2]
    spots = [_at(2.0, angle) for angle in angles] + [_at(1.5, angles[0])]  # two in one quadrant
    findings = find_findings(_maps({"HE": spots}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    assert findings.lesions["HE"].components == 5
    assert findings.quadrants_with("HE") == 4
    assert sorted(findings.per_quadrant["HE"].values()) == [1, 1, 1, 2]
    assert "5 haemorrhages in 4 quadrants" in finding_words(findings)


def test_quadrants_follow_the_disc_side():
    # the disc is to the right of the fovea here: right is nasal, up is superior
    fx, fy = ANATOMY.fovea_x, ANATOMY.fovea_y
    points = {"superonasal": (fx + 50, fy - 60), "superotemporal": (fx - 50, fy - 60),
              "inferonasal": (fx + 50, fy + 60), "inferotemporal": (fx - 50, fy + 60)}
    for name, (x, y) in points.items():
        assert QUADRANTS[int(quadrant_of(ANATOMY, np.array([x]), np.array([y]))[0])] == name
    mirrored = Anatomy(100.0, 250.0, 60.0, 250.0, 260.0)  # a left eye's photograph: the disc on the left
    assert QUADRANTS[int(quadrant_of(mirrored, np.array([fx - 50]), np.array([fy - 60]))[0])] == "superonasal"


def test_without_anatomy_there_are_no_quadrants_or_macular_findings():
    findings = find_findings(_maps({"HE": [(100, 100)], "EX": [(200, 200)]}), LESIONS, THRESHOLDS, FIELD, None)
    assert findings.per_quadrant == {} and findings.exudate_distance_dd is None
    assert RULE.risk(findings) == 1
    assert "optic disc and fovea not located" in finding_words(findings)


SUMMARY = {lesion: {"area_share_of_fov": 0.001, "components": 3, "max_probability": 0.9} for lesion in LESIONS}


def _grader(dme) -> Grader:
    zeros = lambda classes: Head(np.zeros((classes, 1)), np.zeros(classes))  # noqa: E731
    return Grader(("EX_log_area",), zeros(5), dme, Head(np.array([[1.0]]), np.array([0.0])), 0.5)


def test_a_grader_reads_the_location_of_the_exudates():
    near = find_findings(_maps({"EX": [_at(0.5, 1.0)]}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    far = find_findings(_maps({"EX": [_at(3.0, 1.0)]}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    grader = _grader(DmeByLocation(PRESENT, 1.0, 0.0))
    assert int(np.argmax(grader.grade(near, SUMMARY)["dme_probs"])) == 2
    assert int(np.argmax(grader.grade(far, SUMMARY)["dme_probs"])) == 1
    absent = _grader(DmeByLocation(Head(np.zeros((1, 1)), np.array([-5.0])), 1.0, 0.0))
    assert int(np.argmax(absent.grade(near, SUMMARY)["dme_probs"])) == 0


def test_a_grader_round_trips_through_its_data_and_refuses_malformed_data():
    from edgeseg.errors import EdgesegError

    grader = _grader(DmeByLocation(PRESENT, 1.0, 1e-5))
    again = Grader.from_dict(grader.as_dict())
    findings = find_findings(_maps({"EX": [_at(0.5, 1.0)]}), LESIONS, THRESHOLDS, FIELD, ANATOMY)
    assert np.allclose(again.grade(findings, SUMMARY)["dme_probs"], grader.grade(findings, SUMMARY)["dme_probs"])
    broken = grader.as_dict()
    broken["features"] = ["no such feature"]
    with pytest.raises(EdgesegError, match="grader is malformed"):
        Grader.from_dict(broken)
    broken = grader.as_dict()
    broken["dr"]["coef"] = [[0.0]] * 4  # four DR classes instead of five
    with pytest.raises(EdgesegError, match="grader is malformed"):
        Grader.from_dict(broken)
