"""`edgeseg bench` end to end on a tiny model and its exports: every runner in its own process,
the table, the JSON, the Markdown and the plots; parity statuses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("litert_torch")

from edgeseg.cli import main  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def bench_run(trained_tiny_model_file, tmp_path_factory):
    exports = tmp_path_factory.mktemp("exports")
    assert main(["export", "--model", str(trained_tiny_model_file), "--target", "onnx", "--precision", "fp32,int8", "--out", str(exports),
                 "--calib-images", "4", "--verify-images", "2"]) == 0
    assert main(["export", "--model", str(trained_tiny_model_file), "--target", "tflite", "--precision", "fp32", "--out", str(exports),
                 "--verify-images", "2"]) == 0
    out = tmp_path_factory.mktemp("bench")
    code = main(["bench", str(exports), "--runs", "3", "--rounds", "2", "--warmup", "1", "--threads", "1",
                 "--sizes", "64,96", "--out", str(out)])
    return code, out


@pytest.mark.slow  # the whole bench on three exports: about 110 s; CI's second step runs it
def test_every_runner_is_timed_and_scored(bench_run):
    code, out = bench_run
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    rows = {row["label"]: row for row in results["rows"]}
    assert set(rows) == {"trained_unet (PyTorch)", "trained_unet_fp32.onnx", "trained_unet_int8.onnx", "trained_unet_fp32.tflite"}
    for row in rows.values():
        assert row["status"] == "passed", row
        assert len(row["round_medians_ms"]) == 2 and row["median_ms"] > 0 and row["peak_rss_mb"] > 0
        assert set(row["aupr"]) == {"MA", "HE", "EX", "SE"}
        assert row["params"] > 0 and row["gmacs"] > 0
    assert rows["trained_unet_fp32.onnx"]["max_abs_vs_source"] <= 1e-4
    assert rows["trained_unet_int8.onnx"]["parity"]["passed"] and rows["trained_unet_int8.onnx"]["parity"]["images"] > 0
    assert not math.isnan(rows["trained_unet_int8.onnx"]["speedup_vs_fp32"])
    assert rows["trained_unet_fp32.tflite"]["reference"] == "trained_unet (PyTorch)"
    assert [point["size"] for point in results["scaling"]] == [64, 96]
    assert results["machine"]["cpu"] and results["threads"] == 1


@pytest.mark.slow  # the whole bench on three exports: about 110 s; CI's second step runs it
def test_markdown_and_plots_are_written(bench_run):
    _, out = bench_run
    text = (out / "results.md").read_text()
    assert "| trained_unet_int8.onnx | onnxruntime | int8 | passed |" in text
    for name in ("latency_vs_aupr.png", "memory.png", "latency_vs_size.png", "pr_curves.png"):
        assert (out / name).stat().st_size > 1000


def test_failed_parity_is_reported_without_aborting_the_table(tiny_model_file, tmp_path, monkeypatch):
    from edgeseg.bench import harness
    from edgeseg.inference.parity import TOLERANCES, Tolerance

    monkeypatch.setitem(TOLERANCES, "fp32", Tolerance(-1.0, 1.0, 0.0, 1.0))
    exports = tmp_path / "exports"
    assert main(["export", "--model", str(tiny_model_file), "--target", "onnx", "--precision", "fp32", "--out", str(exports),
                 "--no-verify"]) == 0
    results = harness.run_bench(harness.BenchOptions(inputs=[str(exports)], runs=1, rounds=1, warmup=0, threads=1, sizes=(), out=str(tmp_path / "b")),
                                log=lambda _: None)
    statuses = {row["label"]: row["status"] for row in results["rows"]}
    assert statuses == {"tiny_unet (PyTorch)": "passed", "tiny_unet_fp32.onnx": "exported but failed parity"}


def test_runner_memory_is_its_own_not_the_parents(tiny_model_file):
    """A bug fix: ru_maxrss carries a large parent's peak into its children; VmHWM does not."""
    import numpy as np

    from edgeseg.bench.harness import BenchOptions, _worker
    from edgeseg.bench.subjects import subject

    from edgeseg.memory import resident_mb

    ballast = np.ones((600, 1024, 1024), np.uint8)  # 600 MB resident in this (parent) process
    parent = resident_mb()
    visit = _worker(subject(tiny_model_file), BenchOptions(threads=1, warmup=0), runs=1)
    assert ballast.sum() > 0
    # The runner imports torch itself (about 500 MB); a peak carried over from the parent would be
    # at least the parent's resident memory, ballast included.
    assert visit["peak_rss_mb"] < parent - 300, (visit["peak_rss_mb"], parent)


@pytest.mark.slow  # the whole bench on three exports: about 110 s; CI's second step runs it
def test_onnx_and_litert_runners_do_not_import_torch(bench_run):
    """An exported file's runner process loads its runtime and the model, not torch."""
    from edgeseg.bench.harness import BenchOptions, _worker
    from edgeseg.bench.subjects import subject

    _, out = bench_run
    results = json.loads((out / "results.json").read_text())
    for row in results["rows"]:
        visit = _worker(subject(row["file"]), BenchOptions(threads=1, warmup=0), runs=1)
        assert visit["torch_imported"] == (row["runtime"] == "pytorch"), row["label"]


def test_student_is_compared_with_every_full_model_on_shared_lesions():
    from edgeseg.bench.harness import student_vs_full

    def row(label, runtime, model, ms, rss, aupr):
        return {"label": label, "runtime": runtime, "model": model, "median_ms": ms, "peak_rss_mb": rss, "aupr": aupr}

    rows = [
        row("redseg (PyTorch)", "pytorch", "redseg", 2000.0, 1000.0, {"MA": 0.40, "HE": 0.50}),
        row("u2xs_mt (PyTorch)", "pytorch", "u2xs", 400.0, 250.0, {"MA": 0.35, "HE": 0.55, "EX": 0.8, "SE": 0.6}),
        row("u2xs_mt_int8.tflite", "litert", "u2xs", 100.0, 100.0, {"MA": 0.34, "HE": 0.55, "EX": 0.8, "SE": 0.6}),
        row("hed failed", "pytorch", "dual2net", math.nan, math.nan, {}),
    ]
    pairs = {(p["student"], p["full"]): p for p in student_vs_full(rows)}
    assert set(pairs) == {("u2xs_mt (PyTorch)", "redseg (PyTorch)"), ("u2xs_mt_int8.tflite", "redseg (PyTorch)")}
    tflite = pairs[("u2xs_mt_int8.tflite", "redseg (PyTorch)")]
    assert tflite["speedup"] == pytest.approx(20.0) and tflite["memory_saving"] == pytest.approx(0.9)
    assert tflite["aupr_gap"] == pytest.approx({"MA": -0.06, "HE": 0.05})


def test_full_models_alone_are_measured_beside_the_embedded_default(tiny_model_file, tmp_path, monkeypatch):
    from edgeseg.bench import harness

    student = tmp_path / "student.safetensors"
    student.write_bytes(tiny_model_file.read_bytes())
    monkeypatch.setattr(harness, "_default_subjects", lambda options, log: ([str(student)], [{"label": "x", "status": "failed"}]))
    teacher_alone = harness.BenchOptions(inputs=[str(tiny_model_file)], out=str(tmp_path))
    subjects, failures = harness._subjects(teacher_alone, log=lambda _: None)
    assert [s.path for s in subjects] == [tiny_model_file, student] and failures == [{"label": "x", "status": "failed"}]
    student_given = harness.BenchOptions(inputs=[str(student)], out=str(tmp_path))
    monkeypatch.setattr(harness, "STUDENT_MODELS", ("unet",))  # the tiny model plays the student: nothing is added
    assert [s.path for s in harness._subjects(student_given, log=lambda _: None)[0]] == [student]


def test_grading_is_scored_on_the_photographs_the_manifest_names(tmp_path, monkeypatch):
    """The head learns from the photographs as the camera gave them (``source_image``); the bench
    grades the same ones, and the prepared copy only where the manifest names none that exists."""
    import types

    from edgeseg.bench import harness
    from edgeseg.data.datasets import open_split
    from edgeseg.data.synthetic import write_synthetic_dataset
    from edgeseg.outputs import GRADING_OUTPUTS

    data = write_synthetic_dataset(tmp_path / "data", n_train=2, n_test=1, size=64, seed=3, n_grading=6)
    graded = open_split(data, "grading/test")
    assert len(graded) >= 2
    source = tmp_path / "camera" / f"{graded[0].stem}.jpg"
    source.parent.mkdir()
    source.write_bytes(graded[0].image.read_bytes())
    manifest = json.loads((data / "manifest.json").read_text())
    manifest["images"]["grading/test"] = [{"stem": graded[0].stem, "source_image": str(source)},
                                          {"stem": graded[1].stem, "source_image": str(tmp_path / "gone.jpg")}]
    (data / "manifest.json").write_text(json.dumps(manifest))
    seen = {}
    monkeypatch.setattr("edgeseg.bench.accuracy.score_grading",
                        lambda subjects, samples, grades, leaky, progress: seen.update({s.stem: s.image for s in samples}) or {})
    grader = types.SimpleNamespace(info=types.SimpleNamespace(outputs=("lesion_probs", *GRADING_OUTPUTS)))
    harness._grading([grader], data, types.SimpleNamespace(images=None), None)
    assert seen[graded[0].stem] == source
    assert seen[graded[1].stem] == graded[1].image


def test_the_bench_counts_the_test_photographs_the_model_cards_quality_gate_stops(tiny_model_file, synthetic_root, tmp_path):
    from edgeseg.bench.harness import _quality
    from edgeseg.bench.subjects import Subject
    from edgeseg.checkpoint import load_model, save_model
    from edgeseg.data.datasets import open_split
    from edgeseg.data.quality import measure_quality
    from edgeseg.inference.model_info import read_info

    samples = open_split(synthetic_root, "test")
    brightness = sorted(measure_quality(sample.load_image()).brightness for sample in samples)
    model, card = load_model(tiny_model_file)
    plain = Subject(read_info(tiny_model_file), "plain")
    assert _quality([plain], samples) is None  # no gate in the card: nothing to count
    gated = save_model(tmp_path / "gated.safetensors", model, {**card, "quality_gate": {"brightness": {"min": brightness[1]}}})
    result = _quality([plain, Subject(read_info(gated), "gated")], samples)
    assert result["photographs"] == len(samples) and list(result["ungradable"].values()) == [["too dark"]]


def test_the_bench_grades_a_model_carrying_a_grader_as_predict_does(tiny_model_file, tmp_path):
    """Issue #28: a lesion model whose card carries a grader (the embedded default) is graded by
    the bench from its findings, with `edgeseg predict`'s verdict photograph for photograph."""
    from edgeseg.bench.accuracy import _verdict, grades_photographs, score_grading
    from edgeseg.bench.subjects import subject
    from edgeseg.checkpoint import load_model, save_model
    from edgeseg.data.datasets import open_split
    from edgeseg.data.quality import measure_quality
    from edgeseg.inference.fov import FieldOfView
    from edgeseg.data.synthetic import write_synthetic_dataset
    from edgeseg.screening.grader import FEATURES

    features = list(FEATURES)
    weights = [0.1 * (index % 5 - 2) for index in range(len(features))]
    head = lambda classes: {"coef": [weights] * classes, "intercept": [0.1 * k for k in range(classes)]}  # noqa: E731
    grader = {"features": features, "dr": head(5), "dme": {"presence": head(1), "near_dd": 1.0, "min_area": 0.0},
              "referable": head(1), "referable_threshold": 0.5}
    model, card = load_model(tiny_model_file)
    graded = subject(save_model(tmp_path / "graded.safetensors", model, {**card, "grader": grader}))
    assert grades_photographs(graded.info) and not grades_photographs(subject(tiny_model_file).info)
    data = write_synthetic_dataset(tmp_path / "data", n_train=1, n_test=1, size=96, seed=5, n_grading=4)
    samples = open_split(data, "grading/test")
    grades = {sample.stem: (2, 1) for sample in samples}
    scores = score_grading([graded], samples, grades, set())
    assert scores[graded.label]["all"]["images"] == len(samples)
    out = tmp_path / "predict"
    assert main(["predict", *(str(s.image) for s in samples), "--model", str(graded.path), "--out", str(out), "--no-maps"]) == 0
    runner = graded.open()
    for sample in samples:
        image = sample.load_image()
        summary = json.loads((out / f"{sample.image.stem}.json").read_text())
        field_of_view = FieldOfView.find(image)
        dr, dme, probability, refer = _verdict(runner, image, field_of_view, measure_quality(image, field_of_view))
        assert (dr, dme, refer) == (summary["dr_grade"], summary["dme_risk"], summary["refer"])
        assert probability == pytest.approx(summary["referable_prob"])
    # every photograph is referable (DR 2): the advice's sensitivity is the share it refers, as predict advises
    refer_share = np.mean([json.loads((out / f"{s.image.stem}.json").read_text())["refer"] for s in samples])
    assert scores[graded.label]["all"]["referral_sensitivity"] == pytest.approx(refer_share)


def test_the_bench_grades_only_what_the_models_quality_gate_lets_through(tiny_model_file, tmp_path):
    """`edgeseg predict` gives no verdict to a photograph the card's image-quality gate stops, so
    the bench neither scores one: it lists it as ungradable, as `edgeseg eval --grading` does."""
    from edgeseg.bench.accuracy import score_grading
    from edgeseg.bench.report import grading_lines
    from edgeseg.bench.subjects import subject
    from edgeseg.checkpoint import load_model, save_model
    from edgeseg.data.datasets import open_split
    from edgeseg.data.quality import measure_quality
    from edgeseg.data.synthetic import write_synthetic_dataset
    from edgeseg.screening.grader import FEATURES

    head = lambda classes: {"coef": [[0.0] * len(FEATURES)] * classes, "intercept": [0.1 * k for k in range(classes)]}  # noqa: E731
    grader = {"features": list(FEATURES), "dr": head(5), "dme": {"presence": head(1), "near_dd": 1.0, "min_area": 0.0},
              "referable": head(1), "referable_threshold": 0.5}
    data = write_synthetic_dataset(tmp_path / "data", n_train=1, n_test=1, size=96, seed=5, n_grading=4)
    samples = open_split(data, "grading/test")
    brightness = {sample.stem: measure_quality(sample.load_image()).brightness for sample in samples}
    bound = sorted(brightness.values())[2]  # the two darker photographs fall below it
    model, card = load_model(tiny_model_file)
    gated = subject(save_model(tmp_path / "gated.safetensors", model,
                               {**card, "grader": grader, "quality_gate": {"brightness": {"min": bound}}}))
    scores = score_grading([gated], samples, {sample.stem: (2, 1) for sample in samples}, set())[gated.label]
    assert sorted(scores["ungradable"]) == sorted(stem for stem, value in brightness.items() if value < bound)
    assert len(scores["ungradable"]) == 2 and scores["all"]["images"] == 2
    table = "\n".join(grading_lines({"grading_data": "4 photographs", "rows": [{"label": gated.label, "grading": scores}]}))
    assert f"| {gated.label} | 2 | " in table, table
