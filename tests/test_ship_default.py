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


@pytest.mark.slow  # a release tool: five ships, each exporting and verifying a twin (about 70 s)
def test_a_new_student_carries_or_drops_what_was_derived_from_the_old_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_synthetic_dataset(tmp_path / "data" / "synth", 6, 2, 64, seed=1)
    assert main([*TRAIN, "--epochs", "1"]) == 0
    (tmp_path / "results.json").write_text(json.dumps({"test_aupr": {"MA": 0.1, "HE": 0.2, "EX": 0.3, "SE": 0.4}}))
    _ship("--run", "runs/tiny", "--results", "results.json")  # nothing derived yet: no question asked
    default = json.loads((PROJECT / "edgeseg/weights/u2xs_mt.json").read_text())
    model, card = load_model(tmp_path / "out/m.safetensors")
    derived = {key: default[key] for key in ("quality_gate", "grader", "grader_selection")}
    save_model(tmp_path / "out/m.safetensors", model, {**card, **derived})
    before = (tmp_path / "out/m.safetensors").read_bytes()

    refused = subprocess.run([sys.executable, str(PROJECT / "tools" / "ship_default.py"), "--run", "runs/tiny", "--results",
                              "results.json", "--out", "out/m.safetensors"], capture_output=True, text=True)
    assert refused.returncode != 0 and "--derived carry" in refused.stderr
    assert (tmp_path / "out/m.safetensors").read_bytes() == before  # nothing written

    _ship("--run", "runs/tiny", "--results", "results.json", "--derived", "carry")
    card = json.loads((tmp_path / "out/m.json").read_text())
    assert all(card[key] == value for key, value in derived.items())
    assert set(card["carried_over"]) == {"quality_gate", "grader"}
    assert "findings_grader.py" in card["carried_over"]["grader"]["rederive"]

    (tmp_path / "gate.json").write_text(json.dumps({"quality_gate": default["quality_gate"]}))
    _ship("--quality-gate", "gate.json")  # re-derived (here: the same bounds, shipped again)
    assert set(json.loads((tmp_path / "out/m.json").read_text())["carried_over"]) == {"grader"}
    (tmp_path / "grader.json").write_text(json.dumps({"grader": default["grader"], "selection": default["grader_selection"]}))
    _ship("--grader", "grader.json")
    assert "carried_over" not in json.loads((tmp_path / "out/m.json").read_text())

    _ship("--run", "runs/tiny", "--results", "results.json", "--derived", "drop")
    card = json.loads((tmp_path / "out/m.json").read_text())
    assert not {"quality_gate", "grader", "grader_selection", "carried_over"} & set(card)
