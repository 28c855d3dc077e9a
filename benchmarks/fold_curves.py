"""The cross-validated validation curve of a recipe: the runs of ``edgeseg train --val-fold K/N``
(one per fold, same recipe and seed) read from their ``log.csv``, their validation AUPR averaged
over the folds at every epoch that all of them validated, and the epoch where that mean peaks:
the epoch count for the last run on all training images (``--val-fraction 0``). The test set is
not touched.

    python benchmarks/fold_curves.py runs/u2xs-mt-ema-fold{1,2,3,4,5} --plot docs/u2xs_mt_ema_folds.png

A fold still training counts up to its last validated epoch; the table then stops there and the
peak is said to be provisional.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edgeseg.fileio import atomic_path
from edgeseg.report import text_table
from edgeseg.train.runlog import GRADING_SCORES, read_rows

NOT_LESIONS = {"mean", *GRADING_SCORES}


def validation_curve(run: Path) -> tuple[list[str], dict[int, dict[str, float]]]:
    """A run's lesions and its validation AUPR by epoch (1-based over the whole run, as in
    ``curves.png``), from the epochs that validated."""
    log = run / "log.csv"
    if not log.is_file():
        raise SystemExit(f"error: {log} not found; give run folders of `edgeseg train --val-fold K/N`")
    rows = read_rows(log)
    fields = [key[4:] for key in (rows[0] if rows else {}) if key.startswith("val_")]
    lesions = [name for name in fields if name not in NOT_LESIONS]
    curve = {epoch: {name: float(row[f"val_{name}"]) for name in [*lesions, "mean"]}
             for epoch, row in enumerate(rows, start=1) if row.get("val_mean")}
    return lesions, curve


def planned_epochs(run: Path) -> int:
    """The epochs the run was started for (``config.json``; 0 when it does not say)."""
    config = run / "config.json"
    return int(json.loads(config.read_text()).get("epochs") or 0) if config.is_file() else 0


def cross_validated(curves: list[dict[int, dict[str, float]]], names: list[str]) -> dict[int, dict[str, float]]:
    """The mean over folds of every score at each epoch that every fold validated."""
    common = sorted(set.intersection(*(set(curve) for curve in curves)))
    return {epoch: {name: sum(curve[epoch][name] for curve in curves) / len(curves) for name in names} for epoch in common}


def plot(runs: list[Path], curves: list[dict], mean_curve: dict, lesions: list[str], path: Path) -> None:
    """Left: each fold's mean AUPR and their mean; right: the cross-validated AUPR per lesion."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (folds_axis, lesion_axis) = plt.subplots(1, 2, figsize=(11, 4))
    for run, curve in zip(runs, curves):
        epochs = sorted(curve)
        folds_axis.plot(epochs, [curve[e]["mean"] for e in epochs], linewidth=1, alpha=0.7, label=run.name)
    epochs = sorted(mean_curve)
    folds_axis.plot(epochs, [mean_curve[e]["mean"] for e in epochs], color="black", linewidth=2.5, label="mean of folds")
    folds_axis.set(xlabel="epoch", ylabel="validation AUPR, mean of lesions", title="each fold and their mean", ylim=(0, 1))
    folds_axis.legend(loc="lower right", fontsize=8)
    for name in [*lesions, "mean"]:
        style = {"color": "black", "linewidth": 2.5} if name == "mean" else {}
        lesion_axis.plot(epochs, [mean_curve[e][name] for e in epochs], marker="o", markersize=3, label=name, **style)
    lesion_axis.set(xlabel="epoch", ylabel="validation AUPR, mean of folds", title="cross-validated, per lesion", ylim=(0, 1))
    lesion_axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    print(f"Wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders, one per fold")
    parser.add_argument("--plot", type=Path, help="write the curves to this PNG")
    args = parser.parse_args()
    read = [validation_curve(run) for run in args.runs]
    lesions = read[0][0]
    if any(other != lesions for other, _ in read):
        raise SystemExit("error: the runs validate different lesions; give the folds of one recipe")
    curves = [curve for _, curve in read]
    mean_curve = cross_validated(curves, [*lesions, "mean"])
    if not mean_curve:
        raise SystemExit("error: no epoch was validated by every run yet")
    rows = [[epoch, *(curve[epoch]["mean"] for curve in curves), *(mean_curve[epoch][n] for n in [*lesions, "mean"])]
            for epoch in mean_curve]
    headers = ["epoch", *(f"{run.name} mean" for run in args.runs), *(f"cv {n}" for n in [*lesions, "mean"])]
    print(text_table(headers, rows, digits=3))
    peak = max(mean_curve, key=lambda epoch: mean_curve[epoch]["mean"])
    scores = ", ".join(f"{n} {mean_curve[peak][n]:.3f}" for n in [*lesions, "mean"])
    unfinished = {run.name: f"{max(curve)}/{planned}" for run, curve in zip(args.runs, curves)
                  if max(curve) < (planned := planned_epochs(run))}
    print(f"Peak of the mean of {len(curves)} folds: epoch {peak} ({scores})"
          + (f"; provisional, runs still training (validated epoch/planned): {unfinished}" if unfinished else ""))
    if args.plot:
        plot(args.runs, curves, mean_curve, lesions, args.plot)


if __name__ == "__main__":
    main()
