"""U-Net: widths, depths, parameter counts, the decoder feature map and arbitrary input sizes."""

from __future__ import annotations

import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.models import count_parameters, create
from edgeseg.models.unet import UNet


@pytest.mark.parametrize(
    "options, expected",
    [
        ({}, 31_385_028),  # four lesions, depth 4, base 64: the original U-Net's ~31.0 M
        ({"lesions": "EX", "depth": 3}, 7_785_729),
        ({"lesions": "EX", "depth": 4}, 31_384_833),
        ({"lesions": "EX", "depth": 6}, 125_773_057),  # widths capped at 1024
        ({"lesions": "EX", "depth": 6, "max_channels": 4096}, 503_280_897),  # literal doubling
    ],
)
def test_parameter_counts(options, expected):
    with torch.device("meta"):
        model = create("unet", **options)
    assert count_parameters(model) == expected


def test_channels_double_per_pooling_and_halve_in_the_decoder():
    model = UNet(depth=5, base_channels=8)
    assert [block[1][0].out_channels for block in model.encoder] == [8, 16, 32, 64, 128, 256]
    assert [block[0][0].in_channels for block in model.decoder] == [128 + 256, 64 + 128, 32 + 64, 16 + 32, 8 + 16]
    assert [block[1][0].out_channels for block in model.decoder] == [128, 64, 32, 16, 8]
    assert model.lesions == ("MA", "HE", "EX", "SE") and model.head.out_channels == 4


def test_features_are_the_last_decoder_map_before_the_output_conv():
    torch.manual_seed(0)
    model = UNet(["EX", "MA"], depth=3, base_channels=4).eval()
    x = torch.randn(2, 3, 48, 40)
    with torch.no_grad():
        features, logits = model.features(x)
        assert features.shape == (2, model.feature_channels, 48, 40) and model.feature_channels == 4
        assert torch.allclose(model.head(features), logits)
        assert torch.equal(model(x), logits)


@pytest.mark.parametrize("size", [(72, 100), (17, 33), (64, 64)])
def test_any_input_size_gives_logits_of_that_size(size):
    model = UNet(depth=4, base_channels=4).eval()
    assert model.size_multiple == 1
    with torch.no_grad():
        assert model(torch.randn(1, 3, *size)).shape == (1, 4, *size)


def test_sizes_off_the_pooling_multiple_are_zero_padded_bottom_right_then_cropped():
    # depth 3: multiple 8, so a 60x62 image runs as 64x64 with zeros at the bottom and right.
    torch.manual_seed(0)
    model = UNet(["EX"], depth=3, base_channels=4).eval()
    x = torch.randn(1, 3, 60, 62)
    with torch.no_grad():
        direct = model(x)
        padded_by_hand = model(torch.nn.functional.pad(x, (0, 2, 0, 4)))
    assert direct.shape == (1, 1, 60, 62)
    assert torch.equal(direct, padded_by_hand[..., :60, :62])


def test_training_returns_the_logits_dict():
    model = UNet(depth=3, base_channels=4).train()
    output = model(torch.randn(2, 3, 32, 32))
    assert set(output) == {"logits"} and output["logits"].shape == (2, 4, 32, 32)


@pytest.mark.parametrize("depth", [2, 7])
def test_depth_outside_3_to_6_is_a_clear_error(depth):
    with pytest.raises(EdgesegError, match="3 to 6"):
        create("unet", depth=depth)
