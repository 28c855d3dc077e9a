"""Shared encoders: a VGG-16 built without ImageNet weights must be trainable from scratch."""

from __future__ import annotations

import torch

from edgeseg.models.encoders import VGG16Blocks


def test_vgg16_from_scratch_keeps_the_signal_through_its_13_layers():
    # PyTorch's default Conv2d initialisation shrank conv5's output to 3 % of conv1's;
    # torchvision's VGG initialisation (Kaiming normal, fan-out) keeps it within the same order
    # of magnitude.
    torch.manual_seed(0)
    blocks = VGG16Blocks(pretrained=False)
    with torch.no_grad():
        outputs = blocks(torch.randn(1, 3, 96, 96))
    ratio = float(outputs[-1].std() / outputs[0].std())
    assert ratio > 0.3, f"conv5 / conv1 activation scale {ratio:.3f}: the signal vanishes"
    assert all(float(conv.bias.detach().abs().max()) == 0.0 for conv in blocks.modules() if isinstance(conv, torch.nn.Conv2d))
