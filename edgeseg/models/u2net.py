"""U²-Net (Qin et al. 2020) and the U²-XS-Net student (paper 003).

U²-Net nests U-structures: each stage is a residual U-block RSU-L (in, mid, out) — an input
conv, an encoder of L-1 convs with ceil-mode 2x2 max-pooling between them, a dilation-2 conv at
the bottom, a decoder of convs on concat(upsampled, skip), and the input conv's output added
back. RSU-4F replaces pooling by dilations 1, 2, 4, 8. Six encoder and five decoder stages; a
3x3 side convolution on De1..De5 and En6, each upsampled to the input size, and a 1x1
convolution fusing the six side maps. Deep supervision uses the fused map and all six sides.

Variants (``../shared/docs/anchors.md``): ``u2net`` (mid 16-256, out 64-512: 44.0 M parameters
with one output), ``u2netp`` (mid 16, out 64: 1.13 M) and ``u2xs`` (U²-XS-Net: mid 8, out 32:
291,532 parameters with four outputs, the paper's 0.29 M). Modes (paper 003): ``st`` one lesion,
``dt`` a pair (red = MA+HE, white = EX+SE), ``mt`` all four lesions.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import torch
import torch.nn.functional as F
from torch import nn

from edgeseg.models.base import LesionModel, lesions_for_mode
from edgeseg.models.blocks import ConvBNReLU, upsample_to
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper


# U²-Net's reference convolutions carry a bias; the published parameter counts include it.
_Conv = partial(ConvBNReLU, bias=True)


class RSU(nn.Module):
    """Residual U-block RSU-``height`` (height 4-7) with ceil-mode pooling."""

    def __init__(self, height: int, in_channels: int, mid_channels: int, out_channels: int) -> None:
        super().__init__()
        self.input_conv = _Conv(in_channels, out_channels)
        self.encoder = nn.ModuleList(
            [_Conv(out_channels, mid_channels)] + [_Conv(mid_channels, mid_channels) for _ in range(height - 2)]
        )
        self.bottom = _Conv(mid_channels, mid_channels, dilation=2)
        self.decoder = nn.ModuleList(
            [_Conv(2 * mid_channels, mid_channels) for _ in range(height - 2)] + [_Conv(2 * mid_channels, out_channels)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.input_conv(x)
        skips = []
        hidden = residual
        for index, conv in enumerate(self.encoder):
            if index > 0:
                hidden = F.max_pool2d(hidden, 2, 2, ceil_mode=True)
            hidden = conv(hidden)
            skips.append(hidden)
        hidden = self.bottom(hidden)
        for index, conv in enumerate(self.decoder):
            skip = skips[-1 - index]
            if hidden.shape[-2:] != skip.shape[-2:]:
                hidden = upsample_to(hidden, skip.shape[-2:])
            hidden = conv(torch.cat([hidden, skip], dim=1))
        return hidden + residual


class RSU4F(nn.Module):
    """Residual U-block with dilations 1, 2, 4, 8 instead of pooling (resolution kept)."""

    def __init__(self, in_channels: int, mid_channels: int, out_channels: int) -> None:
        super().__init__()
        self.input_conv = _Conv(in_channels, out_channels)
        self.encoder = nn.ModuleList(
            [
                _Conv(out_channels, mid_channels, dilation=1),
                _Conv(mid_channels, mid_channels, dilation=2),
                _Conv(mid_channels, mid_channels, dilation=4),
            ]
        )
        self.bottom = _Conv(mid_channels, mid_channels, dilation=8)
        self.decoder = nn.ModuleList(
            [
                _Conv(2 * mid_channels, mid_channels, dilation=4),
                _Conv(2 * mid_channels, mid_channels, dilation=2),
                _Conv(2 * mid_channels, out_channels, dilation=1),
            ]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.input_conv(x)
        skips = []
        hidden = residual
        for conv in self.encoder:
            hidden = conv(hidden)
            skips.append(hidden)
        hidden = self.bottom(hidden)
        for index, conv in enumerate(self.decoder):
            hidden = conv(torch.cat([hidden, skips[-1 - index]], dim=1))
        return hidden + residual


def _stage(height: int, in_channels: int, mid_channels: int, out_channels: int) -> nn.Module:
    if height == 0:
        return RSU4F(in_channels, mid_channels, out_channels)
    return RSU(height, in_channels, mid_channels, out_channels)


# (RSU height or 0 for RSU-4F, mid, out) for En1..En6 and De5..De1.
_FULL_ENCODER = ((7, 32, 64), (6, 32, 128), (5, 64, 256), (4, 128, 512), (0, 256, 512), (0, 256, 512))
_FULL_DECODER = ((0, 256, 512), (4, 128, 256), (5, 64, 128), (6, 32, 64), (7, 16, 64))


def _uniform(mid: int, out: int) -> tuple[tuple, tuple]:
    heights_encoder, heights_decoder = (7, 6, 5, 4, 0, 0), (0, 4, 5, 6, 7)
    return tuple((h, mid, out) for h in heights_encoder), tuple((h, mid, out) for h in heights_decoder)


class U2Net(LesionModel):
    """U²-Net with per-lesion sigmoid outputs and deep supervision (six sides + fused)."""

    size_multiple = 32

    def __init__(self, lesions: Sequence[str], encoder: Sequence[tuple], decoder: Sequence[tuple], in_channels: int = 3) -> None:
        super().__init__(lesions)
        self.encoder = nn.ModuleList()
        previous = in_channels
        for height, mid, out in encoder:
            self.encoder.append(_stage(height, previous, mid, out))
            previous = out
        self.decoder = nn.ModuleList()
        encoder_outs = [out for _, _, out in encoder]
        previous = encoder_outs[-1]
        for index, (height, mid, out) in enumerate(decoder):
            skip = encoder_outs[-2 - index]
            self.decoder.append(_stage(height, previous + skip, mid, out))
            previous = out
        side_channels = [out for _, _, out in reversed(decoder)] + [encoder_outs[-1]]
        classes = self.num_lesions
        self.sides = nn.ModuleList([nn.Conv2d(channels, classes, 3, padding=1) for channels in side_channels])
        self.fuse = nn.Conv2d(len(side_channels) * classes, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor | list[torch.Tensor]]:
        size = x.shape[-2:]
        features = []
        hidden = x
        for index, stage in enumerate(self.encoder):
            if index > 0:
                hidden = F.max_pool2d(hidden, 2, 2, ceil_mode=True)
            hidden = stage(hidden)
            features.append(hidden)
        decoded = [features[-1]]
        hidden = features[-1]
        for index, stage in enumerate(self.decoder):
            skip = features[-2 - index]
            hidden = stage(torch.cat([upsample_to(hidden, skip.shape[-2:]), skip], dim=1))
            decoded.append(hidden)
        # decoded: En6, De5, De4, De3, De2, De1 -> sides in order De1..De5, En6
        side_inputs = list(reversed(decoded[1:])) + [decoded[0]]
        sides = []
        for conv, feature in zip(self.sides, side_inputs):
            side = conv(feature)
            sides.append(side if side.shape[-2:] == size else upsample_to(side, size))
        fused = self.fuse(torch.cat(sides, dim=1))
        if self.training:
            return {"logits": fused, "side": sides}
        return fused


def _u2(encoder: Sequence[tuple], decoder: Sequence[tuple], mode: str, lesion: str | None, group: str | None, lesions: Sequence[str] | None) -> U2Net:
    chosen = tuple(lesions) if lesions else lesions_for_mode(mode, lesion, group)
    return U2Net(chosen, encoder, decoder)


@register_model(
    "u2xs",
    "U²-XS-Net: the 0.29 M-parameter mobile student (U²-Net topology, mid 8 / out 32)",
    seed_paper("003"),
    smoke_options={"mode": "mt"},
)
def u2xs(mode: str = "mt", lesion: str | None = None, group: str | None = None, lesions: Sequence[str] | None = None) -> U2Net:
    """U²-XS-Net. ``mode``: ``st`` (with ``lesion``), ``dt`` (with ``group`` red|white), ``mt``;
    or an explicit ``lesions`` list."""
    return _u2(*_uniform(8, 32), mode, lesion, group, lesions)


@register_model(
    "u2netp",
    "U²-Net-P: the 1.13 M-parameter U²-Net (mid 16 / out 64)",
    "Qin et al. 2020 (the U²-XS-Net paper's baseline family)",
    smoke_options={"mode": "st", "lesion": "EX"},
)
def u2netp(mode: str = "mt", lesion: str | None = None, group: str | None = None, lesions: Sequence[str] | None = None) -> U2Net:
    """U²-Net-P with the same modes as :func:`u2xs`."""
    return _u2(*_uniform(16, 64), mode, lesion, group, lesions)


@register_model(
    "u2net",
    "U²-Net: the full 44 M-parameter nested U-structure network (teacher)",
    "Qin et al. 2020; U²-Net ST/MT rows of paper 003",
    smoke_options={"mode": "st", "lesion": "EX"},
)
def u2net(mode: str = "mt", lesion: str | None = None, group: str | None = None, lesions: Sequence[str] | None = None) -> U2Net:
    """Full U²-Net with the same modes as :func:`u2xs`."""
    return _u2(_FULL_ENCODER, _FULL_DECODER, mode, lesion, group, lesions)
