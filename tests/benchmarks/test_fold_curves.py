"""benchmarks/fold_curves.py: the epoch count of the last run comes from the mean of the folds'
validation curves, not from any one fold."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from edgeseg.train.runlog import RunLog

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "fold_curves.py"


def _fold(folder: Path, means: dict[int, float], epochs: int) -> Path:
    """A run folder whose validation mean (and every lesion) is ``means[epoch]`` at those epochs."""
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"epochs": epochs}))
    log = RunLog(folder, ("MA", "SE"))
    for epoch in range(1, max(means) + 1):
        scores = {"val_MA": means[epoch], "val_SE": means[epoch], "val_mean": means[epoch]} if epoch in means else {}
        log.epoch({"stage": "train", "epoch": epoch, "step": epoch, "train_loss": 0.5, "seconds": 1.0, **scores})
    return folder


def _run(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True)


def test_the_peak_is_that_of_the_mean_of_folds_over_epochs_all_of_them_validated(tmp_path):
    # fold a peaks at epoch 2, fold b at epoch 6 (which fold a has not validated yet); their mean peaks at 4
    a = _fold(tmp_path / "a", {2: 0.9, 4: 0.7}, epochs=6)
    b = _fold(tmp_path / "b", {2: 0.1, 4: 0.5, 6: 0.95}, epochs=6)
    result = _run(a, b, "--plot", tmp_path / "folds.png")
    assert result.returncode == 0, result.stderr
    assert "Peak of the mean of 2 folds: epoch 4 (MA 0.600, SE 0.600, mean 0.600)" in result.stdout
    assert "provisional" in result.stdout and "'a': '4/6'" in result.stdout
    assert (tmp_path / "folds.png").stat().st_size > 0


def test_finished_folds_give_a_final_peak(tmp_path):
    a = _fold(tmp_path / "a", {2: 0.2, 4: 0.4}, epochs=4)
    b = _fold(tmp_path / "b", {2: 0.3, 4: 0.1}, epochs=4)
    result = _run(a, b)
    assert "epoch 2 (MA 0.250" in result.stdout and "provisional" not in result.stdout


def test_a_folder_without_a_log_is_a_one_line_error(tmp_path):
    result = _run(tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip() == f"error: {tmp_path / 'log.csv'} not found; give run folders of `edgeseg train --val-fold K/N`"
