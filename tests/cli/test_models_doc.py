"""docs/models.md is what `edgeseg models --markdown` prints (its table, generated from the
registry), followed by measured sections of its own; a model registered or a figure changed
without regenerating the page fails here."""

from __future__ import annotations

from pathlib import Path

from edgeseg.cli import main

DOC = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def test_the_model_zoo_page_begins_with_the_generated_table(capsys):
    assert main(["models", "--markdown"]) == 0
    generated = capsys.readouterr().out
    assert DOC.read_text().startswith(generated), "docs/models.md is stale: rerun `edgeseg models --markdown` into its top"
