"""Accuracy and parity: per-lesion AUPR of every subject on the same test photographs, and the
parity verdict of every exported file against the PyTorch model it came from.

Each photograph's field of view is found once; each subject preprocesses it by its own contract,
and its maps are brought back onto the photograph's pixels exactly as `edgeseg predict` does, so
models of different input sizes are scored against the same masks (IDRiD protocol: pooled over
the images, average precision, 16-bit probabilities as `predict` writes them, constant memory).
An exported file and its source run on the same square, where
:class:`edgeseg.inference.parity.ParityAccumulator` compares them as `edgeseg export` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edgeseg.data.quality import QualityMeasures, measure_quality
from edgeseg.inference.fov import FieldOfView
from edgeseg.inference.maps import quantize_probabilities
from edgeseg.inference.parity import Parity, ParityAccumulator
from edgeseg.metrics.pr import PRAccumulator, PRCurve
from edgeseg.outputs import GRADING_OUTPUTS

from .subjects import Subject


@dataclass
class Accuracy:
    aupr: dict[str, float] = field(default_factory=dict)
    curves: dict[str, PRCurve] = field(default_factory=dict)
    parity: Parity | None = None
    error: str = ""


def score_subjects(subjects: list[Subject], samples: list, progress=None) -> dict[str, Accuracy]:
    """AUPR per lesion for every runnable subject over ``samples`` (SegSample with masks), and
    the parity of every exported subject whose source is among ``subjects``."""
    runners, accumulators, results, parities = {}, {}, {}, {}
    for item in subjects:
        if not item.runnable:
            continue
        try:
            runners[item.label] = item.open()
        except Exception as exc:  # a file that cannot be opened is reported, never fatal
            results[item.label] = Accuracy(error=f"{type(exc).__name__}: {str(exc)[:160]}")
            continue
        accumulators[item.label] = {lesion: PRAccumulator() for lesion in item.lesions}
        results[item.label] = Accuracy()
    sources = {s.path.resolve(): s for s in subjects if s.runtime == "pytorch"}
    pairs = {s.label: sources[s.source.resolve()] for s in subjects
             if s.runtime != "pytorch" and s.label in runners and s.source.resolve() in sources
             and sources[s.source.resolve()].label in runners and sources[s.source.resolve()].preprocessing == s.preprocessing}
    for label, source in pairs.items():
        parities[label] = ParityAccumulator(source.lesions, runners[label].info.thresholds)
    iterator = progress(samples, len(samples)) if progress else samples
    for sample in iterator:
        image = sample.load_image()
        field_of_view = FieldOfView.find(image)
        prepared, outputs, truths, square_masks = {}, {}, {}, {}
        for item in subjects:
            if item.label not in runners:
                continue
            contract = item.preprocessing
            if contract not in prepared:
                prepared[contract] = contract.prepare(image, field_of_view)
            try:
                outputs[item.label] = runners[item.label].lesion_maps(prepared[contract].square)
            except Exception as exc:
                results[item.label].error = f"{type(exc).__name__}: {str(exc)[:160]}"
                del runners[item.label]
                continue
            if item.lesions not in truths:
                truths[item.lesions] = sample.load_masks(image.shape[:2], item.lesions)
            for index, lesion in enumerate(item.lesions):
                full = contract.to_image(outputs[item.label][index], prepared[contract].geometry)
                accumulators[item.label][lesion].add(quantize_probabilities(full, 16), truths[item.lesions][index])
        for label, source in pairs.items():
            if label in outputs and source.label in outputs:
                contract = source.preprocessing
                key = (contract, source.lesions)
                if key not in square_masks:
                    square_masks[key] = contract.masks_to_square(truths[source.lesions], prepared[contract].geometry).astype(bool)
                parities[label].add(outputs[source.label], outputs[label], square_masks[key])
    for label, lesions in accumulators.items():
        if results[label].error:
            continue
        for lesion, accumulator in lesions.items():
            curve = accumulator.curve()
            results[label].curves[lesion] = curve
            results[label].aupr[lesion] = curve.average_precision() if curve.positives else float("nan")
        if label in parities and parities[label].images:
            results[label].parity = parities[label].verdict(runners[label].info.precision)
    return results


def grades_photographs(info) -> bool:
    """Whether a model gives a verdict: its own grades (a screening model) or a grader on its
    findings in its card (the embedded default)."""
    return set(GRADING_OUTPUTS) <= set(info.outputs) or getattr(info, "grader", None) is not None


def _verdict(runner, image, field_of_view, measures: QualityMeasures) -> tuple[int, int, float, bool] | None:
    """(DR grade, DME risk, referral probability, advice) of one photograph as `edgeseg predict`
    gives them; None for a photograph whose ``measures`` the model's image-quality gate stops
    (predict gives it no verdict)."""
    from edgeseg.predict.predictor import Predictor
    from edgeseg.predict.verdict import read_prediction, screening_verdict

    info = runner.info
    if info.quality_gate and info.quality_gate.reasons(measures):
        return None
    if set(GRADING_OUTPUTS) <= set(info.outputs):  # a model that grades: its grades are its outputs
        verdict = screening_verdict(runner(info.preprocessing.prepare(image, field_of_view).square), info)
    else:
        verdict = read_prediction(Predictor.around(runner).predict(image, field_of_view), info).verdict
    return verdict["dr_grade"], verdict["dme_risk"], verdict["referable_prob"], verdict["refer"]


def score_grading(subjects: list[Subject], samples: list, grades: dict[str, tuple[int, int]], leaky: set[str],
                  progress=None) -> dict[str, dict]:
    """Grading scores of every runnable subject that gives a verdict (:func:`grades_photographs`),
    on the graded ``samples`` its image-quality gate lets through (``ungradable`` lists the others,
    as `edgeseg eval --grading` leaves them out): DR, DME and joint accuracy, kappa, referable ROC
    AUC, the advice's sensitivity and specificity (and the same on the leak-free photographs,
    without the stems in ``leaky``)."""
    from edgeseg.metrics.grading import screening_scores

    graders = {}
    for item in subjects:
        if item.runnable and grades_photographs(item.info):
            try:
                graders[item.label] = item.open()
            except Exception:  # reported by score_subjects
                continue
    if not graders or not samples:
        return {}
    predictions: dict[str, list[tuple[int, int, float, bool] | None]] = {label: [] for label in graders}
    iterator = progress(samples, len(samples)) if progress else samples
    for sample in iterator:
        image = sample.load_image()
        field_of_view = FieldOfView.find(image)
        measures = measure_quality(image, field_of_view)  # of the photograph: each model's gate reads them
        for label, runner in graders.items():
            predictions[label].append(_verdict(runner, image, field_of_view, measures))
    results = {}
    truth = [grades[sample.stem] for sample in samples]
    for label, rows in predictions.items():
        gradable = [i for i, row in enumerate(rows) if row is not None]
        keep = [i for i in gradable if samples[i].stem not in leaky]
        scored = {"ungradable": [sample.stem for sample, row in zip(samples, rows) if row is None]}
        for name, index in (("all", gradable), ("leak_free", keep)):
            if not index:  # every photograph stopped by the gate: nothing to score
                continue
            scored[name] = screening_scores([truth[i][0] for i in index], [rows[i][0] for i in index], [truth[i][1] for i in index],
                                            [rows[i][1] for i in index], [rows[i][2] for i in index], [rows[i][3] for i in index])
        results[label] = scored
    return results
