"""Flags derived from options declared once (edgeseg.options, edgeseg.cli.options): export's."""

from __future__ import annotations

import argparse
import dataclasses

from edgeseg.cli.options import add_options, given_options
from edgeseg.export.options import ExportOptions


def _parse(*argv: str) -> ExportOptions:
    parser = argparse.ArgumentParser()
    add_options(parser, ExportOptions)
    return ExportOptions(**given_options(parser.parse_args(list(argv)), ExportOptions))


def test_nothing_given_is_the_declared_defaults():
    assert _parse() == ExportOptions()
    assert dataclasses.asdict(_parse())["verify"] is True


def test_a_negated_switch_a_parsed_list_and_an_old_flag_name():
    options = _parse("--no-verify", "--precision", "fp32, int8", "--weights", "runs/x", "--imgsz", "256", "--int8")
    assert (options.verify, options.precisions, options.weights, options.size, options.int8) == (False, ["fp32", "int8"], "runs/x", 256, True)
    assert _parse("--model", "m.safetensors").weights == "m.safetensors"


def _add_argument_defaults(path) -> list[str]:
    """``add_argument`` calls in ``path`` that write a default of their own."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_argument":
            default = next((keyword.value for keyword in node.keywords if keyword.arg == "default"), None)
            if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_no_command_writes_a_default_of_its_own(tmp_path):
    """Every default of the command line comes from a declaration (edgeseg.options.option):
    no ``add_argument`` in edgeseg/cli writes one, so the help and the behaviour cannot differ.
    The check itself sees a default written by hand."""
    from pathlib import Path

    cli = Path(__file__).resolve().parents[2] / "edgeseg" / "cli"
    assert [found for path in sorted(cli.glob("*.py")) for found in _add_argument_defaults(path)] == []
    probe = tmp_path / "probe.py"
    probe.write_text('parser.add_argument("--port", type=int, default=8000)\n')
    assert _add_argument_defaults(probe) == ["probe.py:1"]


def test_every_command_parses_with_its_declared_defaults():
    """Each command's parser, built from its declarations, gives back the declared defaults when
    nothing is given (the positional arguments a command needs given)."""
    from edgeseg.cli import build_parser
    from edgeseg.data.options import PrepareOptions, SynthOptions
    from edgeseg.evaluate_options import EvalOptions
    from edgeseg.predict.options import ModelOptions, PredictOptions
    from edgeseg.screen.options import ScreenOptions
    from edgeseg.web.options import MeasureOptions, ServeOptions

    parser = build_parser()
    cases = [(["predict", "x.jpg"], (ModelOptions, PredictOptions)), (["screen", "dir"], (ScreenOptions,)),
             (["data", "prepare", "--out", "o"], (PrepareOptions,)), (["data", "synth", "--out", "o"], (SynthOptions,)),
             (["eval", "--data", "d"], (EvalOptions,)), (["web", "serve"], (ServeOptions,)),
             (["web", "measure", "--photo", "p.jpg"], (MeasureOptions,))]
    for argv, declarations in cases:
        args = parser.parse_args(argv)
        for cls in declarations:
            given = given_options(args, cls)
            parsed = cls(**given)
            assert all(getattr(parsed, name) == getattr(cls(), name) for name in vars(cls()) if name not in given), argv
