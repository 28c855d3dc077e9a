"""The README's table of export formats is what `edgeseg export --formats` prints from the formats
table (edgeseg/inference/formats.py): a format added or changed without regenerating it fails here."""

from __future__ import annotations

from pathlib import Path

from edgeseg.cli import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_holds_the_generated_formats_table(capsys):
    assert main(["export", "--formats"]) == 0
    generated = capsys.readouterr().out
    assert generated.count("\n") >= 5 and "| `onnx` | `.onnx` |" in generated
    assert generated in README.read_text(), "README.md's formats table is stale: paste `edgeseg export --formats` into its Export section"
