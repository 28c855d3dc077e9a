from __future__ import annotations

import subprocess
import sys

from edgeseg.cli import main


def test_synth_then_check_via_the_console_script(tmp_path):
    out = tmp_path / "demo"
    synth = subprocess.run([sys.executable, "-m", "edgeseg", "data", "synth", "--out", str(out), "--side", "96", "--train", "3", "--test", "2"], capture_output=True, text=True)
    assert synth.returncode == 0, synth.stderr
    check = subprocess.run([sys.executable, "-m", "edgeseg", "data", "check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "No problems found" in check.stdout


def test_synth_rejects_tiny_sizes(tmp_path, capsys):
    assert main(["data", "synth", "--out", str(tmp_path / "x"), "--side", "10"]) == 1
    assert "--side >= 64" in capsys.readouterr().err


def test_prepare_needs_one_source(tmp_path, capsys):
    """Neither or both of --idrid and --folder: one line saying which to give, exit 1, nothing written."""
    for sources in ([], ["--idrid", str(tmp_path), "--folder", str(tmp_path)]):
        assert main(["data", "prepare", "--out", str(tmp_path / "out"), *sources]) == 1
        assert "give the data set as one of --idrid DIR" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_prepare_rejects_a_non_idrid_folder(tmp_path, capsys):
    assert main(["data", "prepare", "--idrid", str(tmp_path), "--out", str(tmp_path / "o")]) == 1
    assert "not the official IDRiD layout" in capsys.readouterr().err
