"""Every `edgeseg ...` command the README and the docs show parses with today's command line: an
option renamed or removed without its docs fails here (the commands are parsed, not run)."""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from edgeseg.cli import build_parser

PROJECT = Path(__file__).resolve().parents[2]
DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md")), *sorted(PROJECT.glob("*/README.md"))]
PLACEHOLDERS = ("...", "$", "[", "<")  # a command written with a shell variable, an optional part or a placeholder


def doc_commands(text: str) -> list[str]:
    """The `edgeseg` commands in ``text``'s shell code blocks, continuation lines joined, comments and
    redirections dropped, the command from a pipeline or a `nice`/`nohup` prefix."""
    found, blocks, block, language = [], [], None, ""
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            if block is None:
                block, language = [], line.strip()[3:].strip()
            else:
                if language in ("", "bash", "sh"):
                    blocks.append("\n".join(block))
                block = None
        elif block is not None:
            block.append(line)
    for block in blocks:
        for line in re.sub(r"\\\n\s*", "", block).splitlines():
            for part in re.split(r"&&|\||;", line.split(" #")[0]):
                match = re.match(r"\s*(?:nohup\s+|nice\s+-n\s+\d+\s+|time\s+)*(edgeseg\s+[a-z].*)", part)
                if match and not any(mark in match.group(1) for mark in PLACEHOLDERS):
                    found.append(re.sub(r"\s+\d?>.*$", "", match.group(1)).strip())
    return found


COMMANDS = [(path.relative_to(PROJECT).as_posix(), command) for path in DOCS for command in doc_commands(path.read_text())]


def test_the_docs_show_commands():
    assert len(COMMANDS) > 50 and any(command.startswith("edgeseg predict") for _, command in COMMANDS)
    assert doc_commands("```bash\nnice -n 19 edgeseg train --resume runs/x \\\n    --stop-after 5 > log 2>&1 &\n```") == [
        "edgeseg train --resume runs/x --stop-after 5"]


@pytest.mark.parametrize(("doc", "command"), COMMANDS, ids=[f"{doc}:{index}" for index, (doc, _) in enumerate(COMMANDS)])
def test_a_documented_command_parses(doc, command):
    words = shlex.split(command)[1:]
    parser = build_parser()
    commands = next(action.choices for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    if words[0] not in commands:
        pytest.skip(f"{words[0]!r} is prose, not a command")
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(words)
        except SystemExit as exit:
            assert not exit.code, f"{doc}: `{command}` no longer parses: {errors.getvalue().strip().splitlines()[-1]}"
