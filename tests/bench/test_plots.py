"""The benchmark figures: which runners share a panel of the speed/accuracy plot."""

from __future__ import annotations

import math

from edgeseg.bench.plots import pareto, pareto_panels

NAN = math.nan


def row(label: str, milliseconds: float, **aupr: float) -> dict:
    defined = [value for value in aupr.values() if not math.isnan(value)]
    return {"label": label, "median_ms": milliseconds, "aupr": aupr,
            "mean_aupr": sum(defined) / len(defined) if defined else NAN}


def test_runners_of_the_same_lesions_share_one_mean_panel():
    panels = pareto_panels([row("model", 100, MA=0.3, EX=0.8), row("model_int8.tflite", 30, MA=0.29, EX=0.8)])
    assert [title for title, _ in panels] == ["mean test AUPR (MA/EX)"]
    assert panels[0][1][1] == ("model_int8.tflite", 30, (0.29 + 0.8) / 2)


def test_one_lesion_teachers_are_compared_lesion_by_lesion_not_by_their_mean():
    """Bug fix: a one-lesion EX teacher's mean (its EX) was plotted against four-lesion means,
    so it looked better than every student and an MA teacher looked worse than all of them."""
    rows = [row("teacher-ma", 14000, MA=0.39), row("teacher-ex", 14000, EX=0.68),
            row("student", 1000, MA=0.37, HE=0.52, EX=0.82, SE=0.62), row("not run", NAN, MA=0.1),
            row("no accuracy", 500, MA=NAN)]
    panels = dict(pareto_panels(rows))
    assert list(panels) == ["test AUPR MA", "test AUPR HE", "test AUPR EX", "test AUPR SE"]
    assert panels["test AUPR MA"] == [("teacher-ma", 14000, 0.39), ("student", 1000, 0.37)]
    assert panels["test AUPR EX"] == [("teacher-ex", 14000, 0.68), ("student", 1000, 0.82)]
    assert [label for label, *_ in panels["test AUPR HE"]] == ["student"]


def test_the_plot_is_written_with_one_or_several_panels(tmp_path):
    for name, rows in {"one": [row("a", 10, MA=0.3)], "several": [row("a", 10, MA=0.3), row("b", 20, EX=0.7)], "none": []}.items():
        assert pareto(rows, tmp_path / f"{name}.png").stat().st_size > 1000
