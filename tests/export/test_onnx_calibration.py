"""The int8 calibration of ONNX files: each tensor's range is the exact percentile of its absolute
values over all calibration images, clipped to the values seen, as the graph computes it."""

from __future__ import annotations

import math

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from edgeseg.export.onnx_calibration import calibrated_tensors, write_calibration_cache  # noqa: E402


def _model(path):
    """x -> Conv (2 -> 3 channels) -> y -> Relu -> z, shapes static (1, 2, 8, 8)."""
    weights = np.random.default_rng(0).normal(size=(3, 2, 3, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1]), helper.make_node("Relu", ["y"], ["z"])],
        "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3, 8, 8])], [numpy_helper.from_array(weights, "w")],
    )
    model = onnx.shape_inference.infer_shapes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]))
    model.ir_version = 9
    onnx.save(model, str(path))
    return weights


def _reference(values: list[np.ndarray], percentile: float) -> tuple[float, float]:
    pooled = np.concatenate([v.ravel() for v in values])
    keep = max(1, math.ceil(pooled.size * (1 - percentile / 100)))
    threshold = float(np.sort(np.abs(pooled))[-keep])
    return max(-threshold, float(pooled.min())), min(threshold, float(pooled.max()))


@pytest.mark.parametrize("percentile", [99.0, 90.0])
def test_ranges_are_the_exact_percentile_over_all_images(tmp_path, percentile):
    import torch
    import torch.nn.functional as F
    from onnxruntime.quantization.calibrate import load_tensors_data

    weights = _model(tmp_path / "m.onnx")
    rng = np.random.default_rng(1)
    batches = [rng.normal(scale=scale, size=(1, 2, 8, 8)).astype(np.float32) for scale in (1.0, 3.0, 0.5)]
    write_calibration_cache(tmp_path / "m.onnx", batches, "x", percentile, tmp_path / "cache.json")
    ranges = load_tensors_data(tmp_path / "cache.json")
    assert set(ranges) == {"x", "y", "z"} == set(calibrated_tensors(onnx.load(str(tmp_path / "m.onnx"))))
    y = [F.conv2d(torch.from_numpy(b), torch.from_numpy(weights), padding=1).numpy() for b in batches]
    expected = {"x": _reference(batches, percentile), "y": _reference(y, percentile),
                "z": _reference([np.maximum(v, 0) for v in y], percentile)}
    for name, (low, high) in expected.items():
        assert float(ranges[name].lowest) == pytest.approx(low, rel=1e-5), name
        assert float(ranges[name].highest) == pytest.approx(high, rel=1e-5), name
    assert float(ranges["z"].lowest) == 0.0  # a ReLU output's range starts at its smallest value, not at -threshold


def test_dynamic_shapes_are_refused(tmp_path):
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["z"])], "dynamic",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n", 2])])
    with pytest.raises(ValueError, match="static shapes"):
        calibrated_tensors(helper.make_model(graph))
