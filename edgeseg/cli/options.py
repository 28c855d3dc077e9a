"""Command-line flags derived from options declared once (:mod:`edgeseg.options`)."""

from __future__ import annotations

import argparse
from typing import Any

from edgeseg.options import option_fields


def add_options(parser: argparse.ArgumentParser, cls: type) -> None:
    """A flag for every field of ``cls`` made with :func:`edgeseg.options.option`: its help with
    the declared default, its choices and parser. A flag not given leaves its value unset (None)."""
    for declared, kind in option_fields(cls):
        meta = declared.metadata
        flags = meta["flags"] or ("--" + declared.name.replace("_", "-"),)
        text = meta["help"]
        if declared.default is not None and declared.default is not False and not meta["negate"]:
            shown = ",".join(map(str, declared.default)) if isinstance(declared.default, (tuple, list)) else declared.default
            text += f" (default {shown})"
        if meta["positional"]:
            parser.add_argument(declared.name, nargs="?", type=_argument_type(meta["parse"] or kind), metavar=meta["metavar"], help=text)
        elif kind is bool:
            parser.add_argument(*flags, dest=declared.name, action="store_const", const=not meta["negate"], default=None, help=text)
        else:
            parser.add_argument(*flags, dest=declared.name, type=_argument_type(meta["parse"] or kind), choices=meta["choices"],
                                metavar=meta["metavar"], required=meta["required"], help=text)


def given_options(args: argparse.Namespace, cls: type) -> dict[str, Any]:
    """The declared options of ``cls`` given on the command line (the rest keep their defaults)."""
    return {declared.name: getattr(args, declared.name) for declared, _ in option_fields(cls) if getattr(args, declared.name) is not None}


def _argument_type(parse):
    """``parse`` with its ValueError turned into argparse's one-line usage error."""
    def convert(text: str):
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc) or f"invalid value {text!r}") from None
    convert.__name__ = getattr(parse, "__name__", "value")
    return convert
