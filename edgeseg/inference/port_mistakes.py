"""The mistakes a converter or an app port makes, as deliberately broken versions of a
pixels-in, probabilities-out module: colour channels flipped (BGR fed to an RGB model), input
scaled to 0-1 instead of 0-255, and an output that ignores the image. The parity criteria
(:mod:`edgeseg.inference.parity`) are set to fail every one of them at every precision:
``benchmarks/parity_bounds.py`` measures how far each falls outside the bounds, and
``tests/export/test_broken_exports.py`` exports each and checks that verification fails it."""

from __future__ import annotations

import torch

from edgeseg.inference.torch_module import PixelsToProbabilities


class Broken(PixelsToProbabilities):
    """``module``'s network with the mistake ``kind`` (one of :data:`BREAKS`) made on the NCHW
    pixels or the probabilities, in any layout the export asks for."""

    def __init__(self, module: PixelsToProbabilities, kind: str, layout: str | None = None, named: bool | None = None) -> None:
        if kind not in BREAKS:
            raise ValueError(f"{kind!r}: one of {', '.join(BREAKS)}")
        super().__init__(module.model, module.preprocessing, layout or module.layout, module.named if named is None else named)
        self.kind = kind

    def relaid(self, layout: str, named: bool = False) -> "Broken":
        return Broken(self, self.kind, layout, named).to(self.mean.device).eval()

    def probabilities(self, pixels: torch.Tensor) -> torch.Tensor:
        if self.kind == "channels flipped":
            return super().probabilities(pixels.flip(1))
        if self.kind == "input scaled to 0-1":
            return super().probabilities(pixels / 255.0)
        return super().probabilities(pixels) * 0.0 + 0.5  # constant output


BREAKS = ("channels flipped", "input scaled to 0-1", "constant output")
