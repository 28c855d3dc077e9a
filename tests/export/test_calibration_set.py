"""The int8 calibration is run on the images it says (issue #35: a file calibrated on uniform noise,
or on one image whatever --calib-images says, passed every test). What reaches the ONNX
calibrator is recorded and checked directly: as many images as asked, distinct, each a fundus
photograph's square as the model sees it, and the same squares as the metadata's calibration set."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from edgeseg.inference.fov import FieldOfView  # noqa: E402
from edgeseg.export import onnx_calibration  # noqa: E402
from edgeseg.export.exporter import ExportOptions, Exporter  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


def test_onnx_int8_is_calibrated_on_the_requested_fundus_squares(trained_tiny_model_file, tmp_path, monkeypatch):
    seen = []
    original = onnx_calibration.write_calibration_cache

    def recording(model, batches, *args, **kwargs):
        seen.extend(np.array(batch, copy=True) for batch in batches)
        return original(model, batches, *args, **kwargs)

    monkeypatch.setattr(onnx_calibration, "write_calibration_cache", recording)
    exporter = Exporter(ExportOptions(weights=str(trained_tiny_model_file), target="onnx", precisions=["int8"], calib_images=3,
                                      verify_images=2, golden=False, out=str(tmp_path)))
    (result,) = exporter.run()
    assert result.ok, result.message
    squares = [item.square for item in exporter.calibration_images().squares]
    assert len(seen) == 3 == len(squares)
    for batch, square in zip(seen, squares):
        image = batch[0].transpose(1, 2, 0)  # NCHW float 0-255, as the model takes it
        assert np.array_equal(image, square.astype(np.float32))
        assert FieldOfView.find(image.astype(np.uint8)).problem() is None  # a fundus, not noise
    assert len({batch.tobytes() for batch in seen}) == 3  # three images, not one three times
