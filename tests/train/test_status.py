"""`edgeseg train --status`: where a run stands, read from its folder alone."""

from __future__ import annotations

import pytest

from edgeseg.cli import main
from edgeseg.fileio import atomic_write_json
from edgeseg.train.options import CONFIG, RESUME, TrainOptions, saved_options
from edgeseg.train.runlog import RunLog
from edgeseg.train.status import run_status

COMMAND = "edgeseg train --recipe u2xs-mt --data data/x --out runs/x --epochs 10"


def _run(folder, rows):
    """A run folder of 10 epochs (u2xs-mt) whose log holds ``rows``: (stage epoch, seconds, mean or None)."""
    folder.mkdir()
    options = TrainOptions(recipe="u2xs-mt", data="data/x", out=str(folder), epochs=10, val_every=2, command=COMMAND)
    atomic_write_json(folder / CONFIG, saved_options(options))
    log = RunLog(folder, ("MA", "HE"))
    for step, (epoch, seconds, mean) in enumerate(rows, 1):
        scores = {} if mean is None else {"val_MA": mean - 0.1, "val_HE": mean + 0.1, "val_mean": mean}
        log.epoch({"stage": "train", "epoch": epoch, "step": step, "train_loss": 0.5, "seconds": seconds, **scores})
    return folder


def test_status_counts_epochs_across_stages_and_finds_the_last_and_the_best_validation(tmp_path):
    # Epoch numbers restart with each stage: four rows are four epochs whatever the column says.
    folder = _run(tmp_path / "x", [(1, 10.0, None), (2, 30.0, 0.40), (1, 20.0, None), (2, 40.0, 0.30)])
    status = run_status(folder)
    assert (status.epochs_done, status.epochs_total) == (4, 10)
    assert (status.best_validation.epoch, status.best_validation.scores["mean"]) == (2, 0.4)
    assert (status.last_validation.epoch, status.last_validation.scores["mean"]) == (4, 0.3)
    assert status.last_validation.scores["HE"] == pytest.approx(0.4)
    assert status.seconds_per_epoch == 25.0 and status.hours_left == pytest.approx(6 * 25.0 / 3600)
    lines = "\n".join(status.lines())
    assert "epoch 4 of 10" in lines and "best validation, epoch 2: mean 0.400 (MA 0.300, HE 0.500)" in lines
    assert f"start it again with: {COMMAND}" in lines  # no resume state: nothing to continue from
    (folder / RESUME).write_bytes(b"state")
    assert f"continue with: edgeseg train --resume {folder}" in "\n".join(run_status(folder).lines())


def test_status_of_a_finished_run_and_of_a_folder_that_is_no_run(tmp_path, capsys):
    folder = _run(tmp_path / "x", [(epoch, 1.0, 0.5 if epoch % 2 == 0 else None) for epoch in range(1, 11)])
    assert main(["train", "--status", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "epoch 10 of 10 (100%)" in out and "finished: weights in" in out and "continue with" not in out
    assert main(["train", "--status", str(tmp_path)]) == 1
    assert f"{tmp_path}: not a run folder (no config.json)" in capsys.readouterr().err
