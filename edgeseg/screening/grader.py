"""The grader on the findings: logistic regressions small enough to be data in the model card and
every export's metadata (``grader``), so that Python, Java and JavaScript compute the same verdict
from the same findings. Fitted and chosen by ``benchmarks/findings_grader.py`` (cross-validation
on IDRiD's 413 grading-training photographs, copies kept on one side of each fold).

A grader is ``{"features": [names], "dr": head, "dme": head or by location, "referable": head,
"referable_threshold": t}``, each head ``{"coef": [[per feature] per class], "intercept": [per
class]}`` on the raw features (any standardisation folded in); the DR and DME heads are softmax
over their classes (:data:`edgeseg.outputs.DR_CLASSES`, :data:`~edgeseg.outputs.DME_CLASSES`),
the referable head one logistic unit. The DME risk may instead follow IDRiD's definition,
``{"presence": binary head, "near_dd": r, "min_area": a}`` (:class:`DmeByLocation`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.lesions import LESIONS
from edgeseg.outputs import DME_CLASSES, DME_OUTPUT, DR_CLASSES, DR_OUTPUT, REFERABLE_OUTPUT
from edgeseg.screening.findings import Findings

AREA_EPS = 1e-4  # log(area share + eps): the summary baseline's transform (benchmarks/grading_baseline.py)
NEAR_EPS = 1e-5
FAR_DD = 4.0  # the exudate distance of a photograph without exudates, and the cap on it


Summary = Mapping[str, Mapping]  # the lesions of predict's summary: per lesion area_share_of_fov, components, max_probability


def _lesion_features(lesion: str) -> dict[str, Callable[[Findings, Summary], float]]:
    return {
        f"{lesion}_log_area": lambda f, s: math.log(s[lesion]["area_share_of_fov"] + AREA_EPS),
        f"{lesion}_log_count": lambda f, s: math.log(s[lesion]["components"] + 1.0),
        f"{lesion}_max": lambda f, s: float(s[lesion]["max_probability"]),
    }


# The issue-#19 baseline's 12 numbers, from predict's summary (measured at the photograph's resolution).
SUMMARY_FEATURES: dict[str, Callable[[Findings, Summary], float]] = {
    name: feature for lesion in LESIONS for name, feature in _lesion_features(lesion).items()}
ANATOMY_FEATURES: dict[str, Callable[[Findings, Summary], float]] = {
    "HE_quadrants": lambda f, s: float(f.quadrants_with("HE")),
    "HE_log_fewest_in_quadrant": lambda f, s: math.log(1.0 + min(f.per_quadrant.get("HE", {}).values(), default=0)),
    "MA_quadrants": lambda f, s: float(f.quadrants_with("MA")),
    "EX_distance_dd": lambda f, s: FAR_DD if f.exudate_distance_dd is None else min(f.exudate_distance_dd, FAR_DD),
    "EX_log_within_1dd": lambda f, s: math.log(f.exudates_within_dd[1.0] + NEAR_EPS),
    "EX_log_within_2dd": lambda f, s: math.log(f.exudates_within_dd[2.0] + NEAR_EPS),
}
FEATURES: dict[str, Callable[[Findings, Summary], float]] = {**SUMMARY_FEATURES, **ANATOMY_FEATURES}


def feature_vector(findings: Findings, summary: Summary, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """The named features (:data:`FEATURES`) of one photograph: its findings and the lesions of
    its summary (:func:`edgeseg.predict.summary.summarise`)."""
    return np.array([FEATURES[name](findings, summary) for name in names], np.float64)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()


@dataclass(frozen=True)
class Head:
    """One logistic regression on the raw features."""

    coef: np.ndarray  # (classes, features); one row for a binary head
    intercept: np.ndarray  # (classes,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.coef @ x + self.intercept

    def as_dict(self) -> dict:
        return {"coef": [[round(float(v), 8) for v in row] for row in self.coef], "intercept": [round(float(v), 8) for v in self.intercept]}

    @classmethod
    def from_dict(cls, data: Mapping, features: int, classes: int) -> "Head":
        coef, intercept = np.asarray(data["coef"], np.float64), np.asarray(data["intercept"], np.float64)
        if coef.shape != (classes, features) or intercept.shape != (classes,):
            raise ValueError(f"a head of {classes} classes on {features} features, got coef {coef.shape}, intercept {intercept.shape}")
        return cls(coef, intercept)


@dataclass(frozen=True)
class DmeByLocation:
    """DME risk as IDRiD defines it, from the findings: a logistic unit (``presence``) says whether
    the photograph has DME risk at all; if so, the risk is 2 when at least ``min_area`` of the
    field of view is exudate within ``near_dd`` disc diameters of the fovea, else 1 (Porwal et al.,
    Data 3(3):25, 2018: risk 2, exudates within one disc diameter of the macula's centre)."""

    presence: Head
    near_dd: float
    min_area: float

    def probabilities(self, x: np.ndarray, exudates_near: Callable[[float], float | None]) -> np.ndarray:
        """The DME probabilities from the features ``x`` and ``exudates_near(dd)``, the share of the
        field of view that is exudate within ``dd`` disc diameters of the fovea
        (:meth:`edgeseg.screening.findings.Findings.exudates_near`)."""
        present = float(1.0 / (1.0 + np.exp(-self.presence.logits(x)[0])))
        near = exudates_near(self.near_dd)
        if near is None:
            raise ValueError(f"the findings do not measure exudates within {self.near_dd} DD")
        risk = 2 if near > 0 and near >= self.min_area else 1
        probabilities = np.zeros(len(DME_CLASSES))
        probabilities[0], probabilities[risk] = 1.0 - present, present
        return probabilities

    def as_dict(self) -> dict:
        return {"presence": self.presence.as_dict(), "near_dd": self.near_dd, "min_area": self.min_area}

    @classmethod
    def from_dict(cls, data: Mapping, features: int) -> "DmeByLocation":
        return cls(Head.from_dict(data["presence"], features, 1), float(data["near_dd"]), float(data["min_area"]))


@dataclass(frozen=True)
class Grader:
    """DR grade, DME risk and the referral probability from a photograph's findings."""

    features: tuple[str, ...]
    dr: Head
    dme: Head | DmeByLocation
    referable: Head
    referable_threshold: float

    def grade(self, findings: Findings, summary: Summary) -> dict[str, np.ndarray | float]:
        """``dr_probs``, ``dme_probs`` (softmax) and ``referable_prob`` of one photograph."""
        return self.grade_features(feature_vector(findings, summary, self.features), findings.exudates_near)

    def grade_features(self, x: np.ndarray, exudates_near: Callable[[float], float | None]) -> dict[str, np.ndarray | float]:
        """:meth:`grade` from the photograph's feature vector ``x`` (:attr:`features`, in order) and
        its exudate share near the fovea (:meth:`DmeByLocation.probabilities`): for features
        stored without their findings (``benchmarks/findings_grader.py``)."""
        if isinstance(self.dme, DmeByLocation):
            dme = self.dme.probabilities(x, exudates_near)
        else:
            dme = _softmax(self.dme.logits(x))
        return {DR_OUTPUT: _softmax(self.dr.logits(x)), DME_OUTPUT: dme,
                REFERABLE_OUTPUT: float(1.0 / (1.0 + np.exp(-self.referable.logits(x)[0])))}

    def as_dict(self) -> dict:
        return {"features": list(self.features), "dr": self.dr.as_dict(), "dme": self.dme.as_dict(),
                "referable": self.referable.as_dict(), "referable_threshold": round(float(self.referable_threshold), 6)}

    @classmethod
    def from_dict(cls, data: Mapping, where: str = "the model card") -> "Grader":
        try:
            features = tuple(data["features"])
            unknown = [name for name in features if name not in FEATURES]
            if unknown:
                raise ValueError(f"unknown features {unknown}")
            n = len(features)
            dme = DmeByLocation.from_dict(data["dme"], n) if "presence" in data["dme"] else Head.from_dict(data["dme"], n, len(DME_CLASSES))
            return cls(features, Head.from_dict(data["dr"], n, len(DR_CLASSES)), dme,
                       Head.from_dict(data["referable"], n, 1), float(data["referable_threshold"]))
        except (KeyError, TypeError, ValueError) as error:
            raise EdgesegError(f"{where}: its grader is malformed ({error}); export the model again with a current edgeseg") from error

