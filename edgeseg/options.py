"""Options declared once (after Ultralytics' one defaults file): a dataclass field made with
:func:`option` carries its default, help, choices and parser, and the command line is derived
from it (:func:`edgeseg.cli.options.add_options`), so a default lives in one place."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import Any


def option(default: Any = None, *, help: str, choices: tuple | None = None, metavar: str | None = None,
           parse: Callable[[str], Any] | None = None, flags: tuple[str, ...] = (), negate: bool = False,
           required: bool = False, positional: bool = False) -> Any:
    """A dataclass field that is also a command-line option (``--field-name`` unless ``flags``
    names it, the first name shown and any others kept for old command lines): ``parse`` turns the
    text into the value (default: the field's type); a bool field is a switch, ``negate`` making
    the flag switch it off; a ``required`` option has no default and must be given; a ``positional``
    one is an optional argument without a flag."""
    return dataclasses.field(default=default, metadata={"help": help, "choices": choices, "metavar": metavar, "parse": parse,
                                                        "flags": flags, "negate": negate, "required": required,
                                                        "positional": positional})


def option_fields(cls: type) -> list[tuple[dataclasses.Field, type]]:
    """The fields of ``cls`` made with :func:`option`, each with its value type (None stripped)."""
    hints = typing.get_type_hints(cls)
    found = []
    for declared in dataclasses.fields(cls):
        if "help" in declared.metadata:
            kinds = [kind for kind in typing.get_args(hints[declared.name]) if kind is not type(None)] or [hints[declared.name]]
            found.append((declared, kinds[0]))
    return found
