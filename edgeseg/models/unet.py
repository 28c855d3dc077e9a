"""U-Net (Ronneberger et al. 2015), the backbone of the mutually local-global U-Nets (paper 001).

Paper 001, Section 2.1 ("GlobalNet"): the encoder stacks conv-BN-ReLU-conv-BN-ReLU blocks; each
2x2 max-pooling halves height and width while the next block doubles the channels; the decoder
is the inverse encoder (size doubles, channels halve) and concatenates the encoder map of the
same size. ``depth`` is the number of pooling layers (the paper uses 3, 4 and 6), so the widths
are ``base_channels * 2**level`` for level 0 (full resolution) to ``depth`` (the bottleneck).

Choices the paper leaves open:

- **Upsampling is bilinear** (:func:`edgeseg.models.blocks.upsample_to`), followed by the
  decoder block on concat(skip, upsampled): it has no checkerboard artefacts, it exports as the
  Resize / RESIZE_BILINEAR op every mobile runtime has, it is what the rest of edgeseg uses, and
  the parameter count is within 4 % of the original's 2x2 transposed convolution
  (27 c^2 vs 26 c^2 per decoder level of width c).
- **Padded 3x3 convolutions** (the output has the input's size; the original U-Net crops).
- **Widths are capped at ``max_channels``** (default 1024): literal doubling from 64 channels
  gives a 4096-channel bottleneck at depth 6 and a 503 M-parameter network, which could not
  have trained on the paper's 8 GB GTX 1080 with Adam; the cap keeps depths 3-4 exactly as
  the original U-Net and brings depth 6 to a trainable size. ``max_channels=4096`` restores
  the literal reading.
- **Any input size**: the input is zero-padded at the bottom and right to a multiple of
  ``2**depth`` and the outputs are cropped back, so every pooling is exact and every upsampling
  is an exact 2x; ``size_multiple`` is 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.lesions import LESIONS
from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import ConvBNReLU, upsample_to
from edgeseg.models.registry import register_model

UNET_DEPTHS = range(3, 7)


class DoubleConvBlock(nn.Sequential):
    """The U-Net basic block: conv3x3-BN-ReLU-conv3x3-BN-ReLU (paper 001, Section 2.1)."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(ConvBNReLU(in_channels, out_channels), ConvBNReLU(out_channels, out_channels))


class UNet(LesionModel):
    """U-Net with ``depth`` poolings, widths ``base_channels * 2**level`` and one sigmoid logit
    per lesion; :meth:`features` also returns the last decoder map (the fusion input of paper 001).
    """

    def __init__(
        self,
        lesions: Sequence[str] | str = LESIONS,
        depth: int = 4,
        base_channels: int = 64,
        in_channels: int = 3,
        max_channels: int = 1024,
    ) -> None:
        super().__init__(lesions)
        if depth not in UNET_DEPTHS:
            raise EdgesegError(f"U-Net depth (number of poolings) must be {UNET_DEPTHS.start} to {UNET_DEPTHS.stop - 1}, got {depth}")
        if base_channels < 1:
            raise EdgesegError(f"U-Net base_channels must be positive, got {base_channels}")
        self.depth = depth
        self.base_channels = base_channels
        widths = [min(max_channels, base_channels * 2**level) for level in range(depth + 1)]
        self.encoder = nn.ModuleList([DoubleConvBlock(in_channels, widths[0])])
        self.encoder.extend(DoubleConvBlock(widths[level - 1], widths[level]) for level in range(1, depth + 1))
        self.decoder = nn.ModuleList(
            DoubleConvBlock(widths[level] + widths[level + 1], widths[level]) for level in reversed(range(depth))
        )
        self.head = nn.Conv2d(widths[0], self.num_lesions, 1)

    @property
    def feature_channels(self) -> int:
        """Channels of the last decoder map returned by :meth:`features`."""
        return self.base_channels

    def features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(last decoder feature map before the output 1x1 conv, logits), both at the input size."""
        height, width = x.shape[-2:]
        multiple = 2**self.depth
        pad_bottom, pad_right = -height % multiple, -width % multiple
        hidden = F.pad(x, (0, pad_right, 0, pad_bottom)) if pad_bottom or pad_right else x
        skips = []
        for level, block in enumerate(self.encoder):
            if level > 0:
                hidden = F.max_pool2d(hidden, 2)
            hidden = block(hidden)
            skips.append(hidden)
        hidden = skips.pop()
        for block in self.decoder:
            skip = skips.pop()
            hidden = block(torch.cat([skip, upsample_to(hidden, skip.shape[-2:])], dim=1))
        logits = self.head(hidden)
        return hidden[..., :height, :width], logits[..., :height, :width]

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        _, logits = self.features(x)
        if self.training:
            return {"logits": logits}
        return logits


@register_model(
    "unet",
    "U-Net: conv-BN-ReLU x2 blocks, channels doubling per pooling, bilinear upsampling",
    "Ronneberger et al. 2015; the backbone of 001 Mutually local-global U-Nets",
    smoke_options={"base_channels": 4},
)
def unet(lesions: Sequence[str] | str = LESIONS, depth: int = 4, base_channels: int = 64, max_channels: int = 1024) -> UNet:
    """U-Net with ``depth`` poolings (3-6; 4 is the original) and ``base_channels`` at full
    resolution (64 is the original), widths capped at ``max_channels``, one output channel per
    lesion in ``lesions``."""
    return UNet(lesions, depth=depth, base_channels=base_channels, max_channels=max_channels)
