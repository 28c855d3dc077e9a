from __future__ import annotations

import pytest
import torch
from torchvision.models.resnet import Bottleneck

from edgeseg.errors import EdgesegError
from edgeseg.losses.dsm import DSMDiceLoss
from edgeseg.models import count_parameters, create
from edgeseg.models.blocks import average_probability_logits
from edgeseg.models.dual2net import Dual2Net

PAPER_UNIT = 2**20  # paper 000's "M" (see tests/models/test_pspnet.py)
BASES = ("pspnet", "deeplabv3", "hed")


@pytest.fixture(scope="module")
def duals() -> dict[str, Dual2Net]:
    torch.manual_seed(0)
    return {base: create("dual2net", base=base) for base in BASES}


def _ids(module: torch.nn.Module) -> set[int]:
    return {id(parameter) for parameter in module.parameters()}


@pytest.mark.parametrize(
    "base, expected, toolbox_difference, paper",
    [
        # toolbox differences as in tests/models/test_pspnet.py and test_deeplabv3.py, the ASPP
        # one counted once per branch
        ("pspnet", 76_479_299, 123_776 + 2_360_576, 75.3),
        ("deeplabv3", 62_582_083, 123_776 + 2_360_576 - 2 * 261_888, 61.6),
        ("hed", 27_696_403, 0, 26.4),
    ],
)
def test_parameter_counts_match_the_paper(duals, base, expected, toolbox_difference, paper):
    count = count_parameters(duals[base])
    assert count == expected
    assert round((count + toolbox_difference) / PAPER_UNIT, 1) == paper


@pytest.mark.parametrize("base", BASES)
def test_the_trunk_is_shared_and_the_branches_are_not(duals, base):
    dual = duals[base]
    single = create(base)
    trunk, large, small = _ids(dual.trunk), _ids(dual.large), _ids(dual.small)
    # the parameters each branch computes with: the same trunk Parameter objects, distinct rest
    assert trunk and (trunk | large) & (trunk | small) == trunk
    assert not large & small and not trunk & large and not trunk & small
    assert count_parameters(dual) == count_parameters(single) + count_parameters(single.branch)
    assert count_parameters(dual.large) == count_parameters(dual.small) == count_parameters(single.branch)
    # the unshared backbone part starts from the same weights in both branches (ImageNet ones
    # when pretrained)
    own_large, own_small = (dual.large.block, dual.small.block) if base != "hed" else (dual.large.blocks, dual.small.blocks)
    assert all(torch.equal(a, b) for a, b in zip(own_large.state_dict().values(), own_small.state_dict().values()))


def test_what_is_shared_per_base(duals):
    for base in ("pspnet", "deeplabv3"):
        dual = duals[base]
        assert len(dual.trunk.stages.layer4) == 2  # layer4's first two bottlenecks are shared
        assert isinstance(dual.large.block, Bottleneck) and dual.large.block is not dual.small.block
        assert dual.size_multiple == 8
    hed = duals["hed"]
    assert len(hed.trunk.blocks) == 3 and len(hed.large.blocks) == len(hed.small.blocks) == 2  # conv1-3 | conv4-5
    assert hed.size_multiple == 16


@pytest.mark.parametrize("base", ["pspnet", "hed"])
def test_each_batch_trains_its_own_branch_and_the_shared_trunk(duals, base):
    dual = duals[base].train()
    dual.zero_grad()
    x_large, x_small = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    output = dual.forward_branches(x_large, x_small)
    extra = "aux" if base != "hed" else "side"
    assert set(output["large"]) == set(output["small"]) == {"logits", extra}
    assert output["large"]["logits"].shape == output["small"]["logits"].shape == (2, 1, 64, 64)
    output["small"]["logits"].sum().backward()
    assert all(parameter.grad is None for parameter in dual.large.parameters())
    assert any(parameter.grad is not None and parameter.grad.abs().sum() > 0 for parameter in dual.small.parameters())
    first_conv = dual.trunk.blocks[0][0] if base == "hed" else dual.trunk.stages.stem[0]
    assert first_conv.weight.grad.abs().sum() > 0
    dual.zero_grad()


@pytest.mark.parametrize("base", BASES)
def test_eval_output_is_the_average_of_the_branch_probabilities(duals, base):
    dual = duals[base].eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        output = dual(x)
        features, shared = dual.trunk(x)
        large = torch.sigmoid(dual.large(features, shared, x.shape[-2:])["logits"])
        small = torch.sigmoid(dual.small(features, shared, x.shape[-2:])["logits"])
    assert output.shape == (1, 1, 64, 64)
    assert not torch.allclose(large, small)
    assert torch.allclose(torch.sigmoid(output), (large + small) / 2, atol=1e-6)


def test_training_forward_feeds_both_branches_the_same_images(duals):
    dual = duals["hed"].train()  # no dropout nor batch norm: deterministic in training mode
    x, other = torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        output = dual(x)
        large, small = output["branches"]["large"], output["branches"]["small"]
        assert set(output) == {"logits", "branches"}
        assert torch.allclose(output["logits"], average_probability_logits(large["logits"], small["logits"]))
        assert all(a is b for a, b in zip(large["side"][:3], small["side"][:3]))  # shared conv1-3 sides
        mixed = dual.forward_branches(x, other)
    assert torch.allclose(mixed["large"]["logits"], large["logits"], atol=1e-6)
    assert not torch.allclose(mixed["small"]["logits"], small["logits"])


def test_dsm_loss_trains_the_dual_network_end_to_end(duals):
    dual = duals["hed"].train()
    dual.zero_grad()
    targets = torch.zeros(2, 2, 1, 64, 64)
    targets[0, :, :, 10:20, 10:30] = 1
    targets[1, :, :, 40:42, 50:52] = 1
    loss_fn = DSMDiceLoss(max_epoch=40, generator=torch.Generator().manual_seed(0))
    loss = loss_fn(dual.forward_branches(torch.randn(2, 3, 64, 64), torch.randn(2, 3, 64, 64)), targets[0], targets[1], epoch=10)
    loss.backward()
    assert torch.isfinite(loss)
    for part in (dual.trunk, dual.large, dual.small):
        assert any(parameter.grad is not None and parameter.grad.abs().sum() > 0 for parameter in part.parameters())
    dual.zero_grad()


def test_unknown_base_lists_the_valid_ones():
    with pytest.raises(EdgesegError, match="pspnet, deeplabv3, hed"):
        create("dual2net", base="unet")


def test_lesions_and_base_are_options():
    dual = create("dual2net", base="hed", lesions="MA,HE")
    assert dual.lesions == ("MA", "HE") and dual.base == "hed"
    dual.eval()
    with torch.no_grad():
        assert dual(torch.randn(1, 3, 48, 80)).shape == (1, 2, 48, 80)
