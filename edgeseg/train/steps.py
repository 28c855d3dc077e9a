"""The training steps a recipe's stage can name (``Stage.step``), and the factory that builds
the task of a stage: how a batch becomes a loss (:mod:`edgeseg.train.tasks`,
:mod:`edgeseg.train.distill`)."""

from __future__ import annotations

from typing import Any

from edgeseg.errors import EdgesegError
from edgeseg.train.distill import DistillationTask
from edgeseg.train.recipes import Recipe, Stage
from edgeseg.train.tasks import AlternatingGradingTask, DualSamplingTask, LocalGlobalTask, SegmentationTask, TopKSegmentationTask

STEPS: dict[str, type] = {
    "standard": SegmentationTask,
    "topk": TopKSegmentationTask,
    "dual": DualSamplingTask,
    "grading": AlternatingGradingTask,
    "localglobal": LocalGlobalTask,
    "distill": DistillationTask,
}


def build_task(recipe: Recipe, stage: Stage, data: Any, seed: int, crop: int | None) -> Any:
    """The task of ``stage``, on ``data`` (:class:`edgeseg.train.engine.TrainingData`)."""
    if stage.step not in STEPS:
        raise EdgesegError(f"stage {stage.name!r}: unknown step {stage.step!r}; choose from {', '.join(STEPS)}")
    return STEPS[stage.step](recipe, stage, data, seed, crop)
