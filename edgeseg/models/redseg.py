"""Red-Seg (paper 004, Section 2.1, Figs. 2-4, Table 1): VGG-16 with a microaneurysm branch and
a haemorrhage branch, each fusing three deeply supervised side outputs.

Encoder: VGG-16 conv1..conv5 (13 convs, ImageNet-initialised in the paper). Each branch puts a
1x1 convolution with one output channel after the last conv of three blocks, upsamples each map
bilinearly to the input size, concatenates the three maps and fuses them with a 1x1 convolution:

- MA branch: conv2, conv3, conv4 (H/2, H/4, H/8; upsampled x2, x4, x8). Table 5: adding conv5
  or conv1 did not help microaneurysms.
- HE branch: conv3, conv4, conv5 (H/4, H/8, H/16; upsampled x4, x8, x16).

Output channels are always ``("MA", "HE")``. Training mode returns ``{"logits": fused, "side":
sides}``: ``sides`` is a list of three (N, 2, H, W) tensors, side k holding the MA branch's k-th
side map in channel 0 (conv{k+2}) and the HE branch's k-th side map in channel 1 (conv{k+3}).
A per-channel loss wrapped in :class:`edgeseg.losses.DeepSupervision` then scores, per lesion,
exactly the paper's four losses of that branch (3 sides + fused). Eval mode returns the fused
logits (N, 2, H, W); inference uses their sigmoid.

The upsampling goes to the exact input size, so any input size works (the paper's 1072x712 is
not a multiple of 16).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import upsample_to
from edgeseg.models.encoders import VGG16_BLOCK_CHANNELS, VGG16Blocks
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper

# 1-based VGG-16 blocks each branch taps (paper 004, Table 1).
MA_BLOCKS: tuple[int, ...] = (2, 3, 4)
HE_BLOCKS: tuple[int, ...] = (3, 4, 5)


class SideFusionBranch(nn.Module):
    """One Red-Seg branch (Figs. 3-4): a 1x1 conv to one channel on each tapped block, bilinear
    upsampling to the input size, concatenation and a fusing 1x1 conv.

    Red-Seg takes its deep supervision from HED and publishes no code, so HED's initialisation
    (``examples/hed/train_val.prototxt``) is assumed: the side convolutions start at zero (HED's
    ``score-dsn`` layers set no filler, and Caffe's default filler is the constant 0), the fusing
    weights at 1/K for K sides and its bias at 0 (``weight_filler constant 0.2`` for HED's five
    sides). So every logit starts at 0 (p = 0.5), whatever the scale of a pretrained encoder's
    features: PyTorch's default initialisation on HED-BSDS500's conv2-conv5 features gave side
    logits averaging -10 to +15 on a fundus crop.
    """

    def __init__(self, blocks: Sequence[int]) -> None:
        super().__init__()
        self.blocks = tuple(blocks)
        self.sides = nn.ModuleList(nn.Conv2d(VGG16_BLOCK_CHANNELS[block - 1], 1, 1) for block in self.blocks)
        for side in self.sides:
            nn.init.zeros_(side.weight)
            nn.init.zeros_(side.bias)
        self.fuse = nn.Conv2d(len(self.blocks), 1, 1)
        nn.init.constant_(self.fuse.weight, 1 / len(self.blocks))
        nn.init.zeros_(self.fuse.bias)

    def forward(self, features: Sequence[torch.Tensor], size: torch.Size) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """``features``: the outputs of VGG-16 blocks 1..5; returns (fused, [side maps]), all (N, 1, H, W)."""
        sides = [upsample_to(conv(features[block - 1]), size) for conv, block in zip(self.sides, self.blocks)]
        return self.fuse(torch.cat(sides, dim=1)), sides


class RedSeg(LesionModel):
    """Red-Seg: shared VGG-16 encoder, MA branch on conv2-4, HE branch on conv3-5."""

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__(("MA", "HE"))
        self.encoder = VGG16Blocks(pretrained)
        self.ma_branch = SideFusionBranch(MA_BLOCKS)
        self.he_branch = SideFusionBranch(HE_BLOCKS)

    def load_hed_bsds(self, mean: Sequence[float], std: Sequence[float]) -> None:
        """HED-BSDS500's VGG-16 into the encoder (:mod:`edgeseg.models.hed_bsds`), conv1_1 folded for
        inputs normalised by ``mean``/``std``; the branches keep their fresh start."""
        from edgeseg.models.hed_bsds import load_vgg16

        load_vgg16(self.encoder.blocks, mean, std)

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor | list[torch.Tensor]]:
        size = x.shape[-2:]
        features = self.encoder(x)
        ma_fused, ma_sides = self.ma_branch(features, size)
        he_fused, he_sides = self.he_branch(features, size)
        fused = torch.cat([ma_fused, he_fused], dim=1)
        if self.training:
            sides = [torch.cat([ma_side, he_side], dim=1) for ma_side, he_side in zip(ma_sides, he_sides)]
            return {"logits": fused, "side": sides}
        return fused


@register_model(
    "redseg",
    "Red-Seg: VGG-16 with an MA branch (conv2-4) and an HE branch (conv3-5), deeply supervised",
    seed_paper("004"),
    smoke_options={"pretrained": False},
    smoke_size=64,
)
def redseg(pretrained: bool | str = False) -> RedSeg:
    """Red-Seg with outputs ``("MA", "HE")``; ``pretrained=True`` loads ImageNet VGG-16 weights as
    the paper does (downloads once), ``pretrained="hed-bsds"`` HED-BSDS500's VGG-16 (offline)."""
    return RedSeg(pretrained)
