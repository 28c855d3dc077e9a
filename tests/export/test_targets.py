"""The targets table drives names, suffixes, precisions and the install hint."""

from __future__ import annotations

import pytest

from edgeseg.errors import EdgesegError
from edgeseg.export import PRECISIONS, TARGETS
from edgeseg.export.targets import resolve_precisions, resolve_targets


def test_table_lists_the_three_targets_with_their_suffixes():
    assert {name: target.suffix for name, target in TARGETS.items()} == {"onnx": ".onnx", "tflite": ".tflite", "coreml": ".mlpackage"}
    assert TARGETS["tflite"].default_layout == "nhwc" and TARGETS["onnx"].default_layout == "nchw"
    for target in TARGETS.values():
        assert set(target.precisions) <= set(PRECISIONS) and "fp32" in target.precisions


def test_all_and_a_mistyped_target():
    assert [t.name for t in resolve_targets("all")] == ["onnx", "tflite", "coreml"]
    with pytest.raises(EdgesegError, match="unknown target 'tflte'.*Did you mean 'tflite'"):
        resolve_targets("tflte")


def test_default_precisions_and_int8():
    tflite, onnx = TARGETS["tflite"], TARGETS["onnx"]
    assert resolve_precisions(tflite, int8=False) == ["fp32", "fp16"]
    assert resolve_precisions(tflite, int8=True) == ["fp32", "fp16", "int8", "int8-dynamic"]
    assert resolve_precisions(onnx, int8=True) == ["fp32", "fp16", "int8"]
    assert resolve_precisions(onnx, int8=False, requested=["int8", "int8-dynamic"]) == ["int8"]
    with pytest.raises(EdgesegError, match="unknown precision int4"):
        resolve_precisions(onnx, int8=False, requested=["int4"])


def test_file_names_say_precision_and_a_non_default_layout():
    assert TARGETS["tflite"].filename("u2xs_mt", "int8", "nhwc") == "u2xs_mt_int8.tflite"
    assert TARGETS["tflite"].filename("u2xs_mt", "fp32", "nchw") == "u2xs_mt_fp32_nchw.tflite"


def test_missing_packages_name_the_extra(monkeypatch):
    target = TARGETS["coreml"]
    monkeypatch.setattr(type(target), "missing_modules", lambda self: ["coremltools"])
    with pytest.raises(EdgesegError, match=r"pip install 'edgeseg\[export\]'"):
        target.require()
