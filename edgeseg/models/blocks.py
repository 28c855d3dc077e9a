"""Building blocks shared by the architectures, written once."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvBNReLU(nn.Sequential):
    """3x3 (or ``kernel``) convolution, batch norm, ReLU; ``dilation`` keeps the size.

    ``bias`` is redundant before batch norm; U²-Net's reference code keeps it, and its published
    parameter counts include it.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3, dilation: int = 1, bias: bool = False) -> None:
        padding = dilation * (kernel // 2)
        super().__init__(
            nn.Conv2d(in_channels, out_channels, kernel, padding=padding, dilation=dilation, bias=bias),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


def upsample_to(tensor: torch.Tensor, size: torch.Size | tuple[int, int]) -> torch.Tensor:
    """Bilinear resize to ``size`` (H, W), ``align_corners=False`` (exports as Resize half_pixel)."""
    return F.interpolate(tensor, size=size, mode="bilinear", align_corners=False)


def average_probability_logits(first: torch.Tensor, second: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Logits whose sigmoid is the mean of two logit maps' probabilities (Dual2Net inference)."""
    probability = ((torch.sigmoid(first) + torch.sigmoid(second)) / 2).clamp(eps, 1 - eps)
    return torch.log(probability) - torch.log1p(-probability)
