from __future__ import annotations

import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.models import count_parameters, create


@pytest.mark.parametrize(
    "name, options, expected, tolerance",
    [
        ("u2xs", {"mode": "mt"}, 291_532, 0.03),  # the paper's 0.29 M
        ("u2xs", {"mode": "st", "lesion": "EX"}, 286_237, 0.0),
        ("u2netp", {"mode": "st", "lesion": "EX"}, 1_130_000, 0.01),
        ("u2net", {"mode": "st", "lesion": "EX"}, 44_000_000, 0.01),
    ],
)
def test_parameter_counts(name, options, expected, tolerance):
    count = count_parameters(create(name, **options))
    assert abs(count - expected) <= tolerance * expected + (0 if tolerance else 0), count


@pytest.mark.parametrize(
    "options, lesions",
    [
        ({"mode": "mt"}, ("MA", "HE", "EX", "SE")),
        ({"mode": "dt", "group": "red"}, ("MA", "HE")),
        ({"mode": "dt", "group": "white"}, ("EX", "SE")),
        ({"mode": "st", "lesion": "se"}, ("SE",)),
    ],
)
def test_modes_name_their_channels(options, lesions):
    assert create("u2xs", **options).lesions == lesions


@pytest.mark.parametrize("options", [{"mode": "dt"}, {"mode": "st"}, {"mode": "xx"}])
def test_incomplete_modes_are_clear_errors(options):
    with pytest.raises(EdgesegError):
        create("u2xs", **options)


def test_six_sides_and_fused_output_in_training():
    model = create("u2xs", mode="dt", group="red").train()
    output = model(torch.randn(1, 3, 64, 96))
    assert output["logits"].shape == (1, 2, 64, 96)
    assert len(output["side"]) == 6 and all(side.shape == (1, 2, 64, 96) for side in output["side"])


def test_sizes_not_divisible_by_32_still_work():
    model = create("u2xs").eval()
    with torch.no_grad():
        assert model(torch.randn(1, 3, 72, 100)).shape == (1, 4, 72, 100)
