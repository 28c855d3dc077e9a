from __future__ import annotations

import pytest
import torch

from edgeseg.models import count_parameters, create
from edgeseg.models.hed import HED

PAPER_UNIT = 2**20  # paper 000's "M" (see tests/models/test_pspnet.py)


@pytest.fixture(scope="module")
def model() -> HED:
    torch.manual_seed(0)
    return create("hed", lesions=("HE", "EX"))


def test_parameter_count_matches_the_paper():
    # VGG-16's 13 convs (14,714,688) + side 1x1 convs (64+128+256+512+512 weights + 5 biases)
    # + fusion (5 weights + 1 bias) = 14,716,171
    count = count_parameters(create("hed"))
    assert count == 14_714_688 + 1_477 + 6
    assert round(count / PAPER_UNIT, 1) == 14.0


def test_training_output_has_the_fused_map_and_five_sides_at_the_input_size(model):
    model.train()
    output = model(torch.randn(2, 3, 64, 64))
    assert set(output) == {"logits", "side"}
    assert output["logits"].shape == (2, 2, 64, 64)
    assert len(output["side"]) == 5 and all(side.shape == (2, 2, 64, 64) for side in output["side"])


def test_fusion_starts_as_the_mean_of_each_lesions_sides(model):
    model.train()
    with torch.no_grad():
        output = model(torch.randn(1, 3, 64, 64))
    assert torch.allclose(output["logits"], torch.stack(output["side"]).mean(dim=0), atol=1e-6)


def test_eval_output_is_the_fused_map_at_any_size(model):
    x = torch.randn(1, 3, 40, 56)
    with torch.no_grad():
        fused = model.train()(x)["logits"]
        logits = model.eval()(x)
    assert logits.shape == (1, 2, 40, 56) and torch.allclose(logits, fused)


def test_side_classifiers_are_1x1_per_vgg_block(model):
    sides = list(model.trunk.sides) + list(model.branch.sides)
    assert [side.in_channels for side in sides] == [64, 128, 256, 512, 512]
    assert all(side.kernel_size == (1, 1) and side.out_channels == 2 for side in sides)
