"""The mistakes a converter or an app port makes, as deliberately broken versions of a
pixels-in, probabilities-out module: colour channels flipped (BGR fed to an RGB model), input
scaled to 0-1 instead of 0-255, and an output that ignores the image. The parity criteria
(:mod:`edgeseg.inference.parity`) are set to fail every one of them at every precision:
``benchmarks/parity_bounds.py`` measures how far each falls outside the bounds, and
``tests/export/test_broken_exports.py`` exports each and checks that verification fails it."""

from __future__ import annotations

import torch
from torch import nn


class Broken(nn.Module):
    """``module`` with the mistake ``kind`` (one of :data:`BREAKS`)."""

    def __init__(self, module: nn.Module, kind: str) -> None:
        super().__init__()
        self.module, self.kind = module, kind
        self.lesions = getattr(module, "lesions", ())

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        if self.kind == "channels flipped":
            return self.module(image.flip(1))
        if self.kind == "input scaled to 0-1":
            return self.module(image / 255.0)
        if self.kind == "constant output":
            return self.module(image) * 0.0 + 0.5
        raise ValueError(self.kind)


BREAKS = ("channels flipped", "input scaled to 0-1", "constant output")
