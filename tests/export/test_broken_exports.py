"""Verification that can fail: exports made deliberately wrong fail it at fp32, fp16 and int8,
while the correct exports of the same model pass (issue "verification that can fail").

The model is ``trained_tiny_model_file``, which has learnt the synthetic lesions (on an untrained
model a broken file loses nothing measurable). Files are real ONNX (and TFLite) exports of the
broken modules of ``edgeseg/inference/port_mistakes.py``, verified by ``edgeseg.export.verify`` exactly as
`edgeseg export` verifies, on synthetic verification images chosen as it chooses them.
"""

from __future__ import annotations

import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

from edgeseg.checkpoint import load_model  # noqa: E402
from edgeseg.export.exporter import export_function  # noqa: E402
from edgeseg.inference.formats import FORMATS  # noqa: E402
from edgeseg.export.images import fundus_squares  # noqa: E402
from edgeseg.export.job import ExportJob  # noqa: E402
from edgeseg.export.metadata import build_metadata  # noqa: E402
from edgeseg.export.verify import reference_outputs, verify_file  # noqa: E402
from edgeseg.inference.model_info import info_from_card  # noqa: E402
from edgeseg.inference.runners import TorchRunner, open_runner  # noqa: E402
from edgeseg.inference.torch_module import PixelsToProbabilities  # noqa: E402

from edgeseg.inference.port_mistakes import BREAKS, Broken  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")
PRECISIONS = ("fp32", "fp16", "int8")


@pytest.fixture(scope="module")
def setting(trained_tiny_model_file):
    model, card = load_model(trained_tiny_model_file)
    info = info_from_card(trained_tiny_model_file, card)
    module = PixelsToProbabilities(model, info.preprocessing).eval()
    reference = TorchRunner.from_module(module, info)
    images = fundus_squares(card, info.preprocessing, "verification", 6, reference=reference)
    calibration = [item.square for item in fundus_squares(card, info.preprocessing, "calibration", 4, reference=reference).squares]
    return {"card": card, "info": info, "module": module, "images": images, "calibration": calibration,
            "reference": reference_outputs(reference, images.squares)}


def verdict(setting, module, target: str, precision: str, folder, converted: dict):
    card, info = setting["card"], setting["info"]
    layout = "nhwc" if target == "tflite" else "nchw"
    metadata = build_metadata(card, str(info.path), target, precision, layout)
    job = ExportJob(module, precision, layout, metadata, setting["calibration"], converted)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"model_{precision}.{'tflite' if target == 'tflite' else 'onnx'}"
    export_function(FORMATS[target])(job, path)
    return verify_file(open_runner(path), setting["images"].squares, setting["reference"])


def test_the_verification_images_are_ones_the_model_has_learnt(setting):
    """Without real images, synthetic ones are chosen where the model ranks the lesions well, and
    the choice is said (it goes into each file's metadata)."""
    assert "synthetic" in setting["images"].source and "ranks the lesions best" in setting["images"].source
    verdict = verify_file(TorchRunner.from_module(setting["module"], setting["info"]), setting["images"].squares, setting["reference"])
    judged = [item for item in verdict.lesions if item.aupr_reference is not None]
    assert len(judged) >= 3 and sum(item.aupr_reference > 0.8 for item in judged) >= 2


@pytest.fixture(scope="module")
def onnx_verdicts(setting, tmp_path_factory):
    """Every break and the correct module, at every precision, as ONNX files."""
    verdicts = {}
    for kind in ("correct", *BREAKS):
        module = setting["module"] if kind == "correct" else Broken(setting["module"], kind).eval()
        folder, converted = tmp_path_factory.mktemp(kind.replace(" ", "_")), {}
        for precision in PRECISIONS:
            verdicts[kind, precision] = verdict(setting, module, "onnx", precision, folder, converted)
    return verdicts


@pytest.mark.parametrize("precision", PRECISIONS)
def test_correct_onnx_exports_pass(onnx_verdicts, precision):
    parity = onnx_verdicts["correct", precision]
    assert parity.passed, parity.reason


@pytest.mark.parametrize("precision", PRECISIONS)
@pytest.mark.parametrize("kind", BREAKS)
def test_broken_onnx_exports_fail(onnx_verdicts, kind, precision):
    parity = onnx_verdicts[kind, precision]
    assert not parity.passed, f"{kind} at {precision} passed: {parity.summary()}"


def test_broken_tflite_int8_fails_and_the_correct_one_passes(setting, tmp_path):
    """TFLite int8 with flipped channels passed the old verification (AUPR drop only)."""
    pytest.importorskip("litert_torch")
    pytest.importorskip("ai_edge_quantizer")
    correct = verdict(setting, setting["module"], "tflite", "int8", tmp_path / "ok", {})
    assert correct.passed, correct.reason
    flipped = verdict(setting, Broken(setting["module"], "channels flipped").eval(), "tflite", "int8", tmp_path / "bad", {})
    assert not flipped.passed and any("Dice" in reason or "mean |diff|" in reason for reason in flipped.reasons)
