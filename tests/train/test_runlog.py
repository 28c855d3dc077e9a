"""The run folder's logs: ``steps.csv`` is written when the engine flushes it (before every resume
state) and at every epoch, not on every step (a rewrite per step cost time quadratic in the run)."""

from __future__ import annotations

from edgeseg.train.runlog import RunLog, read_rows


def _step(log: RunLog, step: int) -> None:
    log.step({"step": step, "stage": "train", "epoch": 1, "iteration": step, "loss": 0.5, "lr": 1e-3})


def test_steps_are_written_on_flush_and_at_each_epoch_not_on_every_step(tmp_path):
    log = RunLog(tmp_path, ("MA",))
    _step(log, 1)
    assert not (tmp_path / "steps.csv").exists()  # kept in memory
    log.flush()
    assert [row["step"] for row in read_rows(tmp_path / "steps.csv")] == ["1"]
    before = (tmp_path / "steps.csv").stat().st_mtime_ns
    log.flush()  # nothing new: no rewrite
    assert (tmp_path / "steps.csv").stat().st_mtime_ns == before
    _step(log, 2)
    _step(log, 3)
    log.epoch({"stage": "train", "epoch": 1, "step": 3, "train_loss": 0.5, "seconds": 1.0})
    assert [row["step"] for row in read_rows(tmp_path / "steps.csv")] == ["1", "2", "3"]
    assert [row["step"] for row in read_rows(tmp_path / "log.csv")] == ["3"]


def test_a_resumed_log_is_cut_back_to_its_checkpoint(tmp_path):
    log = RunLog(tmp_path, ("MA",))
    for step in (1, 2, 3, 4):
        _step(log, step)
    log.flush()
    resumed = RunLog(tmp_path, ("MA",))
    resumed.truncate(2)
    assert [row["step"] for row in read_rows(tmp_path / "steps.csv")] == ["1", "2"]
    _step(resumed, 3)
    resumed.flush()
    assert [row["step"] for row in read_rows(tmp_path / "steps.csv")] == ["1", "2", "3"]
