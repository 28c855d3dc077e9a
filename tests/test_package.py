"""Packaging: fast imports, the lean paths free of torch, every package and the embedded model shipped."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import edgeseg
from edgeseg.cli import main

REPO = Path(__file__).resolve().parents[1]


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return set(output.stdout.split())


def test_import_edgeseg_is_light():
    modules = _modules_after("import edgeseg")
    assert not {"numpy", "cv2", "torch"} & modules


def test_data_metrics_cli_inference_predict_and_export_metadata_do_not_import_torch():
    modules = _modules_after("import edgeseg.data, edgeseg.metrics, edgeseg.cli, edgeseg.evaluate, edgeseg.inference, edgeseg.predict; "
                             "from edgeseg.export import read_metadata")
    assert "torch" not in modules
    assert "edgeseg.data" in modules and "edgeseg.inference.runners" in modules


def test_building_the_command_line_does_not_import_torch():
    """Every command's flags are built (train's and export's from their declared options) before
    `edgeseg predict` runs: that must stay light."""
    modules = _modules_after("from edgeseg.cli import build_parser; build_parser().parse_args(['predict', 'x.jpg'])")
    assert "torch" not in modules and "edgeseg.train.options" in modules and "edgeseg.export.options" in modules and "edgeseg.bench.options" in modules


def test_every_package_and_the_embedded_model_are_shipped():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["packages"]["find"]["include"] == ["edgeseg*"]
    assert {"weights/*.safetensors", "weights/*.onnx"} <= set(config["package-data"]["edgeseg"])
    assert (REPO / "edgeseg" / "weights" / "u2xs_mt.onnx").is_file()


def test_torch_is_a_range_and_the_licence_is_there():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    torch = next(item for item in project["dependencies"] if item.startswith("torch"))
    assert "==" not in torch  # installing edgeseg must not replace a project's torch
    assert "Apache License" in (REPO / "LICENSE").read_text() and project["license"] == "Apache-2.0"


def test_version_flag(capsys):
    try:
        main(["--version"])
    except SystemExit as exit_:
        assert exit_.code == 0
    assert capsys.readouterr().out.strip() == f"edgeseg {edgeseg.__version__}"


def test_no_command_is_a_usage_error():
    assert main([]) == 2


def test_unknown_option_exits_2():
    try:
        main(["data", "check"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:
        raise AssertionError("argparse should have exited")


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "edgeseg", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "edgeseg" in result.stdout


def test_a_reader_gone_away_stops_a_command_quietly():
    """`edgeseg models | head -1`: the pipe closes before the output is written; the command stops
    with the shell's code for it (141), and no traceback."""
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first write fails with EPIPE
    try:
        result = subprocess.run([sys.executable, "-m", "edgeseg", "models"], stdout=writer, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(writer)
    assert result.returncode == 141 and "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
