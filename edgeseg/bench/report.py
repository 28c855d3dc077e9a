"""The bench's results as a terminal table and a Markdown page (``results.md``)."""

from __future__ import annotations

import math

from edgeseg.lesions import LESIONS


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def table_rows(rows: list[dict]) -> list[list[str]]:
    """The summary table, one row per subject (terminal and Markdown)."""
    lesions = LESIONS
    table = []
    for row in rows:
        drop = max(row.get("aupr_drop", {}).values(), default=None)
        table.append([
            row["label"], row["runtime"], row["precision"], row["status"], _fmt(row["file_mb"], 2),
            _fmt((row.get("params") or math.nan) / 1e6, 2), _fmt(row.get("gmacs"), 1), _fmt(row["median_ms"], 0), _fmt(row["p90_ms"], 0),
            _fmt(row["min_ms"], 0), _fmt(row["fps"], 2), _fmt(row.get("speedup_vs_reference"), 2), _fmt(row.get("speedup_vs_fp32"), 2),
            _fmt(row["peak_rss_mb"], 0), _fmt(row["load_growth_mb"], 0),
            *(_fmt(row["aupr"].get(lesion), 3) for lesion in lesions), _fmt(drop, 4),
            _fmt(row.get("mean_abs_vs_source") if row["runtime"] != "pytorch" else None, 6),
        ])
    return table


HEADERS = ["Model", "Runtime", "Precision", "Status", "File MB", "Params M", "GMACs", "median ms", "p90 ms", "min ms", "fps",
           "x vs ref", "x vs fp32", "peak RSS MB", "load MB", "AUPR MA", "AUPR HE", "AUPR EX", "AUPR SE", "max AUPR drop", "mean |diff|"]


def markdown(results: dict) -> str:
    from edgeseg.report import markdown_table

    m = results["machine"]
    rows = results["rows"]
    reference = rows[0]["reference"] if rows else None
    lines = [
        "# Benchmark results", "",
        f"Measured {results['created']} on {m['cpu']} ({m['logical_cores']} logical cores), {results['threads']} threads per runner, "
        f"{m['platform']}, Python {m['python']}, edgeseg {m['edgeseg']}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Accuracy on {results['data']}. Reference full model for the speed-up column: {reference}.",
        f"Each runner ran in its own fresh process, {results['options']['rounds']} rounds of {results['options']['runs']} timed runs "
        "after warm-up, runners alternating. `max AUPR drop` is against the PyTorch model the file came from, on the test "
        "photographs; `mean |diff|` is the mean probability difference to it on the same inputs. `Status` is the parity verdict "
        "`edgeseg export` gives (mean |diff|, mask Dice at the thresholds and AUPR drop, bounded per precision; "
        "`edgeseg.inference.parity`).", "",
        markdown_table(HEADERS, table_rows(rows)), "",
    ]
    gate = results.get("quality_gate")
    if gate:
        names = ", ".join(f"{stem} ({'; '.join(reasons)})" for stem, reasons in gate["ungradable"].items())
        lines += [f"Image-quality gate of the model card: {len(gate['ungradable'])} of {gate['photographs']} test photographs "
                  f"ungradable{': ' + names if names else ''}; accuracy above is on all of them.", ""]
    notes = [f"- {row['label']}: {row['note']}" for row in rows if row.get("note")]
    if notes:
        lines += ["Notes:", *notes, ""]
    spreads = [row.get("speedup_spread") for row in rows if row.get("speedup_spread") is not None and not math.isnan(row["speedup_spread"])]
    if spreads:
        lines += [f"Spread of the speed-up ratio between rounds (max - min over mean): up to {max(spreads):.1%}.", ""]
    if results.get("student_vs_full"):
        lines += ["## The student against each full model", "",
                  "Speed-up: the full model's median latency over the student's, each at its own input size. "
                  "AUPR gap: student minus full model, on the lesions both predict.", "",
                  markdown_table(["student", "full model", "speed-up", "memory saving", "AUPR gap"],
                                 [[p["student"], p["full"], f"{p['speedup']:.1f}x", f"{p['memory_saving']:.0%}",
                                   ", ".join(f"{lesion} {gap:+.3f}" for lesion, gap in p["aupr_gap"].items()) or "-"]
                                  for p in results["student_vs_full"]]),
                  ""]
    lines += grading_lines(results)
    if results["scaling"]:
        lines += ["## Cost against input size", "",
                  markdown_table(["size", "GMACs", "median ms", "peak RSS MB"],
                                 [[p["size"], _fmt(p.get("gmacs"), 1), _fmt(p["median_ms"], 0), _fmt(p["peak_rss_mb"], 0)] for p in results["scaling"]]),
                  ""]
    lines += ["Plots: `latency_vs_aupr.png`, `memory.png`, `latency_vs_size.png`, `pr_curves.png`.", ""]
    return "\n".join(lines)


def grading_lines(results: dict) -> list[str]:
    """The grading section: per model, how many photographs its gate stopped and the screening
    scores on the rest (all / leak-free)."""
    from edgeseg.report import markdown_table

    graded = [row for row in results["rows"] if row.get("grading")]
    if not graded:
        return []
    header = ["model", "ungradable", "DR acc", "DME acc", "joint acc", "DR kappa", "referable AUC", "sens. at 90 % spec.",
              "advice sens.", "advice spec."]
    keys = ("dr_accuracy", "dme_accuracy", "joint_accuracy", "dr_kappa", "referable_auc", "sensitivity_at_90_specificity",
            "referral_sensitivity", "referral_specificity")
    table = [[row["label"], len(row["grading"].get("ungradable", ())),
              *(" / ".join(_fmt(row["grading"].get(part, {}).get(key), 3) for part in ("all", "leak_free")) for key in keys)]
             for row in graded]
    return ["## Grading", "", f"On {results.get('grading_data', '')}: the photographs each model's image-quality gate lets "
            "through (as `edgeseg predict` gives verdicts) / the leak-free ones among them.", "", markdown_table(header, table), ""]
