"""Training: recipes of the seed papers and one engine for CPU, CUDA, AMP and DDP."""

from edgeseg.train.engine import RunSummary, TrainOptions, resume, train
from edgeseg.train.recipes import RECIPES, Recipe, get_recipe, list_recipes

__all__ = ["RECIPES", "Recipe", "RunSummary", "TrainOptions", "get_recipe", "list_recipes", "resume", "train"]
