"""The embedded default ships as a PyTorch model file and its verified fp32 ONNX twin; they must
stay the same model (`python tools/ship_default.py --twin-only` rewrites the twin)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.synthetic import make_fundus
from edgeseg.embedded import default_inference_model, default_model_path
from edgeseg.inference.model_info import read_info


def test_the_onnx_twin_describes_the_same_model():
    torch_info, onnx_info = read_info(default_model_path()), read_info(default_model_path(".onnx"))
    assert onnx_info.source == torch_info.path  # its metadata names the file beside it
    assert (onnx_info.lesions, onnx_info.preprocessing, onnx_info.thresholds) == (torch_info.lesions, torch_info.preprocessing, torch_info.thresholds)
    assert "/work/" not in str(onnx_info.card)  # no path of the machine it was made on


def test_the_onnx_twin_computes_what_the_pytorch_file_computes():
    pytest.importorskip("onnxruntime")
    from edgeseg.inference.runners import open_runner

    torch_runner, onnx_runner = open_runner(default_model_path()), open_runner(default_model_path(".onnx"))
    square = torch_runner.info.preprocessing.prepare(make_fundus(512, seed=3).image).square
    assert np.abs(onnx_runner.lesion_maps(square) - torch_runner.lesion_maps(square)).max() < 1e-4


def test_inference_runs_the_onnx_twin_when_onnx_runtime_is_installed():
    pytest.importorskip("onnxruntime")
    assert default_inference_model() == default_model_path(".onnx")
