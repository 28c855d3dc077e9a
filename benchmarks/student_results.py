"""Test AUPR of a trained model on the 27 IDRiD test images, next to its paper's rows.

Predicts every test photograph at its original 4288x2848 resolution with `edgeseg predict`'s
pipeline, scores the maps with `edgeseg eval`'s protocol (pooled over the 27 images, average
precision; the trapezoidal area beside it) and prints a Markdown table for ``docs/results.md``.
Optionally writes the scores as JSON (used to fill the shipped model's card).

    python benchmarks/student_results.py --weights runs/u2xs-mt --idrid ../shared/data/IDRiD \
        [--json results.json]

Works for any edgeseg model (student or teacher); lesions the model does not predict are left
blank. Run it once per final model: the test set is for reporting, never for choosing.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

from edgeseg.model_file import resolve_model_file
from edgeseg.progress import progress_bar
from edgeseg.data.idrid import read_idrid_segmentation
from edgeseg.evaluate import evaluate_predictions
from edgeseg.lesions import LESIONS
from edgeseg.predict import PredictOptions, Predictor, predict_paths
from edgeseg.report import markdown_table

U2_ROWS = [  # paper 003, Table 1 (AUPR on the IDRiD test set): MA, HE, EX, SE
    ("U²-Net ST (paper)", 0.42, 0.68, 0.87, 0.74),
    ("U²-XS-Net ST (paper)", 0.41, 0.68, 0.87, 0.68),
    ("U²-XS-Net DT (paper)", 0.41, 0.69, 0.83, 0.74),
    ("U²-XS-Net MT (paper)", 0.36, 0.62, 0.85, 0.74),
]
PAPER_ROWS = {  # model name -> the paper's rows for it (None: not reported)
    "u2xs": U2_ROWS,
    "u2net": U2_ROWS[:1],
    "redseg": [("Red-Seg (paper 004)", 0.4839, 0.5695, None, None)],
    "localglobal": [  # paper 001, EX / MA / HE / SE reordered to MA, HE, EX, SE
        ("mutually local-global U-Nets, fused (paper 001)", 0.525, 0.703, 0.889, 0.679),
        ("LocalNet alone (paper 001)", 0.433, 0.696, 0.845, 0.653),
        ("GlobalNet alone (paper 001)", 0.484, 0.711, 0.849, 0.720),
    ],
    "localnet": [("LocalNet alone (paper 001)", 0.433, 0.696, 0.845, 0.653)],
    "dual2net": [("Dual2Net HED (paper 000)", None, None, 0.8296, None), ("Dual2Net PSPNet (paper 000)", None, None, 0.7977, None),
                 ("Dual2Net DeepLabv3 (paper 000)", None, None, 0.7890, None)],
}


def training_compute(weights: Path, card: dict) -> tuple[int | None, float | None]:
    """(epochs, CPU hours) from the card, else from the run folder's log.csv."""
    compute = card.get("compute", {})
    if compute:
        return compute.get("epochs"), compute.get("hours")
    log = weights.parent / "log.csv" if weights.is_file() else weights / "log.csv"
    if not log.is_file():
        return None, None
    rows = list(csv.DictReader(log.open()))
    return len(rows), sum(float(row["seconds"]) for row in rows) / 3600


def _mean(values: list[float | None]) -> float | None:
    """Mean over all four lesions, or None when some are missing (a mean over a subset would not
    compare with the four-lesion rows)."""
    return None if any(value is None for value in values) else sum(values) / len(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="run folder or model file (default: the embedded one)")
    parser.add_argument("--idrid", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--label", default=None, help="row label (default: the recipe, trained by edgeseg on this CPU)")
    args = parser.parse_args()
    predictor = Predictor(args.weights)
    samples = read_idrid_segmentation(args.idrid, "test")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        bar = iter(progress_bar("predict")(samples, len(samples)))
        predict_paths(predictor, [sample.image for sample in samples], PredictOptions(Path(folder)), lambda _: next(bar, None))
        predict_seconds = (time.perf_counter() - start) / len(samples)
        lesions = tuple(lesion for lesion in LESIONS if lesion in predictor.lesions)
        scores = {score.lesion: score for score in evaluate_predictions(folder, args.idrid, "test", lesions, progress=progress_bar("score"))}
    ours = [scores[lesion].average_precision if lesion in scores else None for lesion in LESIONS]
    epochs, hours = training_compute(args.weights or predictor.path, predictor.info.card)
    label = args.label or f"{predictor.info.card.get('recipe', predictor.info.card['model'])} (edgeseg, this CPU)"
    rows = [[label, *ours, _mean(ours)]]
    rows += [[name, *values, _mean(values)] for name, *values in PAPER_ROWS.get(predictor.info.card["model"], [])]
    print(markdown_table(["model", *LESIONS, "mean"], [[cell if cell is not None else "" for cell in row] for row in rows], digits=3))
    print()
    print("Trapezoidal AUPR (for comparison): " + ", ".join(f"{l} {scores[l].trapezoid:.3f}" for l in LESIONS if l in scores))
    print(f"Model: {resolve_model_file(args.weights) if args.weights else predictor.path}; "
          f"training: {epochs} epochs, {hours:.1f} CPU hours" if hours else "")
    print(f"Prediction: {predict_seconds:.1f} s per 4288x2848 photograph (end to end, this machine)")
    if args.json:
        args.json.write_text(json.dumps({
            "test_aupr": {lesion: score.average_precision for lesion, score in scores.items()},
            "test_aupr_trapezoid": {lesion: score.trapezoid for lesion, score in scores.items()},
            "images": len(samples),
            "epochs": epochs,
            "cpu_hours": hours,
        }, indent=2))


if __name__ == "__main__":
    main()
