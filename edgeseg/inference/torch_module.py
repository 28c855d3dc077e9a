"""The network as every inference runner sees it: plain RGB pixels in, probabilities out.

Input: float32 RGB values 0-255 of the model's square (:mod:`edgeseg.inference.preprocessing`),
NCHW. The data set's mean/std normalisation happens here, inside the graph, for the PyTorch runner
and for every exported file alike, so no consumer normalises and an int8 input needs one scale
for all three channels: 0-255 quantizes exactly (scale 1), where normalised channels of very
different ranges would not (``../shared/docs/toolchain.md``, "int8 input" trap). Output: what
:func:`edgeseg.models.export_ready` gives (sigmoid probabilities per lesion channel).
"""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.models import export_ready


class PixelsToProbabilities(nn.Module):
    """``export_ready(model)`` behind the contract's normalisation; NCHW in and out."""

    def __init__(self, model: nn.Module, preprocessing: Preprocessing) -> None:
        super().__init__()
        self.network = export_ready(model)
        self.lesions = self.network.lesions
        mean = torch.tensor(preprocessing.mean, dtype=torch.float32).view(1, 3, 1, 1) * 255.0
        scale = 1.0 / (torch.tensor(preprocessing.std, dtype=torch.float32).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("mean", mean)
        self.register_buffer("scale", scale)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.network((image - self.mean) * self.scale)
