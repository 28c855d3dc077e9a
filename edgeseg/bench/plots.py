"""The figures of a benchmark run (matplotlib, written as PNG files)."""

from __future__ import annotations

import math
from pathlib import Path

LESION_ORDER = ("MA", "HE", "EX", "SE")


def _figure(width: float = 7.5, height: float = 4.8):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt, *plt.subplots(figsize=(width, height))


def pareto(rows: list[dict], path: Path) -> Path:
    """Median latency against mean AUPR, one point per runner and precision."""
    plt, figure, axes = _figure()
    for row in rows:
        if math.isnan(row.get("median_ms", math.nan)) or math.isnan(row.get("mean_aupr", math.nan)):
            continue
        axes.scatter(row["median_ms"], row["mean_aupr"], s=40)
        axes.annotate(row["label"], (row["median_ms"], row["mean_aupr"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
    axes.set_xscale("log")
    axes.set_xlabel("median latency per image (ms, log scale)")
    axes.set_ylabel("mean test AUPR over lesions")
    axes.set_title("Speed against accuracy (up and to the left is better)")
    axes.grid(True, alpha=0.3)
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
    for axes, lesion in zip(grid.ravel(), LESION_ORDER):
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
