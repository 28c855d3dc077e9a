"""The named outputs of an inference model, in the order every runner and exported file gives
them: lesion probability maps, and for a screening model (the graded student) its grades."""

from __future__ import annotations

LESION_OUTPUT = "lesion_probs"
GRADING_OUTPUTS: tuple[str, ...] = ("dr_probs", "dme_probs", "referable_prob")


def output_names(task: str) -> tuple[str, ...]:
    """The outputs of a model with ``task`` (``segmentation`` or ``screening``)."""
    return (LESION_OUTPUT, *GRADING_OUTPUTS) if task == "screening" else (LESION_OUTPUT,)
