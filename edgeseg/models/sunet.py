"""SUNet (paper 002): simultaneous DR and DME grading with a lesion regulariser.

Four parts (Section 2, Fig. 2):

1. **Feature extractor**: ResNet-34 (stem and four stages); its last stage's output is M_0 (512
   channels, stride 32).
2. **Feature blending block** (F-Block, Section 2.1, Eqs. 1-2): separation steps
   S_j(M_j) = (L_j, D_j) = (SL_j(M_j), SD_j(M_j)), SL_j and SD_j each conv3x3-BN-ReLU, alternating
   with unions M_{j+1} = U(L_j, D_j) = conv3x3-BN-ReLU(concat(L_j, D_j)). Then
   L = conv1x1(concat(L_0..L_{J-1})) and D = conv1x1(concat(D_0..D_{J-1})). The paper's text
   does not state J (its Fig. 2 is not in the text) and only says the block "alternately uses"
   separation and union; edgeseg uses J = 3 separations joined by 2 unions (``blending_steps``),
   so the task-specific features are blended at more than one depth. All blending maps have
   ``width`` channels (256 by default; also unstated in the paper).
3. **Multi-disease block** (Section 2.2, Eq. 3): one classifier per disease, conv3x3, max
   pooling, ReLU and a linear layer: DR (5 grades) and DME risk (3 grades). The max pooling is
   global, so the linear layer sees one vector at any input size.
4. **Lesion regulariser** (LR-Net, Section 2.3): from L, five steps of x2 bilinear upsampling and
   a compressing conv3x3-BN-ReLU (channels halved, at least 16), then a 1x1 conv to one logit per
   lesion at the input resolution (Eq. 4's mask M_R).

**Class activation maps** (Section 3.2, after Zhou et al. 2016): gradient-free CAM from each
classifier, CAM_c(x, y) = sum_k w_ck ReLU(F_k(x, y)) with F the classifier's conv features and
w the linear layer's weights; a class score is b_c + sum_k w_ck max_(x,y) ReLU(F_k), so the CAM
is that score's map before pooling (the global-max-pooling form of CAM). The maps are upsampled
bilinearly to the input size and left unnormalised.

Outputs (``task = "grading"``). Eval: ``{"dr": (N, 5), "dme": (N, 3), "lesion": (N, C, H, W),
"cam": {"dr": (N, 5, H, W), "dme": (N, 3, H, W)}}``, logits. Training: ``{"logits": lesion,
"dr", "dme", "lesion"}`` (no CAM); the loss is :func:`edgeseg.losses.sunet.sunet_loss`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.lesions import LESIONS
from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import ConvBNReLU, upsample_to
from edgeseg.models.encoders import ResNetStages, resnet
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper
from edgeseg.outputs import DME_GRADES, DR_GRADES

RESNET34_CHANNELS = 512
RESNET_STRIDE_STEPS = 5  # ResNet's last stage is at stride 2^5


class FeatureBlendingBlock(nn.Module):
    """F-Block (paper 002, Section 2.1, Eqs. 1-2): ``steps`` separations, ``steps - 1`` unions,
    and the 1x1 convolutions compressing all L_j into L and all D_j into D."""

    def __init__(self, in_channels: int, width: int, steps: int) -> None:
        super().__init__()
        inputs = [in_channels] + [width] * (steps - 1)
        self.lesion_layers = nn.ModuleList(ConvBNReLU(channels, width) for channels in inputs)
        self.diagnosis_layers = nn.ModuleList(ConvBNReLU(channels, width) for channels in inputs)
        self.unions = nn.ModuleList(ConvBNReLU(2 * width, width) for _ in range(steps - 1))
        self.lesion_compress = nn.Conv2d(steps * width, width, 1)
        self.diagnosis_compress = nn.Conv2d(steps * width, width, 1)

    def forward(self, blended: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """M_0 -> (L, D)."""
        lesion_maps, diagnosis_maps = [], []
        for index, (lesion_layer, diagnosis_layer) in enumerate(zip(self.lesion_layers, self.diagnosis_layers)):
            if index > 0:
                blended = self.unions[index - 1](torch.cat([lesion_maps[-1], diagnosis_maps[-1]], dim=1))
            lesion_maps.append(lesion_layer(blended))
            diagnosis_maps.append(diagnosis_layer(blended))
        lesion = self.lesion_compress(torch.cat(lesion_maps, dim=1))
        diagnosis = self.diagnosis_compress(torch.cat(diagnosis_maps, dim=1))
        return lesion, diagnosis


class DiseaseClassifier(nn.Module):
    """One disease head of the multi-disease block (paper 002, Section 2.2): conv3x3, global max
    pooling, ReLU, linear. :meth:`activation_maps` gives its class activation maps."""

    def __init__(self, in_channels: int, width: int, classes: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, width, 3, padding=1)
        self.linear = nn.Linear(width, classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """ReLU(conv(x)), the maps the pooling reduces (ReLU and max pooling commute)."""
        return torch.relu(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(torch.amax(self.features(x), dim=(2, 3)))

    def activation_maps(self, x: torch.Tensor) -> torch.Tensor:
        """CAM_c = sum_k w_ck ReLU(F_k) for every class c: (N, classes, h, w) at the features' size."""
        return torch.einsum("ck,nkhw->nchw", self.linear.weight, self.features(x))


class LesionRegulariser(nn.Module):
    """LR-Net (paper 002, Section 2.3): repeated x2 upsampling and compressing conv3x3-BN-ReLU from
    L at stride 2^``steps`` to the input resolution, then a 1x1 conv to per-lesion logits."""

    def __init__(self, in_channels: int, lesions: int, steps: int = RESNET_STRIDE_STEPS, min_channels: int = 16) -> None:
        super().__init__()
        channels = [in_channels] + [max(in_channels // 2 ** (step + 1), min_channels) for step in range(steps)]
        self.compress = nn.ModuleList(ConvBNReLU(channels[i], channels[i + 1]) for i in range(steps))
        self.classifier = nn.Conv2d(channels[-1], lesions, 1)

    def forward(self, lesion_features: torch.Tensor, size: torch.Size) -> torch.Tensor:
        height, width = size
        steps = len(self.compress)
        hidden = lesion_features
        for index, conv in enumerate(self.compress):
            scale = 2 ** (steps - 1 - index)
            hidden = conv(upsample_to(hidden, (math.ceil(height / scale), math.ceil(width / scale))))
        return self.classifier(hidden)


class SUNet(LesionModel):
    """SUNet: ResNet-34, feature blending block, DR/DME classifiers and the lesion regulariser."""

    task = "grading"

    def __init__(
        self, lesions: Sequence[str] | str = LESIONS, blending_steps: int = 3, width: int = 256, pretrained: bool = False
    ) -> None:
        super().__init__(lesions)
        if blending_steps < 1 or width < 1:
            raise EdgesegError(f"SUNet needs blending_steps >= 1 and width >= 1, got {blending_steps} and {width}")
        self.encoder = ResNetStages(resnet(34, pretrained))
        self.blending = FeatureBlendingBlock(RESNET34_CHANNELS, width, blending_steps)
        self.dr_classifier = DiseaseClassifier(width, width, DR_GRADES)
        self.dme_classifier = DiseaseClassifier(width, width, DME_GRADES)
        self.lesion_regulariser = LesionRegulariser(width, self.num_lesions)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor | dict[str, torch.Tensor]]:
        size = x.shape[-2:]
        lesion_features, diagnosis = self.blending(self.encoder(x)[-1])
        lesion = self.lesion_regulariser(lesion_features, size)
        dr, dme = self.dr_classifier(diagnosis), self.dme_classifier(diagnosis)
        if self.training:
            return {"logits": lesion, "dr": dr, "dme": dme, "lesion": lesion}
        cam = {
            "dr": upsample_to(self.dr_classifier.activation_maps(diagnosis), size),
            "dme": upsample_to(self.dme_classifier.activation_maps(diagnosis), size),
        }
        return {"dr": dr, "dme": dme, "lesion": lesion, "cam": cam}


@register_model(
    "sunet",
    "SUNet: ResNet-34 + feature blending, DR (5) and DME (3) grading, lesion regulariser, CAM",
    seed_paper("002"),
    smoke_options={"width": 32, "pretrained": False},
    smoke_size=64,
)
def sunet(lesions: Sequence[str] | str = LESIONS, blending_steps: int = 3, width: int = 256, pretrained: bool = False) -> SUNet:
    """SUNet grading DR and DME with per-lesion logits for ``lesions`` (default MA, HE, EX, SE);
    ``blending_steps`` separations in the feature blending block, ``width`` channels in it and
    in the heads; ``pretrained`` loads ImageNet ResNet-34 weights (downloads once)."""
    return SUNet(lesions, blending_steps, width, pretrained)
