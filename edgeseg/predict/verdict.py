"""The screening verdict of one photograph: DR grade, DME risk, the referral probability and the
advice (refer at the model card's referral threshold, or when the grades themselves are
referable: :func:`edgeseg.outputs.advises_referral`), and the findings that explain it.

Two sources, one verdict: a model that grades (the graded student) gives its grades as outputs;
a lesion model whose card carries a grader on the findings (the embedded default,
:mod:`edgeseg.screening.grader`) is graded from the anatomy-aware findings of its lesion maps
(:mod:`edgeseg.screening.findings`). The findings are measured for every lesion model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.inference.fov import FieldOfView
from edgeseg.inference.model_info import ModelInfo
from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry
from edgeseg.outputs import (DME_CLASSES, DME_OUTPUT, DR_CLASSES, DR_OUTPUT, GRADING_OUTPUTS, REFERABLE_OUTPUT, advises_referral,
                             referred_by_grades_only)
from edgeseg.predict.predictor import Prediction
from edgeseg.predict.summary import lesion_masks, summarise
from edgeseg.screening.anatomy import locate_anatomy
from edgeseg.screening.findings import Findings, find_findings
from edgeseg.screening.words import finding_words

NON_FINITE = "the model gave NaN or infinite grades"


def _grades(outputs: dict[str, np.ndarray], info: ModelInfo, findings: Findings | None, summary: Mapping | None
            ) -> tuple[np.ndarray, np.ndarray, float, float, str] | None:
    """(DR probabilities, DME probabilities, referral probability, threshold, source), or None."""
    if set(GRADING_OUTPUTS) <= set(outputs):
        threshold = float(info.card.get("grading", {}).get("referable_threshold", 0.5))
        return (np.ravel(outputs[DR_OUTPUT]), np.ravel(outputs[DME_OUTPUT]), float(np.ravel(outputs[REFERABLE_OUTPUT])[0]),
                threshold, "model outputs")
    if info.grader is not None and findings is not None and summary is not None:
        graded = info.grader.grade(findings, summary)
        return graded[DR_OUTPUT], graded[DME_OUTPUT], graded[REFERABLE_OUTPUT], info.grader.referable_threshold, "grader on the findings"
    return None


def screening_verdict(outputs: dict[str, np.ndarray], info: ModelInfo, findings: Findings | None = None,
                      summary: Mapping | None = None) -> dict | None:
    """The verdict from a prediction's outputs other than the lesion maps (a grading model's
    grades) or, for a lesion model whose card carries a grader, from the photograph's
    ``findings`` and the lesions of its ``summary`` (:func:`edgeseg.predict.summary.summarise`);
    None for a model that does neither.
    A model that gives NaN or infinite grades is broken, and no verdict is made up from them (a
    NaN referral probability would otherwise read as "no referral")."""
    grades = _grades(outputs, info, findings, summary)
    if grades is None:
        return None
    dr, dme, probability, threshold, source = grades
    if not (np.isfinite(dr).all() and np.isfinite(dme).all() and np.isfinite(probability)):
        raise EdgesegError(f"{info.path}: {NON_FINITE}; check the file with `edgeseg export --inspect {info.path}` or export it again")
    dr_grade, dme_risk = int(np.argmax(dr)), int(np.argmax(dme))
    return {
        "dr_grade": dr_grade, "dr_name": DR_CLASSES[dr_grade],
        "dme_risk": dme_risk, "dme_name": DME_CLASSES[dme_risk],
        "referable_prob": probability, "referable_threshold": threshold,
        "refer": advises_referral(dr_grade, dme_risk, probability, threshold),
        "refer_by_grades": referred_by_grades_only(dr_grade, dme_risk, probability, threshold),
        DR_OUTPUT: [round(float(p), 6) for p in dr], DME_OUTPUT: [round(float(p), 6) for p in dme],
        "source": source,
    }


def verdict_lines(verdict: dict) -> list[str]:
    """Two short lines for the overlay's legend and the terminal."""
    advice = "refer (the grades are referable)" if verdict["refer_by_grades"] else "refer" if verdict["refer"] else "no referral"
    return [f"DR grade {verdict['dr_grade']} ({verdict['dr_name']}), DME risk {verdict['dme_risk']}",
            f"referral probability {verdict['referable_prob']:.2f}: {advice}"]


def _nearest_index(destination: int, source: int) -> np.ndarray:
    """cv2.resize INTER_NEAREST's source index of each destination index: floor(d / (dst / src)), clamped."""
    inverse = 1.0 / (destination / source)
    return np.minimum(np.floor(np.arange(destination) * inverse).astype(np.int64), source - 1)


def square_field(field_of_view: FieldOfView, preprocessing: Preprocessing, geometry: SquareGeometry) -> np.ndarray:
    """The field of view on the model's square (bool): at each square pixel, the field-of-view
    mask (:meth:`FieldOfView.mask`) at the photograph pixel nearest its centre, looked up in the
    work copy's mask as that mask's nearest-neighbour resize would, without making it."""
    centres = np.arange(preprocessing.size, dtype=np.float64)
    xs = np.floor(preprocessing.point_to_image(centres, np.zeros_like(centres), geometry)[0] + 0.5).astype(np.int64)
    ys = np.floor(preprocessing.point_to_image(np.zeros_like(centres), centres, geometry)[1] + 0.5).astype(np.int64)
    small = field_of_view.small_mask
    inside_x, inside_y = (xs >= 0) & (xs < geometry.width), (ys >= 0) & (ys < geometry.height)
    if field_of_view.scale < 1.0:
        columns = _nearest_index(geometry.width, small.shape[1])[np.clip(xs, 0, geometry.width - 1)]
        rows = _nearest_index(geometry.height, small.shape[0])[np.clip(ys, 0, geometry.height - 1)]
    else:
        columns, rows = np.clip(xs, 0, geometry.width - 1), np.clip(ys, 0, geometry.height - 1)
    return small[rows][:, columns] & inside_y[:, None] & inside_x[None, :]


@dataclass
class Reading:
    """What one prediction says: the lesion masks at the photograph's resolution, the summary's
    measures, the findings and the verdict (None for a photograph the gate stops, or a model that
    does not grade)."""

    masks: list[np.ndarray]
    measured: dict
    findings: Findings | None
    verdict: dict | None


def read_prediction(prediction: Prediction, info: ModelInfo, gradable: bool = True) -> Reading:
    """Masks, measures, findings and verdict of ``prediction``, as `edgeseg predict` writes them
    (and the bench scores them)."""
    masks, maxima = lesion_masks(prediction, info.thresholds)
    measured = summarise(prediction, info.thresholds, masks, maxima)
    findings = photograph_findings(prediction, info.thresholds) if gradable else None
    verdict = screening_verdict(prediction.outputs, info, findings, measured["lesions"]) if gradable else None
    return Reading(masks, measured, findings, verdict)


def photograph_findings(prediction: Prediction, thresholds: dict[str, float]) -> Findings:
    """The anatomy-aware findings of one prediction (:mod:`edgeseg.screening.findings`) from the
    model's input square and its lesion maps."""
    field = square_field(prediction.field_of_view, prediction.preprocessing, prediction.geometry)
    return find_findings(prediction.square_maps, prediction.lesions, thresholds, field, locate_anatomy(prediction.square, field))


def findings_record(findings: Findings, prediction: Prediction, summary: Mapping) -> dict:
    """The findings for the JSON summary: the disc, its diameter and the fovea in the photograph's
    pixels, per quadrant counts, the exudates near the fovea, and the findings in words (the
    counts from the lesions of ``summary``, as the summary table gives them)."""
    record: dict = {"words": finding_words(findings, summary), "optic_disc": None, "fovea": None}
    anatomy, preprocessing, geometry = findings.anatomy, prediction.preprocessing, prediction.geometry
    if anatomy is not None:
        disc = preprocessing.point_to_image(anatomy.disc_x, anatomy.disc_y, geometry)
        fovea = preprocessing.point_to_image(anatomy.fovea_x, anatomy.fovea_y, geometry)
        record["optic_disc"] = {"x": round(disc[0], 1), "y": round(disc[1], 1),
                                "diameter_px": round(preprocessing.length_to_image(anatomy.disc_diameter, geometry), 1)}
        record["fovea"] = {"x": round(fovea[0], 1), "y": round(fovea[1], 1)}
    record["per_quadrant"] = findings.per_quadrant
    record["exudate_distance_dd"] = None if findings.exudate_distance_dd is None else round(findings.exudate_distance_dd, 3)
    record["exudates_within_dd"] = {f"{dd:g}": round(share, 8) for dd, share in findings.exudates_within_dd.items()}
    return record
