"""The benchmark_model output parser on real samples of the tool's output, and --adb without a device."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgeseg.bench.adb import parse_benchmark_model
from edgeseg.cli import main
from edgeseg.errors import EdgesegError

DATA = Path(__file__).parent / "data"


def test_newer_output_with_percentiles():
    parsed = parse_benchmark_model((DATA / "benchmark_model_xnnpack.txt").read_text())
    assert parsed["avg_us"] == 899641 and parsed["init_us"] == 614333 and parsed["first_us"] == 905463
    assert parsed["count"] == 50 and parsed["min_us"] == 898007 and parsed["max_us"] == 906121 and parsed["std_us"] == 1549
    assert parsed["median_us"] == 899281 and parsed["p5_us"] == 898333 and parsed["p95_us"] == 904305
    assert parsed["memory_init_mb"] == pytest.approx(146.363) and parsed["memory_overall_mb"] == pytest.approx(150.141)
    assert parsed["model_mb"] == pytest.approx(67.3128)


def test_older_output_with_scientific_notation():
    parsed = parse_benchmark_model((DATA / "benchmark_model_classic.txt").read_text())
    assert parsed["avg_us"] == pytest.approx(2.95034e6) and parsed["warmup_avg_us"] == pytest.approx(3.51239e6)
    assert parsed["count"] == 50 and parsed["min_us"] == 2727568 and "median_us" not in parsed
    assert parsed["memory_overall_mb"] == pytest.approx(46.0859)


def test_output_without_timings_is_an_error():
    with pytest.raises(EdgesegError, match="no 'Inference timings"):
        parse_benchmark_model("ERROR: Could not open 'model.tflite'.\n")


def test_adb_without_a_device_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no adb on the PATH
    assert main(["bench", "--adb", str(tmp_path / "model.tflite")]) == 2
    assert "adb" in capsys.readouterr().out


def test_adb_with_no_connected_phone_exits_2(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "adb"
    fake.write_text("#!/bin/sh\necho 'List of devices attached'\necho\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    assert main(["bench", "--adb", str(tmp_path / "model.tflite")]) == 2
    assert "no Android device is connected" in capsys.readouterr().out
