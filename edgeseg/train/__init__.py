"""Training: recipes of the seed papers and one engine for CPU, CUDA, AMP and DDP.

Importing the package is light (the command line reads :class:`TrainOptions` to build its flags);
torch is imported when a training starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgeseg.train.options import RunSummary, TrainOptions
from edgeseg.train.recipes import RECIPES, Recipe, get_recipe, list_recipes


def train(options: TrainOptions) -> RunSummary:
    """Run the training ``options`` ask for (:func:`edgeseg.train.engine.train`)."""
    from edgeseg.train.engine import train as run

    return run(options)


def resume(run_dir: str | Path, **overrides: Any) -> RunSummary:
    """Continue the run in ``run_dir`` (:func:`edgeseg.train.engine.resume`)."""
    from edgeseg.train.engine import resume as run

    return run(run_dir, **overrides)


__all__ = ["RECIPES", "Recipe", "RunSummary", "TrainOptions", "get_recipe", "list_recipes", "resume", "train"]
