"""The formats table drives names, suffixes, precisions, runtimes and the install hint."""

from __future__ import annotations

import pytest

from edgeseg.errors import EdgesegError
from edgeseg.inference.formats import EXPORT_FORMATS, FORMATS, PRECISIONS, format_of, resolve_precisions, resolve_targets


def test_table_lists_every_format_with_its_suffix_and_runtime():
    assert {name: item.suffix for name, item in FORMATS.items()} == {
        "pytorch": ".safetensors", "onnx": ".onnx", "tflite": ".tflite", "coreml": ".mlpackage"}
    assert {name: item.runtime for name, item in FORMATS.items()} == {
        "pytorch": "pytorch", "onnx": "onnxruntime", "tflite": "litert", "coreml": "coreml"}
    assert list(EXPORT_FORMATS) == ["onnx", "tflite", "coreml"]
    assert FORMATS["tflite"].default_layout == "nhwc" and FORMATS["onnx"].default_layout == "nchw"
    for item in FORMATS.values():
        assert set(item.precisions) <= set(PRECISIONS) and "fp32" in item.precisions


def test_a_file_is_known_by_its_suffix():
    assert format_of("runs/x/best.safetensors").name == "pytorch"
    assert format_of("m_int8.TFLITE").name == "tflite"
    with pytest.raises(EdgesegError, match="not a model file"):
        format_of("photo.jpg")


def test_all_and_a_mistyped_target():
    assert [t.name for t in resolve_targets("all")] == ["onnx", "tflite", "coreml"]
    with pytest.raises(EdgesegError, match="unknown target 'tflte'.*Did you mean 'tflite'"):
        resolve_targets("tflte")
    with pytest.raises(EdgesegError, match="unknown target 'pytorch'"):
        resolve_targets("pytorch")  # trained, not exported


def test_default_precisions_and_int8():
    tflite, onnx = FORMATS["tflite"], FORMATS["onnx"]
    assert resolve_precisions(tflite, int8=False) == ["fp32", "fp16"]
    assert resolve_precisions(tflite, int8=True) == ["fp32", "fp16", "int8", "int8-dynamic"]
    assert resolve_precisions(onnx, int8=True) == ["fp32", "fp16", "int8"]
    assert resolve_precisions(onnx, int8=False, requested=["int8", "int8-dynamic"]) == ["int8"]
    with pytest.raises(EdgesegError, match="unknown precision int4"):
        resolve_precisions(onnx, int8=False, requested=["int4"])


def test_file_names_say_precision_and_a_non_default_layout():
    assert FORMATS["tflite"].filename("u2xs_mt", "int8", "nhwc") == "u2xs_mt_int8.tflite"
    assert FORMATS["tflite"].filename("u2xs_mt", "fp32", "nchw") == "u2xs_mt_fp32_nchw.tflite"


def test_missing_packages_name_the_extra(monkeypatch):
    target = FORMATS["coreml"]
    monkeypatch.setattr(type(target), "missing", lambda self, purpose="export": ["coremltools"])
    with pytest.raises(EdgesegError, match=r"pip install 'edgeseg\[export\]'"):
        target.require()


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_record_names_the_runner_and_exporter_that_exist(name):
    """open_runner and edgeseg export reach a format only through its record: a wrong name fails here."""
    import inspect

    from edgeseg.export.exporter import export_function
    from edgeseg.inference.runners import Runner, runner_class

    item = FORMATS[name]
    assert issubclass(runner_class(item), Runner)
    assert list(inspect.signature(runner_class(item)).parameters)[:4] == ["info", "threads", "device", "lean"]
    if item.exportable:
        assert export_function(item).__name__ == f"export_{name}"
    else:
        with pytest.raises(EdgesegError, match="trained, not exported"):
            export_function(item)


def test_open_runner_takes_a_size_for_pytorch_and_refuses_one_for_an_export(tmp_path):
    from edgeseg.embedded import default_model_path
    from edgeseg.inference.runners import open_runner

    assert open_runner(default_model_path(), threads=1, size=256).info.preprocessing.size == 256
    onnx = default_model_path(".onnx")
    assert open_runner(onnx, threads=1, size=512).info.preprocessing.size == 512
    with pytest.raises(EdgesegError, match="runs at its own size"):
        open_runner(onnx, threads=1, size=256)
