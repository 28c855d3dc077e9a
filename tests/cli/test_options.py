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
