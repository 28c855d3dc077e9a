"""The network as it is exported: :class:`edgeseg.inference.torch_module.PixelsToProbabilities`
(plain RGB pixels 0-255 in, the card's normalisation inside, probabilities out) in the file's
layout. Input ``image``; output ``lesion_probs`` (NCHW or NHWC), and for a screening model also
``dr_probs``, ``dme_probs`` and ``referable_prob`` (:func:`edgeseg.outputs.output_names`)."""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.outputs import LESION_OUTPUT

INPUT_NAME = "image"


class ChannelsLast(nn.Module):
    """NHWC in and out around an NCHW module (ONNX and Core ML; TFLite's converter folds the
    transposes into its own layout change)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, image: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        output = self.module(image.permute(0, 3, 1, 2))
        if isinstance(output, dict):  # the grades have no layout
            return {name: value.permute(0, 2, 3, 1) if name == LESION_OUTPUT else value for name, value in output.items()}
        return output.permute(0, 2, 3, 1)


def with_layout(module: nn.Module, layout: str) -> nn.Module:
    return (ChannelsLast(module) if layout == "nhwc" else module).eval()


def to_layout(batch: torch.Tensor, layout: str) -> torch.Tensor:
    """An NCHW batch in ``layout``."""
    return batch.permute(0, 2, 3, 1).contiguous() if layout == "nhwc" else batch
