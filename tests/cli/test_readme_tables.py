"""The README's tables of export formats and of commands are what `edgeseg export --formats` and
`edgeseg --commands` print (edgeseg/inference/formats.py, each command's registration): a format or
command added or changed without regenerating them fails here."""

from __future__ import annotations

from pathlib import Path

from edgeseg.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_holds_the_generated_formats_table(capsys):
    assert main(["export", "--formats"]) == 0
    generated = capsys.readouterr().out
    assert generated.count("\n") >= 5 and "| `onnx` | `.onnx` |" in generated
    assert generated in README.read_text(), "README.md's formats table is stale: paste `edgeseg export --formats` into its Export section"


def test_the_readme_holds_the_generated_commands_table(capsys):
    """The README's "Command line" table is what `edgeseg --commands` prints, one row per command."""
    assert main(["--commands"]) == 0
    generated = capsys.readouterr().out
    assert "| `edgeseg web serve` |" in generated and "| `edgeseg data prepare` |" in generated
    assert generated in README.read_text(), "README.md's commands table is stale: paste `edgeseg --commands` into its Command line section"
