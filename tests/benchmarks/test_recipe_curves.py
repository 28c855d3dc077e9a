"""benchmarks/recipe_curves.py: a run's CPU hours at its idle epoch time (the lower quartile of
its logged epochs, not inflated by the sessions that shared the machine), its best and last
validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from edgeseg.train.runlog import RunLog

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "recipe_curves.py"


def _run_folder(folder: Path, seconds: list[float], means: dict[int, float]) -> Path:
    folder.mkdir()
    log = RunLog(folder, ("MA",))
    for epoch, spent in enumerate(seconds, start=1):
        scores = {"val_MA": means[epoch], "val_mean": means[epoch]} if epoch in means else {}
        log.epoch({"stage": "train", "epoch": epoch, "step": epoch, "train_loss": 0.5, "seconds": spent, **scores})
    return folder


def test_hours_come_from_the_idle_epoch_time_and_the_table_names_best_and_last(tmp_path):
    # 6 epochs of 60 s on an idle machine, 6 of 600 s beside a session's measurements (median 330 s)
    run = _run_folder(tmp_path / "run", [60.0] * 6 + [600.0] * 6, {4: 0.5, 8: 0.6, 12: 0.55})
    done = subprocess.run([sys.executable, str(SCRIPT), str(run), "--label", "whole", "--plot", str(tmp_path / "c.png")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("whole"))
    assert row.split()[1:5] == ["12", "60.0", "0.20", "1.10"], row  # 12 x 60 s idle; 6 x 60 + 6 x 600 logged
    assert "0.600 (epoch 8)" in row and "0.550 (epoch 12)" in row, row
    assert (tmp_path / "c.png").stat().st_size > 0


def test_a_missing_log_is_a_one_line_error(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert done.returncode != 0 and done.stderr.strip() == f"error: {tmp_path / 'log.csv'} not found; give a run folder or a copy of its log.csv"
