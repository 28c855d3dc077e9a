"""DeepLabv3 (Chen et al. 2017) on a dilated ResNet-50: a base network of Dual2Net (paper 000).

Paper 000 (Sec. 4.4, Tables 4, 6-8) runs Dual2Net on DeepLabv3 as well as on PSPNet. This is
torchvision's DeepLabv3 layout at output stride 8: atrous spatial pyramid pooling (ASPP:
a 1x1 conv, 3x3 convs with rates 12, 24, 36, and image pooling, each 2048 -> 256 with BN-ReLU,
projected 1280 -> 256 with dropout 0.5), a 3x3 conv-BN-ReLU and a 1x1 classifier; and PSPNet's
auxiliary head on stage 3 (:class:`edgeseg.models.pspnet.AuxiliaryHead`, the same as
torchvision's FCN auxiliary head). Classifier weights start from N(0, 0.01) (paper 000,
Sec. 4.2). The trunk/branch split is PSPNet's (:func:`edgeseg.models.pspnet.dilated_resnet_parts`).

Parameters with one output channel: 41.99 M, exactly torchvision's ``deeplabv3_resnet50``
with ``aux_loss=True``. The paper's 42.2 M is in units of 2^20 (44.2 M parameters) for the
toolbox DeepLabv3 it builds on (deep stem, 1024 -> 512 auxiliary head, ASPP projected to 512
channels and no 3x3 conv after it).
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn
from torchvision.models.segmentation.deeplabv3 import ASPP

from edgeseg.models.blocks import ConvBNReLU
from edgeseg.models.pspnet import (
    STAGE4_CHANNELS,
    DilatedResNetSegmenter,
    DilatedResNetTrunk,
    ResNetBranch,
    classifier,
    dilated_resnet_parts,
)
from edgeseg.models.registry import register_model

ASPP_RATES: tuple[int, ...] = (12, 24, 36)
ASPP_CHANNELS = 256


class DeepLabV3Head(nn.Sequential):
    """ASPP (rates 12, 24, 36 and image pooling), 3x3 conv-BN-ReLU, 1x1 classifier."""

    def __init__(self, in_channels: int, classes: int, rates: Sequence[int] = ASPP_RATES) -> None:
        super().__init__(
            ASPP(in_channels, list(rates), ASPP_CHANNELS),
            ConvBNReLU(ASPP_CHANNELS, ASPP_CHANNELS),
            classifier(ASPP_CHANNELS, classes),
        )


def deeplabv3_head(classes: int) -> DeepLabV3Head:
    """DeepLabv3's ASPP head on the 2048 stage-4 channels."""
    return DeepLabV3Head(STAGE4_CHANNELS, classes)


def deeplabv3_parts(classes: int, pretrained: bool, branches: int) -> tuple[DilatedResNetTrunk, list[ResNetBranch]]:
    """DeepLabv3's shared trunk and ``branches`` ASPP branches (one for DeepLabv3, two for Dual2Net)."""
    return dilated_resnet_parts(classes, pretrained, deeplabv3_head, branches)


class DeepLabV3(DilatedResNetSegmenter):
    """DeepLabv3 with a dilated ResNet-50, an auxiliary head and one sigmoid output per lesion."""

    def __init__(self, lesions: Sequence[str] = ("EX",), pretrained: bool = False) -> None:
        super().__init__(lesions, deeplabv3_head, pretrained)


@register_model(
    "deeplabv3",
    "DeepLabv3: dilated ResNet-50 (OS 8), ASPP rates 12/24/36 + image pooling, auxiliary head on stage 3",
    "Chen et al. 2017; a single-branch base of paper 000 (Dual2Net)",
    smoke_options={"lesions": ("HE", "EX")},
    smoke_size=64,
)
def deeplabv3(lesions: Sequence[str] = ("EX",), pretrained: bool = False) -> DeepLabV3:
    """DeepLabv3 for ``lesions`` (default hard exudates, as paper 000); ``pretrained`` loads the
    ImageNet ResNet-50."""
    return DeepLabV3(lesions, pretrained)
