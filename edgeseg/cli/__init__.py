"""The `edgeseg` command: one entry point, one sub-command module per pipeline stage.

Exit codes: 0 success, 1 failure (a one-line message naming the file and the fix), 2 usage
error. Sub-command modules import their heavy dependencies only when they run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from edgeseg import __version__
from edgeseg.cli import bench, data, distill, evaluate, export, models, predict, screen, train, web
from edgeseg.errors import EdgesegError

COMMANDS = (data, models, train, distill, predict, screen, evaluate, export, bench, web)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="edgeseg",
        description="Diabetic-retinopathy lesion segmentation, from research networks to smartphones.",
    )
    parser.add_argument("--version", action="version", version=f"edgeseg {__version__}")
    parser.add_argument("--commands", action="store_true", help="print the table of commands (Markdown: the README's) and exit")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for module in COMMANDS:
        module.register(commands)
    return parser


def _commands(parser: argparse.ArgumentParser, prefix: str) -> list[tuple[str, str]]:
    """(command, its help) for every command under ``parser``, sub-commands in their parent's place."""
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                name = f"{prefix} {choice.dest}"
                inner = _commands(action.choices[choice.dest], name)
                found += inner or [(name, choice.help)]
    return found


def commands_markdown(parser: argparse.ArgumentParser) -> str:
    """The commands as the Markdown table of the README's "Command line" (`edgeseg --commands`),
    each with the help its module registers; `edgeseg COMMAND --help` gives its options."""
    lines = ["| command | what it does |", "|---|---|"]
    lines += [f"| `{name}` | {text} |" for name, text in _commands(parser, "edgeseg")]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used by the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if getattr(args, "commands", False) and handler is None:
        print(commands_markdown(parser), end="")
        return 0
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = int(handler(args) or 0)
        sys.stdout.flush()  # here, so that a reader gone away is met below, not at exit
        return code
    except BrokenPipeError:  # the reader went away (`edgeseg ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 141  # 128 + SIGPIPE, what a shell reports for a tool stopped by a closed pipe
    except EdgesegError as exc:
        print(f"edgeseg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("edgeseg: interrupted; no partial file was left behind", file=sys.stderr)
        return 130
