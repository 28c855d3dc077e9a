"""Runs that outlive a session: a run folder committed to a repository (``runs/<name>/``) resumes on
a fresh clone and ends with the weights of a run never stopped; committed run folders stay small."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from edgeseg.checkpoint import load_resume
from edgeseg.cli import main
from edgeseg.data.synthetic import write_synthetic_dataset
from edgeseg.train.options import RESUME
from edgeseg.train.runlog import LOG, read_rows

PROJECT = Path(__file__).resolve().parents[2]
RUN_BUDGET_BYTES = 5 * 1024 * 1024  # a student's committed run folder (weights, optimizer, averaged weights, log)
TRAIN = ["train", "--recipe", "u2xs-mt", "--data", "data/synth", "--out", "runs/tiny", "--size", "64", "--batch-size", "2",
         "--epochs", "3", "--val-every", "1", "--seed", "5", "--device", "cpu", "--max-iterations", "2"]


def _git(folder: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "-C", str(folder), *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _prepare_data(repository: Path) -> None:
    """The one command that rebuilds the data on a fresh machine (here: the synthetic set)."""
    write_synthetic_dataset(repository / "data" / "synth", 6, 2, 64, seed=1)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_a_run_stopped_committed_and_resumed_on_a_fresh_clone_matches_an_uninterrupted_run(tmp_path, monkeypatch, capsys):
    origin = tmp_path / "origin"
    origin.mkdir()
    _git(origin, "init", "-q")
    shutil.copy(PROJECT / ".gitignore", origin / ".gitignore")
    _git(origin, "add", ".gitignore")
    _git(origin, "commit", "-q", "-m", "ignore rules")
    _prepare_data(origin)
    monkeypatch.chdir(origin)
    assert main([*TRAIN, "--stop-after", "0"]) == 0  # stops at the end of epoch 1 of 3
    assert "continue with: edgeseg train --resume runs/tiny" in capsys.readouterr().out
    assert main(["train", "--status", "runs/tiny"]) == 0  # what a later session reads first
    status = capsys.readouterr().out
    assert "runs/tiny (u2xs-mt): epoch 1 of 3" in status and "continue with: edgeseg train --resume runs/tiny" in status
    _git(origin, "add", "-A")
    _git(origin, "commit", "-q", "-m", "run in progress")
    committed = _git(origin, "show", "--name-only", "--format=", "HEAD").split()
    assert committed and all(name.startswith("runs/tiny/") for name in committed), committed  # the data stays out
    assert {"runs/tiny/resume.safetensors", "runs/tiny/config.json", "runs/tiny/log.csv"} <= set(committed)
    assert "runs/tiny/last.safetensors" not in committed  # rebuilt from the resume state
    config = json.loads((origin / "runs/tiny/config.json").read_text())
    assert config["data"] == "data/synth" and "stop_after" not in config
    assert str(tmp_path) not in "".join((origin / name).read_text() for name in committed if name.endswith((".json", ".csv")))

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True)
    monkeypatch.chdir(clone)
    assert main(["train", "--resume", "runs/tiny"]) == 1  # the data is not prepared yet: a clear error, nothing trained
    assert "its data folder data/synth is not here" in capsys.readouterr().err
    _prepare_data(clone)
    assert main(["train", "--resume", "runs/tiny"]) == 0
    capsys.readouterr()
    assert main(["train", "--status", "runs/tiny"]) == 0 and "epoch 3 of 3 (100%)" in capsys.readouterr().out

    reference = tmp_path / "reference"
    reference.mkdir()
    _prepare_data(reference)
    monkeypatch.chdir(reference)
    assert main(TRAIN) == 0
    expected = load_file(str(reference / "runs/tiny/last.safetensors"))
    actual = load_file(str(clone / "runs/tiny/last.safetensors"))
    assert expected.keys() == actual.keys()
    assert all(torch.equal(expected[key], actual[key]) for key in expected)
    epochs = [line.split(",")[1] for line in (clone / "runs/tiny/log.csv").read_text().splitlines()[1:]]
    assert epochs == ["1", "2", "3"]


def test_resume_refuses_data_other_than_the_runs_own(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _prepare_data(tmp_path)
    assert main([*TRAIN, "--stop-after", "0"]) == 0
    write_synthetic_dataset(tmp_path / "other", 6, 2, 64, seed=2)
    assert main(["train", "--resume", "runs/tiny", "--data", "other"]) == 1
    assert "is not what this run trained on" in capsys.readouterr().err


def test_committed_run_folders_stay_within_the_budget():
    """Every run folder that the repository tracks holds at most 5 MiB (a student's resume state)."""
    if not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = _git(PROJECT, "ls-files", "-z", "runs").split("\0")
    sizes: dict[str, int] = {}
    for name in filter(None, listed):
        run = "/".join(name.split("/")[:2])
        sizes[run] = sizes.get(run, 0) + (PROJECT / name).stat().st_size
    over = {run: size for run, size in sizes.items() if size > RUN_BUDGET_BYTES}
    assert not over, f"run folders over {RUN_BUDGET_BYTES} bytes: {over}"


def test_committed_run_logs_end_where_their_resume_states_stand(tmp_path):
    """A committed run folder's log.csv ends at the step its resume state stands at: a log behind
    the state would lose epochs on resume, one ahead would be cut back to it (the committed
    versions are read, not the files a run in progress is rewriting)."""
    if not (PROJECT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = [name for name in _git(PROJECT, "ls-files", "-z", "runs").split("\0") if name.endswith("/" + RESUME)]
    for name in listed:
        run = name.rsplit("/", 1)[0]
        state = tmp_path / "resume.safetensors"
        state.write_bytes(subprocess.run(["git", "-C", str(PROJECT), "cat-file", "blob", f"HEAD:{name}"], check=True,
                                         capture_output=True).stdout)
        (tmp_path / LOG).write_text(_git(PROJECT, "show", f"HEAD:{run}/{LOG}"))
        _, resumed, _ = load_resume(state)
        assert int(read_rows(tmp_path / LOG)[-1]["step"]) == resumed["position"]["step"], f"{run}: log.csv and {RESUME} disagree"


def test_two_processes_stop_at_the_same_epoch_end(tmp_path):
    """With torchrun (gloo), every process stops cleanly at the same epoch end (rank 0 decides)."""
    import os
    import sys

    _prepare_data(tmp_path)
    launcher = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", "--master-port", "29541", "-m", "edgeseg"]
    args = [arg if arg != "data/synth" else str(tmp_path / "data/synth") for arg in TRAIN]
    args[args.index("runs/tiny")] = str(tmp_path / "runs/tiny")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(launcher + args + ["--stop-after", "0", "--batch-size", "1"], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    epochs = [line.split(",")[1] for line in (tmp_path / "runs/tiny/log.csv").read_text().splitlines()[1:]]
    assert epochs == ["1"]
