"""What every ``export_<target>`` function receives: the module, the precision, the layout, the
input size, the metadata to embed and the calibration images (for int8)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from edgeseg.inference.torch_module import PixelsToProbabilities

from .module import to_layout


@dataclass
class ExportJob:
    """``module`` takes NCHW float RGB 0-255 at its contract's size (:class:`PixelsToProbabilities`); ``calibration``
    holds preprocessed squares (H, W, 3) uint8 for int8 calibration. ``converted`` is shared by
    the jobs of one export run: each target keeps its float32 conversion there (by layout), so
    the fp16 and int8 files start from it instead of converting again."""

    module: PixelsToProbabilities
    precision: str
    layout: str
    metadata: dict
    calibration: list[np.ndarray] = field(default_factory=list)
    converted: dict = field(default_factory=dict)

    def layout_module(self, named: bool = False) -> PixelsToProbabilities:
        """The module with this job's input/output layout (``named``: outputs always by name)."""
        return self.module.relaid(self.layout, named)

    def example(self) -> torch.Tensor:
        """A (1, ...) float input in this job's layout."""
        generator = torch.Generator().manual_seed(0)
        size = self.module.preprocessing.size
        return to_layout(torch.rand(1, 3, size, size, generator=generator) * 255.0, self.layout)

    def calibration_batches(self) -> list[np.ndarray]:
        """Each calibration square as a (1, ...) float32 array in this job's layout."""
        batches = []
        for square in self.calibration:
            nchw = torch.from_numpy(np.ascontiguousarray(square.transpose(2, 0, 1))).float()[None]
            batches.append(to_layout(nchw, self.layout).numpy())
        return batches
