"""HED, holistically-nested edge detection (Xie and Tu 2015) on VGG-16: a base of Dual2Net (paper 000).

VGG-16 conv1..conv5 (13 convs, :class:`edgeseg.models.encoders.VGG16Blocks`); after the last
conv of each block a 1x1 side classifier (one channel per lesion), upsampled bilinearly to the
input size (HED upsamples with fixed bilinear deconvolutions and crops; interpolation is the
same bilinear upsampling without crop offsets, and exports as one Resize); a 1x1 convolution fuses
the five side maps. Training output: ``{"logits": fused, "side": [side1..side5]}``, the deep
supervision of HED (one loss per side and on the fused map). Side classifiers start from
N(0, 0.01) as paper 000's classifiers (Sec. 4.2); the fusion starts as the mean of each
lesion's five side maps (HED's 1/5 initialisation).

Written as a trunk (conv1-conv3 and their side classifiers) and a branch (conv4, conv5, their
side classifiers and the fusion): the split at which Dual2Net's two HED branches stop sharing
weights (see :mod:`edgeseg.models.dual2net` for why there).

Parameters with one output channel: 14,716,171 (14.72 M); the paper's 14.0 M is the same
count in units of 2^20.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import upsample_to
from edgeseg.models.encoders import VGG16_BLOCK_CHANNELS, VGG16Blocks
from edgeseg.models.pspnet import classifier
from edgeseg.models.registry import register_model

# conv1-conv3 (and their side outputs) are shared by Dual2Net's HED branches; conv4-conv5 are not.
SHARED_BLOCKS = 3


def side_outputs(
    blocks: Sequence[nn.Module], sides: Sequence[nn.Module], x: torch.Tensor, size: torch.Size
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Run ``blocks`` in turn; return the last block's features and each block's side logits at ``size``."""
    maps = []
    for block, side in zip(blocks, sides):
        x = block(x)
        logits = side(x)
        maps.append(logits if logits.shape[-2:] == size else upsample_to(logits, size))
    return x, maps


def fusion(sides: int, classes: int) -> nn.Conv2d:
    """1x1 conv from the concatenated side maps (side-major) to one map per lesion, starting as
    the mean of that lesion's side maps."""
    conv = nn.Conv2d(sides * classes, classes, 1)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
        for side in range(sides):
            for lesion in range(classes):
                conv.weight[lesion, side * classes + lesion] = 1.0 / sides
    return conv


class HEDTrunk(nn.Module):
    """VGG-16 conv1-conv3 with their side classifiers; ``forward`` returns the conv3 features
    and ``{"side": [side1, side2, side3]}`` at the input size."""

    def __init__(self, blocks: Sequence[nn.Module], sides: Sequence[nn.Module]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.sides = nn.ModuleList(sides)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, list[torch.Tensor]]]:
        features, maps = side_outputs(self.blocks, self.sides, x, x.shape[-2:])
        return features, {"side": maps}


class HEDBranch(nn.Module):
    """VGG-16 conv4-conv5 with their side classifiers and the fusion of all five side maps;
    returns ``{"logits": fused, "side": [side1..side5]}``."""

    def __init__(self, blocks: Sequence[nn.Module], sides: Sequence[nn.Module], fuse: nn.Module) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.sides = nn.ModuleList(sides)
        self.fuse = fuse

    def forward(
        self, features: torch.Tensor, shared: dict[str, list[torch.Tensor]], size: torch.Size
    ) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        _, maps = side_outputs(self.blocks, self.sides, features, size)
        sides = list(shared["side"]) + maps
        return {"logits": self.fuse(torch.cat(sides, dim=1)), "side": sides}


def own_sides(classes: int) -> list[nn.Conv2d]:
    """Fresh side classifiers of conv4 and conv5, the blocks each branch owns."""
    return [classifier(channels, classes) for channels in VGG16_BLOCK_CHANNELS[SHARED_BLOCKS:]]


def hed_parts(classes: int, pretrained: bool, branches: int) -> tuple[HEDTrunk, list[HEDBranch]]:
    """HED's shared trunk (conv1-conv3) and ``branches`` branches, each with its own copy of
    conv4-conv5 (ImageNet weights in every copy when ``pretrained``) and fresh classifiers."""
    vgg = VGG16Blocks(pretrained)
    shared_sides = [classifier(channels, classes) for channels in VGG16_BLOCK_CHANNELS[:SHARED_BLOCKS]]
    trunk = HEDTrunk(vgg.blocks[:SHARED_BLOCKS], shared_sides)
    own_blocks = list(vgg.blocks[SHARED_BLOCKS:])
    copies = [own_blocks] + [copy.deepcopy(own_blocks) for _ in range(branches - 1)]
    return trunk, [HEDBranch(blocks, own_sides(classes), fusion(len(VGG16_BLOCK_CHANNELS), classes)) for blocks in copies]


class HED(LesionModel):
    """HED on VGG-16 with one sigmoid output per lesion and five deeply supervised side outputs."""

    size_multiple = 16

    def __init__(self, lesions: Sequence[str] = ("EX",), pretrained: bool = False) -> None:
        super().__init__(lesions)
        self.trunk, (self.branch,) = hed_parts(self.num_lesions, pretrained, branches=1)

    def load_hed_bsds(self, mean: Sequence[float], std: Sequence[float]) -> None:
        """HED-BSDS500 whole (:mod:`edgeseg.models.hed_bsds`): VGG-16, side outputs and fusion, one
        copy per lesion channel, conv1_1 folded for inputs normalised by ``mean``/``std``."""
        from edgeseg.models.hed_bsds import load_side_outputs, load_vgg16

        load_vgg16([*self.trunk.blocks, *self.branch.blocks], mean, std)
        load_side_outputs([*self.trunk.sides, *self.branch.sides], self.branch.fuse)

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor | list[torch.Tensor]]:
        features, shared = self.trunk(x)
        output = self.branch(features, shared, x.shape[-2:])
        return output if self.training else output["logits"]


@register_model(
    "hed",
    "HED: VGG-16 with a 1x1 side output per block (conv1-conv5), upsampled and fused by a 1x1 conv",
    "Xie and Tu 2015; a single-branch base of paper 000 (Dual2Net)",
    smoke_options={"lesions": ("HE", "EX")},
    smoke_size=64,
)
def hed(lesions: Sequence[str] = ("EX",), pretrained: bool | str = False) -> HED:
    """HED for ``lesions`` (default hard exudates, as paper 000); ``pretrained=True`` loads the
    ImageNet VGG-16 (a download), ``pretrained="hed-bsds"`` HED-BSDS500 (offline,
    :mod:`edgeseg.models.pretrained`)."""
    return HED(lesions, pretrained)
