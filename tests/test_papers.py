"""The seed papers' titles are written once (edgeseg/papers.py): every model and recipe that cites
a seed paper by number cites it with that title."""

from __future__ import annotations

import re

from edgeseg.papers import SEED_PAPERS, seed_paper


def cited(papers: dict[str, str]) -> list[str]:
    """The citations of ``papers`` (name -> citation) that name a seed paper by number but not by its title."""
    wrong = []
    for name, citation in papers.items():
        number = re.match(r"(\d{3}) ", citation)
        if number and not citation.startswith(seed_paper(number.group(1))):
            wrong.append(name)
    return wrong


def test_models_and_recipes_cite_the_seed_papers_by_their_one_title():
    from edgeseg.models import list_models, model_entry
    from edgeseg.train import list_recipes

    models = {name: model_entry(name).paper for name in list_models()}
    recipes = {recipe.name: recipe.paper for recipe in list_recipes()}
    assert cited(models) == [] and cited(recipes) == []
    assert {citation[:3] for citation in [*models.values(), *recipes.values()] if citation[:3] in SEED_PAPERS} == set(SEED_PAPERS)
    assert cited({"hand-written": "003 Lightweight U²-Net for mobile DR screening"}) == ["hand-written"]


def test_the_embedded_models_card_cites_its_seed_paper_by_its_one_title():
    import json

    from edgeseg.checkpoint import read_card
    from edgeseg.embedded import default_model_path

    card = read_card(default_model_path())
    beside = json.loads(default_model_path().with_suffix(".json").read_text())
    assert cited({"model file": card["paper"], "card beside it": beside["paper"]}) == []
