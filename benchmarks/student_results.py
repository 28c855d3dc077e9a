"""Test AUPR of a trained student on the 27 IDRiD test images, next to the U²-XS-Net paper's rows.

Predicts every test photograph at its original 4288x2848 resolution with `edgeseg predict`'s
pipeline, scores the maps with `edgeseg eval`'s protocol (pooled over the 27 images, average
precision; the trapezoidal area beside it) and prints a Markdown table for ``docs/results.md``.
Optionally writes the scores as JSON (used to fill the shipped model's card).

    python benchmarks/student_results.py --weights runs/u2xs-mt --idrid ../shared/data/IDRiD \
        [--json results.json]

Run it once per final model: the test set is for reporting, never for choosing.
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

from edgeseg.checkpoint import resolve_model_path
from edgeseg.data.idrid import read_idrid_segmentation
from edgeseg.evaluate import evaluate_predictions
from edgeseg.predict import Predictor, predict_file
from edgeseg.report import markdown_table

PAPER_ROWS = [  # paper 003, Table 1 (AUPR on the IDRiD test set)
    ("U²-Net ST (paper)", 0.42, 0.68, 0.87, 0.74),
    ("U²-XS-Net ST (paper)", 0.41, 0.68, 0.87, 0.68),
    ("U²-XS-Net DT (paper)", 0.41, 0.69, 0.83, 0.74),
    ("U²-XS-Net MT (paper)", 0.36, 0.62, 0.85, 0.74),
]
LESIONS = ("MA", "HE", "EX", "SE")


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=None, help="run folder or model file (default: the embedded one)")
    parser.add_argument("--idrid", type=Path, required=True)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--label", default="edgeseg U²-XS-Net MT (this CPU)")
    args = parser.parse_args()
    predictor = Predictor(args.weights)
    samples = read_idrid_segmentation(args.idrid, "test")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for sample in samples:
            predict_file(predictor, sample.image, Path(folder))
        predict_seconds = (time.perf_counter() - start) / len(samples)
        scores = {score.lesion: score for score in evaluate_predictions(folder, args.idrid, "test", LESIONS)}
    ours = [scores[lesion].average_precision for lesion in LESIONS]
    epochs, hours = training_compute(args.weights or predictor.path, predictor.card)
    rows = [[args.label, *ours, sum(ours) / 4]]
    rows += [[name, *values, sum(values) / 4] for name, *values in PAPER_ROWS]
    print(markdown_table(["model", *LESIONS, "mean"], rows, digits=3))
    print()
    print("Trapezoidal AUPR (for comparison): " + ", ".join(f"{l} {scores[l].trapezoid:.3f}" for l in LESIONS))
    print(f"Model: {resolve_model_path(args.weights) if args.weights else predictor.path}; "
          f"training: {epochs} epochs, {hours:.1f} CPU hours" if hours else "")
    print(f"Prediction: {predict_seconds:.1f} s per 4288x2848 photograph (end to end, this machine)")
    if args.json:
        args.json.write_text(json.dumps({
            "test_aupr": {lesion: scores[lesion].average_precision for lesion in LESIONS},
            "test_aupr_trapezoid": {lesion: scores[lesion].trapezoid for lesion in LESIONS},
            "images": len(samples),
            "epochs": epochs,
            "cpu_hours": hours,
        }, indent=2))


if __name__ == "__main__":
    main()
