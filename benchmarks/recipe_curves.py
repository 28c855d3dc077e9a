"""Two training recipes side by side at their CPU cost (issue #30): each run's validation mean
AUPR against the CPU hours its epochs took, from the runs' ``log.csv``.

    python benchmarks/recipe_curves.py benchmarks/results-recipes/u2xs-mt-paper.csv benchmarks/results-recipes/u2xs-mt-crop1600.csv \
        --label "paper: whole 512 px images" --label "crops of 256 px" --plot docs/u2xs_mt_recipes.png

Each argument is a run folder (its ``log.csv``) or a copy of a run's log. A run that lived
across sessions shared the machine with each session's other work, so its logged epoch times
are inflated where a session measured beside it (the paper run: 60-73 s an epoch on an idle
machine, a median of 87 s and up to 600 s over its sessions). The hours used here are therefore
each run's **lower-quartile** epoch time times the epochs done (the cost on an idle machine, 2
threads); the logged sum is printed beside them. Validation figures only (8 images): the test set is not read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgeseg.fileio import atomic_path
from edgeseg.report import text_table
from edgeseg.train.runlog import read_rows


def run_log(source: Path) -> list[dict]:
    log = source / "log.csv" if source.is_dir() else source
    if not log.is_file():
        raise SystemExit(f"error: {log} not found; give a run folder or a copy of its log.csv")
    return read_rows(log)


def curve(rows: list[dict]) -> tuple[float, list[tuple[float, int, float]]]:
    """(idle seconds an epoch: the lower quartile, [(hours at that rate, epoch, validation mean)])."""
    idle = float(np.percentile([float(row["seconds"]) for row in rows], 25))
    points = [(epoch * idle / 3600, epoch, float(row["val_mean"])) for epoch, row in enumerate(rows, start=1) if row.get("val_mean")]
    return idle, points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders or copies of their log.csv")
    parser.add_argument("--label", action="append", default=[], help="one per run, in order (default: the file's name)")
    parser.add_argument("--plot", type=Path, help="write the curves here (PNG)")
    args = parser.parse_args()
    labels = args.label + [source.stem if source.is_file() else source.name for source in args.runs[len(args.label):]]
    table, curves = [], []
    for label, source in zip(labels, args.runs):
        rows = run_log(source)
        idle, points = curve(rows)
        curves.append((label, points))
        best = max(points, key=lambda point: point[2]) if points else None
        last = points[-1] if points else None
        table.append([label, len(rows), f"{idle:.1f}", f"{len(rows) * idle / 3600:.2f}",
                      f"{sum(float(row['seconds']) for row in rows) / 3600:.2f}",
                      f"{best[2]:.3f} (epoch {best[1]})" if best else "-", f"{last[2]:.3f} (epoch {last[1]})" if last else "-"])
    print(text_table(["run", "epochs", "idle s/epoch", "CPU h idle", "CPU h logged", "best validation mean",
                      "last validation mean"], table))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axis = plt.subplots(figsize=(7, 4), dpi=120)
        for label, points in curves:
            axis.plot([p[0] for p in points], [p[2] for p in points], marker=".", label=label)
        axis.set_xlabel("CPU hours (2 threads, idle: each run's lower-quartile epoch time)")
        axis.set_ylabel("validation mean AUPR (8 images)")
        axis.grid(alpha=0.3)
        axis.legend()
        figure.tight_layout()
        with atomic_path(args.plot) as path:
            figure.savefig(path, format="png")
        print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
