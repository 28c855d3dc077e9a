"""Red-Seg (paper 004): the taps of its two branches, side-output packing and deep supervision."""

from __future__ import annotations

import copy

import pytest
import torch

from edgeseg.losses import DeepSupervision
from edgeseg.losses.topk import TopKWeightedBCE
from edgeseg.models import count_parameters, create

HEIGHT, WIDTH = 64, 96


@pytest.fixture(scope="module")
def model():
    """Red-Seg with random side convolutions, as after training (they start at zero), so that
    every tap shows in the outputs."""
    torch.manual_seed(0)
    model = create("redseg")
    with torch.no_grad():
        for branch in (model.ma_branch, model.he_branch):
            for side in branch.sides:
                side.weight.normal_(0, 0.05)
                side.bias.normal_(0, 0.1)
    return model


@pytest.fixture(scope="module")
def image():
    torch.manual_seed(1)
    return torch.randn(2, 3, HEIGHT, WIDTH)


def test_parameter_count(model):
    # VGG-16 conv1-conv5 14,714,688; MA sides (128 + 256 + 512 weights + 3 biases) 899 and fuse 4;
    # HE sides (256 + 512 + 512 + 3) 1,283 and fuse 4.
    assert count_parameters(model) == 14_716_878


def test_channels_are_ma_then_he(model):
    assert model.lesions == ("MA", "HE")


def _tap_shapes(branch, model, image):
    shapes = []

    def record(module, inputs, output):
        shapes.append(tuple(inputs[0].shape[1:]))

    handles = [side.register_forward_hook(record) for side in branch.sides]
    with torch.no_grad():
        model.eval()(image)
    for handle in handles:
        handle.remove()
    return shapes


def test_ma_branch_taps_conv2_to_conv4(model, image):
    assert _tap_shapes(model.ma_branch, model, image) == [
        (128, HEIGHT // 2, WIDTH // 2), (256, HEIGHT // 4, WIDTH // 4), (512, HEIGHT // 8, WIDTH // 8)
    ]


def test_he_branch_taps_conv3_to_conv5(model, image):
    assert _tap_shapes(model.he_branch, model, image) == [
        (256, HEIGHT // 4, WIDTH // 4), (512, HEIGHT // 8, WIDTH // 8), (512, HEIGHT // 16, WIDTH // 16)
    ]


def _outputs(model, image):
    with torch.no_grad():
        return model.train()(image)


def test_ma_output_does_not_depend_on_conv5(model, image):
    model = copy.deepcopy(model)
    before = _outputs(model, image)
    with torch.no_grad():
        for parameter in model.encoder.blocks[4].parameters():
            parameter.add_(torch.randn_like(parameter))
    after = _outputs(model, image)
    assert torch.equal(before["logits"][:, 0], after["logits"][:, 0])
    assert all(torch.equal(b[:, 0], a[:, 0]) for b, a in zip(before["side"], after["side"]))
    assert not torch.allclose(before["logits"][:, 1], after["logits"][:, 1])
    assert not torch.allclose(before["side"][2][:, 1], after["side"][2][:, 1])


def test_branches_are_independent_after_the_encoder(model, image):
    model = copy.deepcopy(model)
    before = _outputs(model, image)
    with torch.no_grad():
        model.ma_branch.sides[0].weight.add_(1.0)
    after = _outputs(model, image)
    assert torch.equal(before["logits"][:, 1], after["logits"][:, 1])
    assert not torch.allclose(before["logits"][:, 0], after["logits"][:, 0])


def test_train_output_packs_sides_per_branch(model, image):
    output = _outputs(model, image)
    assert output["logits"].shape == (2, 2, HEIGHT, WIDTH)
    assert len(output["side"]) == 3 and all(side.shape == (2, 2, HEIGHT, WIDTH) for side in output["side"])
    with torch.no_grad():
        features = model.encoder(image)
        _, ma_sides = model.ma_branch(features, image.shape[-2:])
        _, he_sides = model.he_branch(features, image.shape[-2:])
    for packed, ma_side, he_side in zip(output["side"], ma_sides, he_sides):
        assert torch.equal(packed[:, :1], ma_side) and torch.equal(packed[:, 1:], he_side)


def test_sides_start_at_zero_so_every_logit_starts_at_zero(image):
    """HED's initialisation (its score-dsn layers set no filler: Caffe's constant 0), whatever the
    encoder's features: a pretrained VGG-16's large activations do not saturate the first sigmoids."""
    torch.manual_seed(0)
    fresh = create("redseg")
    with torch.no_grad():
        for parameter in fresh.encoder.parameters():
            parameter.mul_(10.0)
    output = _outputs(fresh, image)
    assert torch.count_nonzero(output["logits"]) == 0
    assert all(torch.count_nonzero(side) == 0 for side in output["side"])


def test_fused_map_starts_as_the_mean_of_the_sides(model, image):
    # HED-style initialisation: fusing weights 1/3, bias 0.
    output = _outputs(model, image)
    mean_of_sides = torch.stack(output["side"]).mean(dim=0)
    assert torch.allclose(output["logits"], mean_of_sides, atol=1e-5)


def test_eval_returns_the_fused_logits(model, image):
    with torch.no_grad():
        fused = model.eval()(image)
    assert torch.equal(fused, _outputs(model, image)["logits"])


def test_any_input_size_works(model):
    with torch.no_grad():
        assert model.eval()(torch.randn(1, 3, 72, 100)).shape == (1, 2, 72, 100)


def test_deep_supervision_scores_four_outputs_per_branch(model, image):
    output = _outputs(model, image)
    target = (torch.rand(2, 2, HEIGHT, WIDTH) > 0.9).float()
    loss = TopKWeightedBCE()
    total = DeepSupervision(loss)(output, target)
    per_branch = 0.0
    for channel in (0, 1):
        maps = [output["logits"]] + output["side"]
        per_branch += sum(loss(m[:, channel : channel + 1], target[:, channel : channel + 1]) for m in maps)
    assert total.item() == pytest.approx(float(per_branch), rel=1e-5)
