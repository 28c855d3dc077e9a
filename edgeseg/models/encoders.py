"""Encoders from torchvision, shared by the architectures; ImageNet weights are optional.

``pretrained=False`` (the default) builds from scratch and needs no network. ``pretrained=True``
asks torchvision for ImageNet weights (downloaded once into ``$TORCH_HOME``); offline, it fails
with a one-line message instead of a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from edgeseg.errors import EdgesegError


def _with_weights(builder: Callable[..., nn.Module], weights: Any, name: str, **kwargs: Any) -> nn.Module:
    try:
        return builder(weights=weights, **kwargs)
    except (OSError, RuntimeError, ValueError) as exc:  # URLError is an OSError
        if weights is None:
            raise
        raise EdgesegError(
            f"could not load ImageNet weights for {name} ({type(exc).__name__}: {exc}); "
            f"build without pretrained=True (--pretrained) or put the file in $TORCH_HOME/hub/checkpoints"
        ) from None


def resnet(depth: int, pretrained: bool = False, dilated: bool = False) -> nn.Module:
    """A torchvision ResNet-``depth`` (18, 34, 50, 101) without its classifier.

    ``dilated=True`` replaces the strides of stages 3 and 4 by dilations 2 and 4 (output stride
    8), as PSPNet and DeepLabv3 do (only for bottleneck ResNets: 50, 101).
    """
    import torchvision.models as tvm

    builders = {18: (tvm.resnet18, "ResNet18_Weights"), 34: (tvm.resnet34, "ResNet34_Weights"),
                50: (tvm.resnet50, "ResNet50_Weights"), 101: (tvm.resnet101, "ResNet101_Weights")}
    if depth not in builders:
        raise EdgesegError(f"ResNet depth {depth} is not available; choose from {sorted(builders)}")
    builder, weights_name = builders[depth]
    weights = getattr(tvm, weights_name).IMAGENET1K_V1 if pretrained else None
    kwargs: dict[str, Any] = {}
    if dilated:
        if depth < 50:
            raise EdgesegError("dilated ResNets need bottleneck blocks (depth 50 or 101)")
        kwargs["replace_stride_with_dilation"] = [False, True, True]
    model = _with_weights(builder, weights, f"resnet{depth}", **kwargs)
    model.fc = nn.Identity()
    return model


class ResNetStages(nn.Module):
    """A ResNet split into its stem and four stages; ``forward`` returns every stage's output."""

    def __init__(self, network: nn.Module) -> None:
        super().__init__()
        self.stem = nn.Sequential(network.conv1, network.bn1, network.relu, network.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = network.layer1, network.layer2, network.layer3, network.layer4

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        c1 = self.layer1(self.stem(x))
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        return [c1, c2, c3, self.layer4(c3)]


# VGG-16 `features` indices: the ReLU ending each block conv1..conv5 (before its max-pool).
VGG16_BLOCK_ENDS: tuple[int, ...] = (3, 8, 15, 22, 29)
VGG16_BLOCK_CHANNELS: tuple[int, ...] = (64, 128, 256, 512, 512)


def vgg16_features(pretrained: bool = False) -> nn.Sequential:
    """torchvision's VGG-16 convolutional part (13 convs, 14.7 M parameters), no classifier.

    The final max-pool (index 30) is dropped: HED and Red-Seg tap conv5 before it. Without
    ImageNet weights the convolutions get torchvision's VGG initialisation (Kaiming normal,
    fan-out, zero bias; He et al. 2015): PyTorch's default Conv2d initialisation shrinks the
    signal about 30-fold over these 13 unnormalised layers.
    """
    import torchvision.models as tvm
    from torchvision.models.vgg import cfgs, make_layers

    if pretrained:
        features = _with_weights(tvm.vgg16, tvm.VGG16_Weights.IMAGENET1K_V1, "vgg16").features
    else:
        features = make_layers(cfgs["D"])  # the conv part alone: no 120 M-parameter classifier to build
        for layer in features:
            if isinstance(layer, nn.Conv2d):
                nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(layer.bias)
    return features[: VGG16_BLOCK_ENDS[-1] + 1]


class VGG16Blocks(nn.Module):
    """VGG-16 conv1..conv5, returning the output of each block's last conv (after ReLU).

    Block k (1-based) is at stride 2^(k-1): conv1 at H, conv2 at H/2, ..., conv5 at H/16.
    """

    def __init__(self, pretrained: bool = False) -> None:
        super().__init__()
        features = vgg16_features(pretrained)
        starts = (0,) + tuple(end + 1 for end in VGG16_BLOCK_ENDS[:-1])
        self.blocks = nn.ModuleList(
            nn.Sequential(*[features[i] for i in range(start, end + 1)]) for start, end in zip(starts, VGG16_BLOCK_ENDS)
        )

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for block in self.blocks:
            x = block(x)
            outputs.append(x)
        return outputs
