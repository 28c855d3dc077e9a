"""Exporting a tiny trained model to every target and precision, verified; metadata read back
from every file; golden vectors checked against PyTorch; failures leave no file that looks valid.
Needs the export extra (skipped without it)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("litert_torch")
pytest.importorskip("coremltools")

from edgeseg.cli import main  # noqa: E402
from edgeseg.export import read_metadata  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(scope="module")
def exported(trained_tiny_model_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    code = main(["export", "--model", str(trained_tiny_model_file), "--target", "all", "--int8", "--out", str(out),
                 "--calib-images", "4", "--verify-images", "4"])
    return code, out


def test_every_target_and_precision_passes_verification(exported, capsys):
    code, out = exported
    assert code == 0
    names = sorted(path.name for path in out.iterdir())
    for name in ("trained_unet_fp32.onnx", "trained_unet_fp16.onnx", "trained_unet_int8.onnx", "trained_unet_fp32.tflite",
                 "trained_unet_fp16.tflite", "trained_unet_int8.tflite", "trained_unet_int8-dynamic.tflite",
                 "trained_unet_fp32.mlpackage", "trained_unet_fp16.mlpackage", "trained_unet_int8.mlpackage"):
        assert name in names
    assert not [name for name in names if name.endswith(".failed") or ".partial" in name]


def test_the_same_metadata_comes_back_from_every_format(exported):
    _, out = exported
    read = {path.suffix: read_metadata(path) for path in (out / "trained_unet_fp32.onnx", out / "trained_unet_fp32.tflite", out / "trained_unet_fp32.mlpackage")}
    assert {meta["target"] for meta in read.values()} == {"onnx", "tflite", "coreml"}
    common = {key for key in read[".onnx"] if key not in ("target", "input", "output", "outputs", "created", "file")}
    for meta in read.values():
        assert meta["lesions"] == ["MA", "HE", "EX", "SE"]
        assert meta["preprocessing"]["mean"] == [0.5, 0.25, 0.1] and not meta["preprocessing"]["clahe"]["enabled"]
        assert "synthetic" in meta["verification_images"] and "ranks the lesions best" in meta["verification_images"]
        assert meta["input"]["name"] == "image" and meta["output"]["name"] == "lesion_probs"
        assert {key: meta[key] for key in common} == {key: read[".onnx"][key] for key in common}
    assert read[".tflite"]["input"]["layout"] == "nhwc" and read[".tflite"]["input"]["shape"] == [1, 64, 64, 3]
    assert "calibration_images" in read_metadata(out / "trained_unet_int8.onnx")
    assert read[".onnx"]["input"]["shape"] == [1, 3, 64, 64]


def test_inspect_prints_the_metadata(exported, capsys):
    _, out = exported
    assert main(["export", "--inspect", str(out / "trained_unet_int8.tflite")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["precision"] == "int8" and printed["thresholds"] == {"MA": 0.5, "HE": 0.5, "EX": 0.5, "SE": 0.5}


@pytest.mark.parametrize("name, tolerance", [("trained_unet_fp32.tflite", 1e-4), ("trained_unet_fp32.onnx", 1e-4),
                                             ("trained_unet_fp16.tflite", 5e-2)])
def test_golden_vectors_hold_pytorchs_output_and_the_file_reproduces_it(exported, trained_tiny_model_file, name, tolerance):
    """The golden output is checked against PyTorch's for the same input, not only against the
    file that wrote it: PyTorch is run again on the golden input, and the file's output on it
    must agree with PyTorch's within the precision's bound."""
    import torch

    from edgeseg.checkpoint import load_model
    from edgeseg.inference.preprocessing import Preprocessing
    from edgeseg.inference.runners import open_runner
    from edgeseg.inference.torch_module import PixelsToProbabilities

    _, out = exported
    model = out / name
    golden = model.with_name(model.name + ".golden")
    spec = json.loads((golden / "golden.json").read_text())
    model_input = np.fromfile(golden / "input_f32.bin", "<f4").reshape(spec["input"]["shape"])
    written = np.fromfile(golden / "output_f32.bin", "<f4").reshape(spec["output"]["shape"])
    pytorch_output = np.fromfile(golden / "reference_f32.bin", "<f4").reshape(spec["reference"]["shape"])
    network, card = load_model(trained_tiny_model_file)
    module = PixelsToProbabilities(network, Preprocessing.from_dict(card["preprocessing"])).eval()
    nchw = model_input.transpose(0, 3, 1, 2) if spec["layout"] == "nhwc" else model_input
    with torch.no_grad():
        again = module(torch.from_numpy(np.ascontiguousarray(nchw))).numpy()
    again = again.transpose(0, 2, 3, 1) if spec["layout"] == "nhwc" else again
    np.testing.assert_allclose(pytorch_output, again, atol=1e-5)
    assert np.abs(open_runner(model).run_batch(model_input)["lesion_probs"] - pytorch_output).max() <= tolerance
    np.testing.assert_allclose(written, open_runner(model).run_batch(model_input)["lesion_probs"], atol=1e-6)
    assert model_input.max() <= 255 and set(spec["lesion_summary"]) == {"MA", "HE", "EX", "SE"}
    assert spec["model_file"] == name  # the file as placed, not the partial file it was verified as


def test_a_corrupted_exported_file_is_a_clear_error(exported, tmp_path, capsys):
    _, out = exported
    for name in ("trained_unet_fp32.onnx", "trained_unet_fp32.tflite"):
        broken = tmp_path / name
        broken.write_bytes((out / name).read_bytes()[:2000])
        assert main(["export", "--inspect", str(broken)]) == 1
        assert str(broken) in capsys.readouterr().err
    from edgeseg.errors import EdgesegError
    from edgeseg.inference.runners import open_runner

    with pytest.raises(EdgesegError, match="trained_unet_fp32.onnx: cannot be read as a .onnx model.*re-export it"):
        open_runner(tmp_path / "trained_unet_fp32.onnx")


def test_a_corrupted_weights_file_exits_1_and_writes_nothing(tmp_path, capsys):
    weights = tmp_path / "broken.safetensors"
    weights.write_bytes(b"\x00" * 64)
    out = tmp_path / "out"
    assert main(["export", "--model", str(weights), "--target", "onnx", "--out", str(out)]) == 1
    assert "broken.safetensors" in capsys.readouterr().err
    assert not out.exists()


def test_a_failed_verification_exits_1_and_leaves_no_valid_looking_file(tiny_model_file, tmp_path, monkeypatch, capsys):
    from edgeseg.inference.parity import TOLERANCES, Tolerance

    monkeypatch.setitem(TOLERANCES, "fp32", Tolerance(-1.0, 1.0, 0.0, 1.0))
    out = tmp_path / "out"
    assert main(["export", "--model", str(tiny_model_file), "--target", "onnx", "--precision", "fp32", "--out", str(out),
                 "--verify-images", "2"]) == 1
    assert "max |diff|" in capsys.readouterr().out
    assert sorted(path.name for path in out.iterdir()) == ["tiny_unet_fp32.onnx.failed"]


def test_an_interrupted_export_leaves_nothing(tiny_model_file, tmp_path, monkeypatch):
    from edgeseg.export import exporter, onnx_export

    def interrupted(job, path):
        path.write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(onnx_export, "export_onnx", interrupted)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        exporter.export_model(exporter.ExportOptions(weights=str(tiny_model_file), target="onnx", out=str(out)), log=lambda _: None)
    assert list(out.iterdir()) == []


def test_int8_onnx_keeps_its_output_head_in_float(exported):
    """The sigmoid and the convolutions feeding it stay float; the rest is quantized."""
    import onnx

    from edgeseg.export.onnx_export import output_head

    _, out = exported
    fp32 = onnx.load(str(out / "trained_unet_fp32.onnx"))
    head = output_head(fp32)
    kinds = [node.op_type for node in fp32.graph.node if node.name in head]
    assert kinds.count("Conv") == 2 and "Sigmoid" in kinds
    int8 = onnx.load(str(out / "trained_unet_int8.onnx"))
    producer = {output: node for node in int8.graph.node for output in node.output}
    sigmoid = next(node for node in int8.graph.node if node.op_type == "Sigmoid")
    assert producer[sigmoid.input[0]].op_type == "Conv"  # float logits, no DequantizeLinear between
    assert any(node.op_type == "QuantizeLinear" for node in int8.graph.node)


def test_metadata_names_the_source_relative_to_the_working_directory(trained_tiny_model_file, tmp_path, monkeypatch):
    """Bug fix: the source was recorded as this machine's absolute path, which bench results then
    carried into tracked files; inside the working directory it is now relative."""
    monkeypatch.chdir(trained_tiny_model_file.parent)
    out = trained_tiny_model_file.parent / "exports-relative"
    assert main(["export", "--model", str(trained_tiny_model_file.absolute()), "--target", "onnx", "--out", str(out),
                 "--verify-images", "2"]) == 0
    (onnx,) = out.glob("*_fp32.onnx")
    assert read_metadata(onnx)["source"]["file"] == trained_tiny_model_file.name


def test_int8_onnx_weights_fit_in_7_bits(exported):
    """No pair of uint8 x int8 products can saturate ONNX Runtime's 16-bit sums on x86 CPUs
    without VNNI: every int8 weight lies in [-64, 63] (255 x 64 x 2 < 32768)."""
    import onnx
    from onnx import numpy_helper

    _, out = exported
    int8 = onnx.load(str(out / "trained_unet_int8.onnx"))
    weights = [numpy_helper.to_array(t) for t in int8.graph.initializer if t.data_type == onnx.TensorProto.INT8 and t.dims]
    assert weights, "no int8 weights in the file"
    assert max(int(np.abs(w.astype(np.int32)).max()) for w in weights) <= 64
