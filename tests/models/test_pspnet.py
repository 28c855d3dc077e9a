from __future__ import annotations

import pytest
import torch
from torchvision.models.resnet import Bottleneck

from edgeseg.models import count_parameters, create
from edgeseg.models.pspnet import PSPNet, PyramidPooling

PAPER_UNIT = 2**20  # paper 000's "M": its HED row (14.0 M) is VGG-16 + HED's 1x1 convs / 2^20
# The toolbox PSPNet the paper counted, minus this one (worked out by hand):
# deep stem, 3x3 convs 3->64->64->128 + BN (112,832) instead of a 7x7 3->64 + BN (9,536), and
# layer1's first block reading 128 channels (+8,192 - 4,096 conv1, +32,768 - 16,384 downsample):
# +123,776; auxiliary head 3x3 1024->512 with bias + BN + 1x1 (4,720,641) instead of
# 1024->256 + BN + 1x1 (2,360,065): +2,360,576.
TOOLBOX_DIFFERENCE = 123_776 + 2_360_576


@pytest.fixture(scope="module")
def model() -> PSPNet:
    torch.manual_seed(0)
    return create("pspnet", lesions=("HE", "EX"))


def test_parameter_count_matches_the_paper():
    count = count_parameters(create("pspnet"))
    assert count == 48_942_402
    # the paper prints one decimal: equal after rounding = within 0.05 * 2^20
    assert round((count + TOOLBOX_DIFFERENCE) / PAPER_UNIT, 1) == 49.0


def test_training_output_has_logits_and_aux_at_the_input_size(model):
    model.train()
    output = model(torch.randn(2, 3, 64, 64))
    assert set(output) == {"logits", "aux"}
    assert output["logits"].shape == output["aux"].shape == (2, 2, 64, 64)


def test_eval_output_at_sizes_not_divisible_by_8(model):
    model.eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 72, 100)).shape == (1, 2, 72, 100)


def test_dilated_backbone_has_output_stride_8_and_the_last_block_in_the_branch(model):
    model.eval()
    with torch.no_grad():
        features, shared = model.trunk(torch.randn(1, 3, 64, 64))
    assert features.shape == (1, 2048, 8, 8) and shared == {}
    assert len(model.trunk.stages.layer4) == 2 and isinstance(model.branch.block, Bottleneck)


def test_pyramid_pooling_bins_and_channels():
    pyramid = PyramidPooling(2048)
    assert pyramid.bins == (1, 2, 3, 6)
    assert [reduce[0].out_channels for reduce in pyramid.reductions] == [512] * 4
    assert pyramid.out_channels == 4096
    assert pyramid(torch.randn(2, 2048, 5, 7)).shape == (2, 4096, 5, 7)


def test_classifiers_start_from_gaussian_0_01(model):
    for conv in (model.branch.head[-1], model.trunk.aux_head[-1]):
        assert conv.kernel_size == (1, 1) and conv.out_channels == 2
        assert conv.weight.std().item() == pytest.approx(0.01, rel=0.2)
        assert torch.count_nonzero(conv.bias) == 0
