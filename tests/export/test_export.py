"""Exporting a tiny model to every target and precision, verified; metadata read back from every
file; failures leave no file that looks valid. Needs the export extra (skipped without it)."""

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
def exported(tiny_model_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports")
    code = main(["export", "--weights", str(tiny_model_file), "--target", "all", "--int8", "--out", str(out),
                 "--calib-images", "4", "--verify-images", "3"])
    return code, out


def test_every_target_and_precision_passes_verification(exported, capsys):
    code, out = exported
    assert code == 0
    names = sorted(path.name for path in out.iterdir())
    for name in ("tiny_unet_fp32.onnx", "tiny_unet_fp16.onnx", "tiny_unet_int8.onnx", "tiny_unet_fp32.tflite",
                 "tiny_unet_fp16.tflite", "tiny_unet_int8.tflite", "tiny_unet_int8-dynamic.tflite",
                 "tiny_unet_fp32.mlpackage", "tiny_unet_fp16.mlpackage", "tiny_unet_int8.mlpackage"):
        assert name in names
    assert not [name for name in names if name.endswith(".failed") or ".partial" in name]


def test_the_same_metadata_comes_back_from_every_format(exported):
    _, out = exported
    read = {path.suffix: read_metadata(path) for path in (out / "tiny_unet_fp32.onnx", out / "tiny_unet_fp32.tflite", out / "tiny_unet_fp32.mlpackage")}
    assert {meta["target"] for meta in read.values()} == {"onnx", "tflite", "coreml"}
    common = {key for key in read[".onnx"] if key not in ("target", "input", "output", "created", "file")}
    for meta in read.values():
        assert meta["lesions"] == ["MA", "HE", "EX", "SE"]
        assert meta["preprocessing"]["mean"] == [0.56, 0.27, 0.08] and meta["preprocessing"]["clahe"]["enabled"]
        assert meta["input"]["name"] == "image" and meta["output"]["name"] == "lesion_probs"
        assert {key: meta[key] for key in common} == {key: read[".onnx"][key] for key in common}
    assert read[".tflite"]["input"]["layout"] == "nhwc" and read[".tflite"]["input"]["shape"] == [1, 64, 64, 3]
    assert read[".onnx"]["input"]["shape"] == [1, 3, 64, 64]


def test_inspect_prints_the_metadata(exported, capsys):
    _, out = exported
    assert main(["export", "--inspect", str(out / "tiny_unet_int8.tflite")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["precision"] == "int8" and printed["thresholds"] == {"MA": 0.5, "HE": 0.5, "EX": 0.5, "SE": 0.5}


def test_golden_vectors_replay_through_the_exported_file(exported):
    from edgeseg.export.runtime import open_runner

    _, out = exported
    model = out / "tiny_unet_fp32.tflite"
    golden = model.with_name(model.name + ".golden")
    spec = json.loads((golden / "golden.json").read_text())
    model_input = np.fromfile(golden / "input_f32.bin", "<f4").reshape(spec["input"]["shape"])
    expected = np.fromfile(golden / "output_f32.bin", "<f4").reshape(spec["output"]["shape"])
    assert spec["input"]["shape"] == [1, 64, 64, 3] and model_input.max() <= 255
    np.testing.assert_allclose(open_runner(model)(model_input), expected, atol=1e-6)
    assert set(spec["lesion_summary"]) == {"MA", "HE", "EX", "SE"}


def test_a_corrupted_exported_file_is_a_clear_error(exported, tmp_path, capsys):
    _, out = exported
    for name in ("tiny_unet_fp32.onnx", "tiny_unet_fp32.tflite"):
        broken = tmp_path / name
        broken.write_bytes((out / name).read_bytes()[:2000])
        assert main(["export", "--inspect", str(broken)]) == 1
        assert str(broken) in capsys.readouterr().err
    from edgeseg.errors import EdgesegError
    from edgeseg.export.runtime import open_runner

    with pytest.raises(EdgesegError, match="cannot be loaded"):
        open_runner(tmp_path / "tiny_unet_fp32.onnx")


def test_a_corrupted_weights_file_exits_1_and_writes_nothing(tmp_path, capsys):
    weights = tmp_path / "broken.safetensors"
    weights.write_bytes(b"\x00" * 64)
    out = tmp_path / "out"
    assert main(["export", "--weights", str(weights), "--target", "onnx", "--out", str(out)]) == 1
    assert "broken.safetensors" in capsys.readouterr().err
    assert not out.exists()


def test_a_failed_verification_exits_1_and_leaves_no_valid_looking_file(tiny_model_file, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("edgeseg.export.verify.FP32_MAX_ABS", -1.0)
    out = tmp_path / "out"
    assert main(["export", "--weights", str(tiny_model_file), "--target", "onnx", "--precision", "fp32", "--out", str(out),
                 "--verify-images", "2"]) == 1
    assert "exceeds the fp32 tolerance" in capsys.readouterr().out
    assert sorted(path.name for path in out.iterdir()) == ["tiny_unet_fp32.onnx.failed"]


def test_an_interrupted_export_leaves_nothing(tiny_model_file, tmp_path, monkeypatch):
    from edgeseg.export import exporter

    def interrupted(job, path):
        path.write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setitem(exporter.EXPORTERS, "onnx", interrupted)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        exporter.export_model(exporter.ExportOptions(weights=str(tiny_model_file), target="onnx", out=str(out)), log=lambda _: None)
    assert list(out.iterdir()) == []


def test_int8_onnx_keeps_its_output_head_in_float(exported):
    """The sigmoid and the convolutions feeding it stay float; the rest is quantized."""
    import onnx

    from edgeseg.export.onnx_export import output_head

    _, out = exported
    fp32 = onnx.load(str(out / "tiny_unet_fp32.onnx"))
    head = output_head(fp32)
    kinds = [node.op_type for node in fp32.graph.node if node.name in head]
    assert kinds.count("Conv") == 2 and "Sigmoid" in kinds
    int8 = onnx.load(str(out / "tiny_unet_int8.onnx"))
    producer = {output: node for node in int8.graph.node for output in node.output}
    sigmoid = next(node for node in int8.graph.node if node.op_type == "Sigmoid")
    assert producer[sigmoid.input[0]].op_type == "Conv"  # float logits, no DequantizeLinear between
    assert any(node.op_type == "QuantizeLinear" for node in int8.graph.node)
