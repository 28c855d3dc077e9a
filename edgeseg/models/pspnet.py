"""PSPNet (Zhao et al. 2017) on a dilated ResNet-50: the base network of Dual2Net (paper 000).

Paper 000, Sec. 3.2: ResNet-50 with dilated convolutions in its last two stages (output stride
8), a pyramid pooling module (PPM) and two classifiers, the final one on the PPM and an
auxiliary one on stage 3 (Eq. 1 weights its loss by lambda = 0.4). Classifier weights start
from N(0, 0.01) (Sec. 4.2).

- PPM: for each bin b in 1, 2, 3, 6, average-pool to b x b, 1x1 conv-BN-ReLU 2048 -> 512,
  bilinear upsampling back; concatenated with its input (4096 channels), then a 3x3 conv-BN-ReLU
  4096 -> 512, dropout 0.1 and the 1x1 classifier.
- Auxiliary head on stage 3: 3x3 conv-BN-ReLU 1024 -> 256, dropout 0.1, 1x1 classifier.
- Both logit maps are upsampled bilinearly to the input size.

The network is written as a *trunk* (stem, stages 1-3, stage 4 without its last bottleneck,
and the auxiliary head) and a *branch* (the last bottleneck and the PPM head), the split at
which Dual2Net's two branches stop sharing weights (:mod:`edgeseg.models.dual2net`).
:class:`DilatedResNetSegmenter` is that single-branch network; DeepLabv3 reuses it with an ASPP
head (:mod:`edgeseg.models.deeplabv3`).

Parameters with one output channel: 48.94 M. The paper's 49.0 M is counted in units of 2^20
(51.4 M parameters) for the toolbox PSPNet it builds on, which has a three-conv deep stem and a
1024 -> 512 auxiliary head; this one has torchvision's ResNet-50 stem and the 1024 -> 256
auxiliary head of the PSPNet authors' code.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import ConvBNReLU, upsample_to
from edgeseg.models.encoders import ResNetStages, resnet
from edgeseg.models.registry import register_model

PYRAMID_BINS: tuple[int, ...] = (1, 2, 3, 6)
STAGE3_CHANNELS = 1024
STAGE4_CHANNELS = 2048

HeadFactory = Callable[[int], nn.Module]


def classifier(in_channels: int, classes: int, std: float = 0.01) -> nn.Conv2d:
    """A 1x1 classifier with weights from N(0, std^2) and zero bias (paper 000, Sec. 4.2)."""
    conv = nn.Conv2d(in_channels, classes, 1)
    nn.init.normal_(conv.weight, 0.0, std)
    nn.init.zeros_(conv.bias)
    return conv


class AuxiliaryHead(nn.Sequential):
    """PSPNet's auxiliary classifier on stage 3: 3x3 conv-BN-ReLU to ``hidden``, dropout, 1x1."""

    def __init__(self, in_channels: int, classes: int, hidden: int = 256, dropout: float = 0.1) -> None:
        super().__init__(ConvBNReLU(in_channels, hidden), nn.Dropout2d(dropout), classifier(hidden, classes))


class PyramidPooling(nn.Module):
    """PSPNet's pyramid pooling: per bin, average-pool to bin x bin, 1x1 conv-BN-ReLU to
    ``in_channels / len(bins)`` channels, upsample to the input size; concat with the input."""

    def __init__(self, in_channels: int, bins: Sequence[int] = PYRAMID_BINS) -> None:
        super().__init__()
        self.bins = tuple(bins)
        reduced = in_channels // len(self.bins)
        self.reductions = nn.ModuleList(ConvBNReLU(in_channels, reduced, kernel=1) for _ in self.bins)
        self.out_channels = in_channels + len(self.bins) * reduced

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        pooled = [
            upsample_to(reduce(F.adaptive_avg_pool2d(x, bin_size)), size) for bin_size, reduce in zip(self.bins, self.reductions)
        ]
        return torch.cat([x, *pooled], dim=1)


class PSPHead(nn.Sequential):
    """PSPNet's main head: PPM, 3x3 conv-BN-ReLU to ``hidden``, dropout, 1x1 classifier."""

    def __init__(self, in_channels: int, classes: int, hidden: int = 512, dropout: float = 0.1) -> None:
        pyramid = PyramidPooling(in_channels)
        super().__init__(
            pyramid, ConvBNReLU(pyramid.out_channels, hidden), nn.Dropout2d(dropout), classifier(hidden, classes)
        )


class DilatedResNetTrunk(nn.Module):
    """Dilated ResNet-50 (output stride 8) without the last bottleneck of stage 4, plus the
    auxiliary head on stage 3: the part Dual2Net's two branches share.

    ``forward`` returns the stage-4 features before the last bottleneck and, in training, the
    auxiliary logits at the input size (``{"aux": ...}``; empty in eval mode).
    """

    def __init__(self, stages: ResNetStages, aux_head: nn.Module) -> None:
        super().__init__()
        self.stages = stages
        self.aux_head = aux_head

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        _, _, stage3, features = self.stages(x)
        shared = {"aux": upsample_to(self.aux_head(stage3), x.shape[-2:])} if self.training else {}
        return features, shared


class ResNetBranch(nn.Module):
    """One branch: the last bottleneck of stage 4 and a segmentation head; returns
    ``{"logits": ..., **shared}`` with the logits upsampled to ``size``."""

    def __init__(self, block: nn.Module, head: nn.Module) -> None:
        super().__init__()
        self.block = block
        self.head = head

    def forward(self, features: torch.Tensor, shared: dict[str, torch.Tensor], size: torch.Size) -> dict[str, torch.Tensor]:
        return {"logits": upsample_to(self.head(self.block(features)), size), **shared}


def dilated_resnet_parts(
    classes: int, pretrained: bool, head: HeadFactory, branches: int
) -> tuple[DilatedResNetTrunk, list[ResNetBranch]]:
    """A dilated ResNet-50 trunk and ``branches`` branches, each with its own copy of the last
    bottleneck (ImageNet weights in every copy when ``pretrained``) and a fresh ``head(classes)``."""
    stages = ResNetStages(resnet(50, pretrained, dilated=True))
    last_block = stages.layer4[-1]
    stages.layer4 = stages.layer4[:-1]
    trunk = DilatedResNetTrunk(stages, AuxiliaryHead(STAGE3_CHANNELS, classes))
    blocks = [last_block] + [copy.deepcopy(last_block) for _ in range(branches - 1)]
    return trunk, [ResNetBranch(block, head(classes)) for block in blocks]


def psp_head(classes: int) -> PSPHead:
    """PSPNet's PPM head on the 2048 stage-4 channels."""
    return PSPHead(STAGE4_CHANNELS, classes)


def pspnet_parts(classes: int, pretrained: bool, branches: int) -> tuple[DilatedResNetTrunk, list[ResNetBranch]]:
    """PSPNet's shared trunk and ``branches`` PPM branches (one for PSPNet, two for Dual2Net)."""
    return dilated_resnet_parts(classes, pretrained, psp_head, branches)


class DilatedResNetSegmenter(LesionModel):
    """A dilated-ResNet-50 segmentation network as one trunk and one branch.

    Training output: ``{"logits", "aux"}``, both (N, C, H, W); eval output: the logits.
    """

    size_multiple = 8

    def __init__(self, lesions: Sequence[str], head: HeadFactory, pretrained: bool = False) -> None:
        super().__init__(lesions)
        self.trunk, (self.branch,) = dilated_resnet_parts(self.num_lesions, pretrained, head, branches=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        features, shared = self.trunk(x)
        output = self.branch(features, shared, x.shape[-2:])
        return output if self.training else output["logits"]


class PSPNet(DilatedResNetSegmenter):
    """PSPNet with a dilated ResNet-50 and one sigmoid output per lesion."""

    def __init__(self, lesions: Sequence[str] = ("EX",), pretrained: bool = False) -> None:
        super().__init__(lesions, psp_head, pretrained)


@register_model(
    "pspnet",
    "PSPNet: dilated ResNet-50 (OS 8), pyramid pooling 1/2/3/6, auxiliary head on stage 3",
    "Zhao et al. 2017; the single-branch base of paper 000 (Dual2Net)",
    smoke_options={"lesions": ("HE", "EX")},
    smoke_size=64,
)
def pspnet(lesions: Sequence[str] = ("EX",), pretrained: bool = False) -> PSPNet:
    """PSPNet for ``lesions`` (default hard exudates, as paper 000); ``pretrained`` loads the
    ImageNet ResNet-50."""
    return PSPNet(lesions, pretrained)
