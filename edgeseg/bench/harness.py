"""`edgeseg bench`: speed, memory and accuracy parity of PyTorch models and exported files.

Speed: every runner runs in its own fresh process (:mod:`edgeseg.bench.worker`); ``rounds``
rounds visit every subject in turn, in a rotated order, so that machine noise hits all of them
alike; each visit warms up, then times ``runs`` inferences. Median, p90, min and fps come from
all timed runs; ratios (speed-up against the reference full model and against the fp32 file of
the same runtime) are given beside them, with their spread over the rounds.
Memory: peak RSS of the runner process and its growth over loading and running the model.
Accuracy: per-lesion test AUPR of every subject on the same photographs
(:mod:`edgeseg.bench.accuracy`), the drop against the PyTorch model it came from, and a status:
passed, exported but failed parity, or failed.
"""

from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from edgeseg.data.quality import measure_quality
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_bytes, atomic_write_json, portable_path, read_json
from edgeseg.inference.formats import FORMATS

from .accuracy import score_subjects
from .options import BenchOptions
from .report import markdown
from .subjects import Subject, collect_subjects

def machine() -> dict:
    """The machine the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = {}
    runtimes = dict.fromkeys(module for item in FORMATS.values() for module in item.run_modules)  # the formats table's runtimes
    for module in (*runtimes, "numpy"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # absent or without a version
            continue
    import os

    from edgeseg import __version__

    return {"cpu": cpu, "logical_cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "edgeseg": __version__, "versions": versions}


def _worker(subject: Subject, options: BenchOptions, runs: int, size: int | None = None) -> dict:
    spec = {"runtime": subject.runtime, "path": str(subject.path), "threads": options.threads, "warmup": options.warmup, "runs": runs, "size": size}
    done = subprocess.run([sys.executable, "-m", "edgeseg.bench.worker", json.dumps(spec)], capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise EdgesegError(f"runner process failed: {tail[0][:200]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _default_subjects(options: BenchOptions, log) -> tuple[list[str], list[dict]]:
    """With no input: the embedded default and its exports in every target and precision,
    exported into ``<out>/exports`` unless files newer than the weights are already there.
    Returns the inputs and a row for each file whose export or verification failed."""
    from edgeseg.embedded import default_model_path
    from edgeseg.export import ExportOptions
    from edgeseg.export.exporter import export_model
    from edgeseg.inference.formats import EXPORT_FORMATS, resolve_precisions

    default = default_model_path()
    out = Path(options.out) / "exports"
    expected = [out / t.filename(default.stem, p, t.default_layout) for t in EXPORT_FORMATS.values() for p in resolve_precisions(t, int8=True)]
    if any(not path.exists() or path.stat().st_mtime < default.stat().st_mtime for path in expected):
        log(f"Exporting the embedded default to every target and precision in {out} (reused by later runs) ...")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results = export_model(ExportOptions(target="all", int8=True, out=str(out), size=options.size, data=options.data), log=log)
        failures = [{"label": f"{default.stem}_{r.precision} ({r.target})", "runtime": r.target, "precision": r.precision,
                     "status": "failed", "note": f"export: {r.status}: {r.message}"} for r in results if not r.ok]
        atomic_write_json(out / "export_failures.json", failures)
    failures = read_json(out / "export_failures.json") if (out / "export_failures.json").exists() else []
    return [str(default), str(out)], failures


def _subjects(options: BenchOptions, log) -> tuple[list[Subject], list[dict]]:
    """What to measure: the inputs; with none, the embedded default and its exports; with PyTorch
    full models only (no student, no exported file among them), those full models beside the
    embedded default and its exports, so that the student is compared with the teachers given."""
    if not options.inputs:
        inputs, failures = _default_subjects(options, log)
        return collect_subjects(inputs), failures
    subjects = collect_subjects(options.inputs)
    if any(subject.model in STUDENT_MODELS or subject.runtime != "pytorch" for subject in subjects):
        return subjects, []
    inputs, failures = _default_subjects(options, log)
    return subjects + collect_subjects(inputs), failures


def run_bench(options: BenchOptions, log=print, progress=None) -> dict:
    """Measure, write ``results.json``, ``results.md`` and the plots into ``options.out``;
    ``progress`` wraps the photographs' loop ``(iterable, total) -> iterable`` (a progress bar)."""
    out = Path(options.out)
    out.mkdir(parents=True, exist_ok=True)
    subjects, failed_exports = _subjects(options, log)
    samples, data_note, data_root = _test_samples(subjects, options)
    log(f"{len(subjects)} subjects; accuracy on {data_note}")

    quality = _quality(subjects, samples)
    accuracy = score_subjects(subjects, samples, progress)
    grading, grading_note = _grading(subjects, data_root, options, progress)
    timings: dict[str, list[dict]] = {s.label: [] for s in subjects}
    errors: dict[str, str] = {}
    runnable = [s for s in subjects if s.runnable and not (s.label in accuracy and accuracy[s.label].error)]
    for round_index in range(options.rounds):
        order = runnable[round_index % max(1, len(runnable)):] + runnable[: round_index % max(1, len(runnable))]
        for subject in order:
            if subject.label in errors:
                continue
            log(f"round {round_index + 1}/{options.rounds}: timing {subject.label} ...")
            try:
                timings[subject.label].append(_worker(subject, options, options.runs))
            except EdgesegError as exc:
                errors[subject.label] = str(exc)
    rows = _rows(subjects, accuracy, timings, errors, grading) + [_failed_row(failure) for failure in failed_exports]
    scaling = _scaling(subjects, options, log) if options.sizes else []
    results = {"machine": machine(), "options": {k: v for k, v in options.__dict__.items()}, "data": data_note, "threads": options.threads,
               "grading_data": grading_note, "quality_gate": quality,
               "rows": rows, "student_vs_full": student_vs_full(rows), "scaling": scaling, "created": time.strftime("%Y-%m-%d %H:%M:%S")}
    atomic_write_json(out / "results.json", results)
    atomic_write_bytes(out / "results.md", markdown(results).encode())
    _plots(out, rows, scaling, subjects, accuracy)
    return results


def _quality(subjects: list[Subject], samples: list) -> dict | None:
    """How many test photographs the image-quality gate of the subjects' model cards stops (the
    first card that carries one; every export of a model carries its card's), with the reasons."""
    gate = next((subject.info.quality_gate for subject in subjects if subject.info.quality_gate), None)
    if gate is None:
        return None
    stopped = {}
    for sample in samples:
        reasons = gate.reasons(measure_quality(sample.load_image()))
        if reasons:
            stopped[sample.stem] = reasons
    return {"photographs": len(samples), "ungradable": stopped, "bounds": gate.as_dict()}


def _failed_row(failure: dict) -> dict:
    """A table row for a file that could not be exported or failed its verification."""
    empty = {key: math.nan for key in ("file_mb", "median_ms", "p90_ms", "min_ms", "fps", "peak_rss_mb", "load_growth_mb",
                                        "mean_aupr", "max_abs_vs_source", "mean_abs_vs_source")}
    return {**empty, "model": "", "file": "", "size": 0, "source": "", "round_medians_ms": [], "aupr": {}, "aupr_drop": {},
            "reference": None, **failure}


def _test_samples(subjects: list[Subject], options: BenchOptions) -> tuple[list, str, Path]:
    from edgeseg.data.datasets import open_split

    data = options.data
    if data is None:
        for subject in subjects:
            card = subject.info.card if subject.runtime == "pytorch" else {}
            candidate = card.get("training", {}).get("data")
            if candidate and Path(candidate).exists():
                data = candidate
                break
    if data is None:
        from edgeseg.data.synthetic import write_synthetic_dataset

        warnings.warn("no test data (pass --data DIR): scoring accuracy on synthetic fundus images, where only parity is meaningful", stacklevel=2)
        data = str(write_synthetic_dataset(Path(options.out) / "synthetic", n_train=1, n_test=6, size=512, seed=7))
    samples = open_split(data, options.split)
    if options.images:
        samples = samples[: options.images]
    return samples, f"{len(samples)} {options.split} images of {data}", Path(data)


def _grading(subjects: list[Subject], root: Path, options: BenchOptions, progress) -> tuple[dict, str]:
    """Grading scores of the subjects that grade, on the graded test photographs of the data set
    the lesions were scored on (``grading/test`` of a folder `data prepare --grading` wrote), as
    the camera gave them when the manifest names them (what `edgeseg predict` sees)."""
    import dataclasses

    from edgeseg.bench.accuracy import grades_photographs, score_grading
    from edgeseg.data.datasets import open_split, read_manifest
    from edgeseg.data.folder import read_grades, split_dir
    from edgeseg.data.grading import grading_split, leaky_test_stems, source_photographs

    if not any(grades_photographs(s.info) for s in subjects):
        return {}, ""
    try:
        graded = open_split(root, grading_split("test"))
    except EdgesegError:
        return {}, f"no graded test photographs in {root} (prepare it with `edgeseg data prepare --grading`)"
    grades = read_grades(split_dir(root, grading_split("test")))
    manifest = read_manifest(root)
    leaky = set(leaky_test_stems(manifest))
    graded = [dataclasses.replace(sample, image=path) for sample, path in zip(graded, source_photographs(manifest, grading_split("test"), graded))]
    if options.images:
        graded = graded[: options.images]
    return score_grading(subjects, graded, grades, leaky, progress), f"{len(graded)} graded test photographs of {root} ({len(leaky)} leaky)"


def _stats(times: list[float]) -> dict:
    if not times:
        return {"median_ms": math.nan, "p90_ms": math.nan, "min_ms": math.nan, "fps": math.nan}
    median = float(np.median(times))
    return {"median_ms": median, "p90_ms": float(np.percentile(times, 90)), "min_ms": float(min(times)), "fps": 1000 / median}


def _rows(subjects, accuracy, timings, errors, grading) -> list[dict]:
    from edgeseg.bench.complexity import complexity

    rows = []
    for subject in subjects:
        visits = timings.get(subject.label, [])
        row = {"label": subject.label, "runtime": subject.runtime, "precision": subject.precision, "model": subject.model,
               "file": portable_path(subject.path), "file_mb": subject.file_mb, "size": subject.size, "source": portable_path(subject.source),
               **_stats([t for visit in visits for t in visit["times_ms"]]),
               "round_medians_ms": [float(np.median(v["times_ms"])) for v in visits],
               "peak_rss_mb": max((v["peak_rss_mb"] for v in visits), default=math.nan),
               "load_growth_mb": max((v["peak_rss_mb"] - v["rss_baseline_mb"] for v in visits), default=math.nan),
               **complexity(subject.source, subject.size)}
        result = accuracy.get(subject.label)
        row["aupr"] = dict(result.aupr) if result else {}
        defined = [v for v in row["aupr"].values() if not math.isnan(v)]
        row["mean_aupr"] = float(np.mean(defined)) if defined else math.nan
        parity = result.parity if result else None
        row["max_abs_vs_source"] = parity.max_abs if parity else math.nan
        row["mean_abs_vs_source"] = parity.mean_abs if parity else math.nan
        row["parity"] = parity.as_dict() if parity else None
        source = next((s for s in subjects if s.runtime == "pytorch" and s.path.resolve() == subject.source.resolve()), None)
        source_aupr = accuracy[source.label].aupr if source is not None and source.label in accuracy else {}
        row["aupr_drop"] = {lesion: value - row["aupr"][lesion] for lesion, value in source_aupr.items() if lesion in row["aupr"]}
        row["grading"] = grading.get(subject.label)
        row["status"], row["note"] = _status(subject, row, result, errors.get(subject.label))
        rows.append(row)
    _ratios(rows)
    return rows


def _status(subject: Subject, row: dict, result, error: str | None) -> tuple[str, str]:
    """passed / exported but failed parity / failed (/ not run here, for Core ML on Linux)."""
    if error:
        return "failed", error
    if not subject.runnable:
        return "not run here", subject.note
    if result is None or result.error:
        return "failed", result.error if result else "not scored"
    if subject.runtime == "pytorch":
        return "passed", ""
    if result.parity is None:
        return "passed", "its PyTorch source was not measured at the same input: parity not checked"
    if not result.parity.passed:
        return "exported but failed parity", result.parity.reason
    return "passed", "; ".join(result.parity.not_judged)


def _ratios(rows: list[dict]) -> None:
    pytorch = [r for r in rows if r["runtime"] == "pytorch"]
    sources = {r["source"] for r in rows if r["runtime"] != "pytorch"}
    full = [r for r in pytorch if r["file"] not in sources] or pytorch
    reference = max(full, key=lambda r: r.get("params") or 0) if full else None
    fp32 = {(r["runtime"], r["source"]): r for r in rows if r["precision"] == "fp32"}
    for row in rows:
        if reference and not math.isnan(reference["median_ms"]) and not math.isnan(row["median_ms"]):
            row["speedup_vs_reference"] = reference["median_ms"] / row["median_ms"]
            pairs = zip(reference["round_medians_ms"], row["round_medians_ms"])
            ratios = [a / b for a, b in pairs]
            row["speedup_spread"] = (max(ratios) - min(ratios)) / np.mean(ratios) if len(ratios) > 1 else math.nan
            row["memory_saving_vs_reference"] = 1 - row["peak_rss_mb"] / reference["peak_rss_mb"]
        base = fp32.get((row["runtime"], row["source"]))
        if base and not math.isnan(base["median_ms"]) and not math.isnan(row["median_ms"]):
            row["speedup_vs_fp32"] = base["median_ms"] / row["median_ms"]
        row["reference"] = reference["label"] if reference else None


STUDENT_MODELS = ("u2xs",)


def student_vs_full(rows: list[dict]) -> list[dict]:
    """Every student row (U²-XS-Net, in PyTorch or exported) against every full model measured
    in the same run (a PyTorch row of another architecture): the student's speed-up (ratio of
    median latencies, each at its own input size), its peak-memory saving, and its AUPR minus
    the full model's on the lesions both predict (negative: the student is behind)."""
    timed = [r for r in rows if not math.isnan(r["median_ms"])]
    full = [r for r in timed if r["runtime"] == "pytorch" and r["model"] not in STUDENT_MODELS]
    students = [r for r in timed if r["model"] in STUDENT_MODELS]
    pairs = []
    for teacher in full:
        for student in students:
            shared = [lesion for lesion in teacher["aupr"] if lesion in student["aupr"]]
            pairs.append({
                "student": student["label"], "full": teacher["label"],
                "speedup": teacher["median_ms"] / student["median_ms"],
                "memory_saving": 1 - student["peak_rss_mb"] / teacher["peak_rss_mb"],
                "aupr_gap": {lesion: student["aupr"][lesion] - teacher["aupr"][lesion] for lesion in shared},
            })
    return pairs


def _scaling(subjects: list[Subject], options: BenchOptions, log) -> list[dict]:
    """Latency and memory of the student's PyTorch model against the input size."""
    pytorch = [s for s in subjects if s.runtime == "pytorch"]
    if not pytorch:
        return []
    from edgeseg.bench.complexity import complexity

    student = min(pytorch, key=lambda s: complexity(s.source, s.size).get("params") or math.inf)
    points = []
    for size in options.sizes:
        log(f"scaling: {student.label} at {size} px ...")
        try:
            visit = _worker(student, options, options.scaling_runs, size)
        except EdgesegError as exc:
            log(f"scaling at {size} px failed: {exc}")
            continue
        points.append({"label": student.label, "size": size, **_stats(visit["times_ms"]), "peak_rss_mb": visit["peak_rss_mb"],
                       "gmacs": complexity(student.source, size).get("gmacs")})
    return points


def _plots(out: Path, rows: list[dict], scaling: list[dict], subjects: list[Subject], accuracy: dict) -> None:
    from edgeseg.bench import plots

    plots.pareto(rows, out / "latency_vs_aupr.png")
    plots.memory(rows, out / "memory.png")
    if scaling:
        plots.scaling(scaling, out / "latency_vs_size.png")
    plots.pr_curves({s.label: accuracy[s.label].curves for s in subjects if s.label in accuracy and accuracy[s.label].curves},
                    out / "pr_curves.png")
