"""The exported module: pixels in, the card's normalisation inside, probabilities out; and the
one serialisation of the input contract that the card and the metadata share."""

from __future__ import annotations

from pathlib import Path

import torch

from edgeseg.checkpoint import load_model, read_card
from edgeseg.export.metadata import build_metadata
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.torch_module import PixelsToProbabilities


def test_pixels_in_equals_normalised_input_to_the_network(tiny_model_file):
    model, card = load_model(tiny_model_file)
    preprocessing = Preprocessing.from_dict(card["preprocessing"])
    module = PixelsToProbabilities(model, preprocessing).eval()
    pixels = torch.rand(1, 3, 64, 64) * 255
    mean = torch.tensor(preprocessing.mean).view(1, 3, 1, 1)
    std = torch.tensor(preprocessing.std).view(1, 3, 1, 1)
    with torch.no_grad():
        expected = torch.sigmoid(model((pixels / 255 - mean) / std))
        assert torch.allclose(module(pixels), expected, atol=1e-6)
        nhwc = module.relaid("nhwc")(pixels.permute(0, 2, 3, 1))
    assert torch.allclose(nhwc.permute(0, 3, 1, 2), expected, atol=1e-6)


def test_metadata_holds_the_cards_preprocessing_record(tiny_model_file):
    """A bug fix: the metadata's ``clahe`` is a dict, and a disabled CLAHE must stay disabled;
    the metadata's record is the contract's own serialisation."""
    card = read_card(tiny_model_file)
    for clahe in (True, False):
        card["preprocessing"]["clahe"] = {"enabled": clahe}
        metadata = build_metadata(card, "x", "onnx", "fp32", "nchw")
        contract = Preprocessing.from_dict(card["preprocessing"])
        assert Preprocessing.from_dict(metadata["preprocessing"]) == contract
        assert metadata["preprocessing"] == contract.as_dict()
        assert metadata["preprocessing"]["clahe"] == {"enabled": clahe, "clip_limit": 2.0, "tile_grid": 8, "channel": "L of CIE Lab (OpenCV)"}


def test_metadata_carries_the_cards_grader_and_quality_gate(tiny_model_file):
    """Every export carries the card's grader on the findings (issue #28) and its quality gate, so
    that the page and the Android library grade as `edgeseg predict` does; a card without them
    gives metadata without them."""
    import json

    card = read_card(tiny_model_file)
    assert "grader" not in build_metadata(card, "x", "onnx", "fp32", "nchw")
    grader = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "results-findings" / "grader.json").read_text())["grader"]
    card |= {"grader": grader, "quality_gate": {"sharpness": {"min": 0.1}}}
    metadata = build_metadata(card, "x", "onnx", "fp32", "nchw")
    assert metadata["grader"] == grader and metadata["quality_gate"] == {"sharpness": {"min": 0.1}}
