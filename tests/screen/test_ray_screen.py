"""`edgeseg screen --engine ray` on a local Ray cluster of 2 workers (issue #34): 200 synthetic
photographs and bad files; the driver killed mid-run and the command run again; the table then
has exactly one row per file, the same summaries and verdicts as `edgeseg predict`, and the bad
files' errors. Slow (about 3 minutes on 2 cores): CI runs it in its slow step."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq
import pytest

from tests.screen.conftest import write_bad_files, write_photographs

pytestmark = pytest.mark.slow
PHOTOGRAPHS = 200


def screen_command(folder, out):
    return [sys.executable, "-m", "edgeseg", "screen", str(folder), "--out", str(out), "--engine", "ray", "--workers", "2",
            "--threads", "1", "--batch", "8"]


def test_ray_screening_survives_a_killed_driver_and_matches_predict(tmp_path):
    pytest.importorskip("ray")
    folder = tmp_path / "programme"
    photographs = write_photographs(folder, PHOTOGRAPHS)
    bad = write_bad_files(folder, photographs[0])
    out = tmp_path / "table"
    driver = subprocess.Popen(screen_command(folder, out), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    deadline = time.time() + 300
    while len(list(out.glob("part-*.parquet"))) < 3:
        assert driver.poll() is None, f"the screening ended before it could be killed: {driver.stdout.read()[-2000:]}"
        assert time.time() < deadline, "no part written in 300 s"
        time.sleep(0.2)
    os.killpg(driver.pid, signal.SIGKILL)  # the driver and the local Ray it started
    driver.wait()
    before = pq.read_table(out).num_rows
    assert 0 < before < PHOTOGRAPHS + len(bad)
    finished = subprocess.run(screen_command(folder, out), capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"{before} already in" in finished.stdout
    rows = pq.read_table(out).to_pylist()
    paths = [row["path"] for row in rows]
    assert len(paths) == len(set(paths)) == PHOTOGRAPHS + len(bad), "a photograph got no row or two"
    assert not list(out.glob(".*.tmp"))
    by_path = {row["path"]: row for row in rows}
    for path in bad.values():
        assert by_path[str(path)]["error"].startswith(str(path))
    predicted = tmp_path / "predict"
    result = subprocess.run([sys.executable, "-m", "edgeseg", "predict", *map(str, photographs), "--out", str(predicted), "--no-maps"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    for path in photographs:
        row, summary = by_path[str(path)], json.loads((predicted / f"{path.stem}.json").read_text())
        assert row["error"] is None and row["gradable"] == summary["gradable"]
        for lesion, entry in summary.get("lesions", {}).items():
            assert row[f"{lesion}_components"] == entry["components"] and row[f"{lesion}_area_share"] == entry["area_share_of_fov"]
        if "verdict" in summary:
            assert (row["dr_grade"], row["dme_risk"], row["refer"]) == (summary["dr_grade"], summary["dme_risk"], summary["verdict"]["refer"])
