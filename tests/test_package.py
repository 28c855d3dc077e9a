"""Packaging: fast imports, the export layer under the edgeseg namespace, every package shipped."""

from __future__ import annotations

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


def test_data_metrics_and_cli_do_not_import_torch():
    modules = _modules_after("import edgeseg.data, edgeseg.metrics, edgeseg.cli, edgeseg.evaluate")
    assert "torch" not in modules
    assert "edgeseg.data" in modules


def test_export_layer_is_importable_as_edgeseg_export():
    import edgeseg.export

    assert Path(edgeseg.export.__file__).resolve() == REPO / "export" / "__init__.py"


def test_every_package_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "edgeseg").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to [tool.setuptools] packages"
    assert config["package-dir"]["edgeseg.export"] == "export"


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
