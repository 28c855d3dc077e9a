"""The figures of a benchmark run (matplotlib, written as PNG files)."""

from __future__ import annotations

import math
from pathlib import Path

from edgeseg.lesions import LESIONS


def _figure(width: float = 7.5, height: float = 4.8, columns: int = 1):
    """pyplot, a figure and its axes (one Axes, or a row of ``columns`` of them)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(1, columns, figsize=(width, height))


def pareto_panels(rows: list[dict]) -> list[tuple[str, list[tuple[str, float, float]]]]:
    """The panels of the speed/accuracy plot: (title, [(label, median ms, AUPR)]).

    When every timed runner scores the same lesions, one panel holds their mean AUPR. When the
    lesion sets differ (one-lesion teachers beside four-lesion students), a mean would compare
    different lesions, so there is one panel per lesion with the runners that predict it.
    """
    timed = [row for row in rows if not math.isnan(row.get("median_ms", math.nan))
             and any(not math.isnan(value) for value in row.get("aupr", {}).values())]
    if not timed:
        return []
    lesion_sets = {frozenset(lesion for lesion, value in row["aupr"].items() if not math.isnan(value)) for row in timed}
    if len(lesion_sets) == 1:
        (shared,) = lesion_sets
        names = "/".join(lesion for lesion in LESIONS if lesion in shared)
        return [(f"mean test AUPR ({names})", [(row["label"], row["median_ms"], row["mean_aupr"]) for row in timed])]
    present = [lesion for lesion in LESIONS if any(lesion in lesions for lesions in lesion_sets)]
    return [(f"test AUPR {lesion}", [(row["label"], row["median_ms"], row["aupr"][lesion]) for row in timed
                                     if not math.isnan(row["aupr"].get(lesion, math.nan))]) for lesion in present]


def pareto(rows: list[dict], path: Path) -> Path:
    """Median latency against test AUPR, one point per runner and precision (see :func:`pareto_panels`)."""
    panels = pareto_panels(rows) or [("test AUPR", [])]
    labels = list(dict.fromkeys(label for _, points in panels for label, *_ in points))
    colours = {label: f"C{index % 10}" for index, label in enumerate(labels)}  # a runner keeps its colour across panels
    plt, figure, axes = _figure(width=max(7.5, 4.5 * len(panels)), columns=len(panels))
    for axis, (title, points) in zip([axes] if len(panels) == 1 else axes, panels):
        for label, milliseconds, aupr in points:
            axis.scatter(milliseconds, aupr, s=40, color=colours[label])
            axis.annotate(label, (milliseconds, aupr), fontsize=7, xytext=(4, 3), textcoords="offset points")
        axis.set_xscale("log")
        axis.set_xlabel("median latency per image (ms, log scale)")
        axis.set_ylabel(title)
        axis.grid(True, alpha=0.3)
    figure.suptitle("Speed against accuracy (up and to the left is better)")
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def memory(rows: list[dict], path: Path) -> Path:
    """Peak resident memory of each runner process, and its growth over the load."""
    plt, figure, axes = _figure(8, 0.35 * max(4, len(rows)) + 1.5)
    measured = [row for row in rows if not math.isnan(row.get("peak_rss_mb", math.nan))]
    labels = [row["label"] for row in measured]
    axes.barh(labels, [row["peak_rss_mb"] for row in measured], color="#9ecae1", label="peak RSS of the process")
    axes.barh(labels, [row["load_growth_mb"] for row in measured], color="#3182bd", label="growth over the load (model + arena)")
    axes.set_xlabel("MB")
    axes.invert_yaxis()
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title("Memory per runner")
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def scaling(points: list[dict], path: Path) -> Path:
    """Latency and memory against input size."""
    plt, figure, axes = _figure()
    sizes = [p["size"] for p in points]
    axes.plot(sizes, [p["median_ms"] for p in points], "o-", color="#3182bd", label="median latency (ms)")
    axes.set_xlabel("input size (pixels a side)")
    axes.set_ylabel("median latency (ms)", color="#3182bd")
    twin = axes.twinx()
    twin.plot(sizes, [p["peak_rss_mb"] for p in points], "s--", color="#e6550d", label="peak RSS (MB)")
    twin.set_ylabel("peak RSS (MB)", color="#e6550d")
    axes.set_title(f"Cost against input size: {points[0]['label'] if points else ''}")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def pr_curves(curves: dict[str, dict], path: Path) -> Path:
    """Precision-recall curves per lesion, one line per model (``curves[label][lesion]``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, grid = plt.subplots(2, 2, figsize=(10, 8))
    for axes, lesion in zip(grid.ravel(), LESIONS):
        for label, per_lesion in curves.items():
            curve = per_lesion.get(lesion)
            if curve is None or not curve.positives:
                continue
            step = max(1, len(curve.recall) // 2000)
            axes.plot(curve.recall[::step], curve.precision[::step], linewidth=1, label=f"{label} ({curve.average_precision():.3f})")
        axes.set_title(f"{lesion}: precision against recall")
        axes.set_xlabel("recall")
        axes.set_ylabel("precision")
        axes.set_xlim(0, 1)
        axes.set_ylim(0, 1)
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=6)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return path
