"""What every edgeseg model declares, and the output contract they all follow.

Contract (checked by tests over the whole registry):

- **eval mode**: a segmentation model returns per-lesion *logits* at the input resolution,
  a tensor of shape (N, C, H, W) whose channels are named by ``model.lesions``; a grading model
  (``task == "grading"``) returns a dict with ``dr`` and ``dme`` logits and its ``lesion`` map.
- **training mode**: a dict with at least ``"logits"`` (the eval output), plus what the model's
  loss needs: ``"side"`` (deep-supervision side outputs, each (N, C, H, W)), ``"aux"``
  (auxiliary head logits), ``"branches"`` (Dual2Net), ``"dr"``/``"dme"`` (SUNet).
- ``exportable``: whether :func:`edgeseg.models.check_exportable` lets it through for
  ``torch.export``; when False, ``export_blocker`` says why.
- ``size_multiple``: input height and width must be multiples of it.

:func:`edgeseg.models.create` also sets ``model_name`` and ``build_options``, which rebuild the
model (they go into every model card).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.lesions import ALL_LESIONS, LESIONS


class LesionModel(nn.Module):
    """Base class: subclasses set ``lesions`` and may override the class-level declarations."""

    task: str = "segmentation"
    exportable: bool = True
    export_blocker: str = ""
    size_multiple: int = 1

    def __init__(self, lesions: Sequence[str]) -> None:
        super().__init__()
        self.lesions: tuple[str, ...] = resolve_lesions(lesions)

    @property
    def num_lesions(self) -> int:
        return len(self.lesions)


def resolve_lesions(lesions: Sequence[str] | str) -> tuple[str, ...]:
    """Validate a lesion list (case-insensitive) and keep the given order."""
    if isinstance(lesions, str):
        lesions = [part.strip().upper() for part in lesions.split(",") if part.strip()]
    lesions = tuple(name.upper() for name in lesions)
    unknown = [name for name in lesions if name not in ALL_LESIONS]
    if unknown or not lesions or len(set(lesions)) != len(lesions):
        raise EdgesegError(f"invalid lesions {lesions}; choose distinct names from {', '.join(ALL_LESIONS)}")
    return lesions


MODE_LESIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "mt": {"all": LESIONS},
    "dt": {"red": ("MA", "HE"), "white": ("EX", "SE")},
}


def lesions_for_mode(mode: str, lesion: str | None = None, group: str | None = None) -> tuple[str, ...]:
    """Lesion channels of the U²-XS-Net training modes (paper 003): ``st`` one lesion,
    ``dt`` a pair (``red`` = MA+HE, ``white`` = EX+SE), ``mt`` all four."""
    mode = mode.lower()
    if mode == "mt":
        return LESIONS
    if mode == "dt":
        if group not in MODE_LESIONS["dt"]:
            raise EdgesegError(f"mode 'dt' needs group='red' (MA+HE) or group='white' (EX+SE), got {group!r}")
        return MODE_LESIONS["dt"][group]
    if mode == "st":
        if lesion is None:
            raise EdgesegError(f"mode 'st' needs lesion= one of {', '.join(ALL_LESIONS)}")
        return resolve_lesions([lesion])
    raise EdgesegError(f"unknown mode {mode!r}; choose st, dt or mt")
