"""The model registry: one name -> one builder, and one factory that builds everything.

In the style of timm's ``@register_model`` and segmentation_models_pytorch's architecture table
(``../shared/docs/anchors.md``): each architecture module registers its builders with
:func:`register_model`; :func:`create` builds any of them by name; tests parametrize over
:func:`list_models` so that a new model is tested the moment it is registered. Every module of the
``edgeseg.models`` package is imported on first use of the registry: adding an architecture is
adding a module.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edgeseg.errors import EdgesegError

@dataclass(frozen=True)
class ModelEntry:
    """A registered model: its builder, a one-line description, the paper it implements, and
    ``smoke_options``, the small configuration tests and quick demos build it with."""

    name: str
    builder: Callable[..., Any]
    description: str
    paper: str
    smoke_options: dict[str, Any] = field(default_factory=dict)
    smoke_size: int = 64


_REGISTRY: dict[str, ModelEntry] = {}
_loaded = False


def register_model(
    name: str,
    description: str,
    paper: str,
    smoke_options: dict[str, Any] | None = None,
    smoke_size: int = 64,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering ``builder`` under ``name``."""

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        if name in _REGISTRY and _REGISTRY[name].builder is not builder:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelEntry(name, builder, description, paper, dict(smoke_options or {}), smoke_size)
        return builder

    return decorate


def _load() -> None:
    """Import every module of ``edgeseg.models`` once, so that each registers its builders."""
    global _loaded
    if not _loaded:
        import edgeseg.models as package

        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded = True


def list_models() -> list[str]:
    """Names of every registered model, sorted."""
    _load()
    return sorted(_REGISTRY)


def model_entry(name: str) -> ModelEntry:
    """The registry entry of ``name``; an unknown name lists the valid ones."""
    _load()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise EdgesegError(f"unknown model {name!r}; choose from {', '.join(sorted(_REGISTRY))}.{hint}")
    return _REGISTRY[name]


def create(name: str, **options: Any) -> Any:
    """Build the model registered as ``name`` with ``options`` (see each builder's docstring).

    ``edgeseg.models.create("u2xs", mode="mt")`` builds the four-lesion U²-XS-Net student;
    ``pretrained="hed-bsds"`` starts a VGG-16 model from offline weights folded for the ImageNet
    normalisation (:mod:`edgeseg.models.pretrained`). ``pretrained`` is not kept in
    ``build_options``: a saved model is rebuilt empty and then loads its own weights.
    """
    entry = model_entry(name)
    source = options.get("pretrained")
    build = {**options, "pretrained": False} if isinstance(source, str) else options
    try:
        model = entry.builder(**build)
    except TypeError as exc:
        raise EdgesegError(f"model {name!r}: {exc}") from None
    model.model_name = name
    # Weights come from the model file when it is loaded again: the start it had is not rebuilt.
    model.build_options = {key: value for key, value in options.items() if key != "pretrained"}
    if isinstance(source, str):
        from edgeseg.models.pretrained import load_pretrained

        load_pretrained(model, source)
    return model
