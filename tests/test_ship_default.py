"""`tools/ship_default.py --run RUN --final`: a run reported at its final epoch (issue #30) ships
that epoch's weights, not its best validation epoch's, with a card that cites the recipe's paper."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from edgeseg.checkpoint import load_model, save_model
from edgeseg.cli import main
from edgeseg.data.synthetic import write_synthetic_dataset
from edgeseg.papers import seed_paper
from edgeseg.train.runlog import read_rows

PROJECT = Path(__file__).resolve().parents[1]
# Seed 5: the best validation is epoch 1 of 3, so the final and the best weights differ.
TRAIN = ["train", "--recipe", "u2xs-mt", "--data", "data/synth", "--out", "runs/tiny", "--size", "64", "--batch-size", "2",
         "--epochs", "3", "--val-every", "1", "--seed", "5", "--device", "cpu", "--max-iterations", "2"]


def _ship(*args: str) -> None:
    done = subprocess.run([sys.executable, str(PROJECT / "tools" / "ship_default.py"), *args, "--out", "out/m.safetensors",
                           "--data", "data/synth"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.slow  # a release tool: two ships, each exporting and verifying a twin (about 35 s)
def test_ship_final_ships_the_last_epoch_with_its_validation_and_the_papers_title(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_synthetic_dataset(tmp_path / "data" / "synth", 6, 2, 64, seed=1)
    assert main([*TRAIN, "--stop-after", "0"]) == 0  # stopped after epoch 1 of 3: its last.safetensors is no final epoch
    (tmp_path / "results.json").write_text(json.dumps({"test_aupr": {"MA": 0.1, "HE": 0.2, "EX": 0.3, "SE": 0.4}}))
    refused = subprocess.run([sys.executable, str(PROJECT / "tools" / "ship_default.py"), "--run", "runs/tiny", "--final",
                              "--results", "results.json", "--out", "out/m.safetensors"], capture_output=True, text=True)
    assert refused.returncode != 0 and "stands at epoch 1 of 3" in refused.stderr and not (tmp_path / "out").exists()
    assert main(["train", "--resume", "runs/tiny"]) == 0
    _ship("--run", "runs/tiny", "--final", "--results", "results.json", "--command", "edgeseg train ...")
    shipped, last, best = (load_file(str(tmp_path / name)) for name in ("out/m.safetensors", "runs/tiny/last.safetensors",
                                                                        "runs/tiny/best.safetensors"))
    assert all(torch.equal(shipped[key], last[key]) for key in last)
    assert not all(torch.equal(shipped[key], best[key]) for key in best)
    card = json.loads((tmp_path / "out/m.json").read_text())
    final = read_rows(tmp_path / "runs/tiny/log.csv")[-1]
    assert abs(card["validation_aupr"]["HE"] - float(final["val_HE"])) < 1e-5  # the final epoch's validation, not the best's
    assert card["compute"]["epochs"] == 3 and card["paper"].startswith(seed_paper("003"))
    assert (tmp_path / "out/m.onnx").is_file()  # its twin, verified

    # A card written before a title changed is corrected by the next card-only change (here: the test figures).
    model, card = load_model(tmp_path / "out/m.safetensors")
    save_model(tmp_path / "out/m.safetensors", model, {**card, "paper": "003 an old title"})
    _ship("--results", "results.json")
    assert json.loads((tmp_path / "out/m.json").read_text())["paper"].startswith(seed_paper("003"))
