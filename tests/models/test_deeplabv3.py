from __future__ import annotations

import pytest
import torch
import torchvision

from edgeseg.models import count_parameters, create
from edgeseg.models.deeplabv3 import DeepLabV3

PAPER_UNIT = 2**20  # paper 000's "M" (see tests/models/test_pspnet.py)
# The toolbox DeepLabv3 the paper counted, minus this one (worked out by hand): deep stem and
# 512-channel auxiliary head as for PSPNet (+123,776 + 2,360,576); its ASPP head (1x1 pooling
# branch + GN 524,800, 1x1 524,800, three 3x3 4,719,104 each, 1280->512 projection + BN 656,384,
# classifier 513: 15,863,809) instead of torchvision's (1x1 524,800, three 3x3 14,157,312,
# pooling 524,800, 1280->256 projection 328,192, 3x3 256->256 + BN 590,336, classifier 257:
# 16,125,697): -261,888.
TOOLBOX_DIFFERENCE = 123_776 + 2_360_576 - 261_888


@pytest.fixture(scope="module")
def model() -> DeepLabV3:
    torch.manual_seed(0)
    return create("deeplabv3", lesions=("HE", "EX"))


def test_parameter_count_matches_torchvision_and_the_paper():
    count = count_parameters(create("deeplabv3"))
    reference = torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=1, aux_loss=True)
    assert count == count_parameters(reference) == 41_993_794
    assert round((count + TOOLBOX_DIFFERENCE) / PAPER_UNIT, 1) == 42.2


def test_aspp_rates_and_image_pooling(model):
    aspp = model.branch.head[0]
    rates = [branch[0].dilation[0] for branch in aspp.convs[1:4]]
    assert rates == [12, 24, 36]
    assert isinstance(aspp.convs[4][0], torch.nn.AdaptiveAvgPool2d)


def test_training_output_has_logits_and_aux_at_the_input_size(model):
    model.train()
    output = model(torch.randn(2, 3, 64, 64))
    assert set(output) == {"logits", "aux"}
    assert output["logits"].shape == output["aux"].shape == (2, 2, 64, 64)


def test_eval_output_at_sizes_not_divisible_by_8(model):
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 72, 100)).shape == (1, 2, 72, 100)


def test_classifiers_start_from_gaussian_0_01(model):
    for conv in (model.branch.head[-1], model.trunk.aux_head[-1]):
        assert conv.kernel_size == (1, 1) and conv.out_channels == 2
        assert conv.weight.std().item() == pytest.approx(0.01, rel=0.2)
        assert torch.count_nonzero(conv.bias) == 0
