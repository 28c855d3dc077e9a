"""The network as it is exported: plain RGB pixels in, lesion probabilities out.

Input ``image``: float32 RGB values 0-255 of the preprocessed square (field-of-view crop, pad,
resize and, when the model card says so, CLAHE; see :mod:`edgeseg.train.preprocessing`), in
NCHW or NHWC. The data set's mean/std normalisation happens inside the graph, so an app never
normalises, and an int8 input needs one scale for all three channels: 0-255 quantizes exactly
(scale 1), where normalised channels of very different ranges would not
(``../shared/docs/toolchain.md``, "int8 input" trap). Output ``lesion_probs``: sigmoid
probabilities, one channel per lesion in the model card's order, in the same layout as the input.
"""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.models import export_ready
from edgeseg.train.preprocessing import Preprocessing

INPUT_NAME = "image"
OUTPUT_NAME = "lesion_probs"


class PixelsToProbabilities(nn.Module):
    """``export_ready(model)`` behind the card's normalisation; NCHW in and out."""

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


class ChannelsLast(nn.Module):
    """NHWC in and out around an NCHW module (ONNX and Core ML; TFLite removes the transposes
    with ``litert_torch.to_channel_last_io`` instead)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.module(image.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


def with_layout(module: nn.Module, layout: str) -> nn.Module:
    return (ChannelsLast(module) if layout == "nhwc" else module).eval()


def to_layout(batch: torch.Tensor, layout: str) -> torch.Tensor:
    """An NCHW batch in ``layout``."""
    return batch.permute(0, 2, 3, 1).contiguous() if layout == "nhwc" else batch
