"""`edgeseg web build` and `edgeseg web serve` without a browser: the built folder, its
build.json and service-worker version, the gzip twins, the headers threads need, revalidation,
and the one-line errors. The model is a stand-in .tflite: placeholder bytes with the edgeseg
metadata appended as a zip, the documented layout of an exported file (README, Export)."""

from __future__ import annotations

import gzip
import io
import json
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from edgeseg.cli import main
from edgeseg.web.browser import serving
from edgeseg.web.build import WEB_DEMO, build_page

METADATA = {
    "format": "edgeseg-export-v1", "target": "tflite", "precision": "fp32", "model": "stand-in",
    "lesions": ["MA", "HE"], "lesion_names": {"MA": "microaneurysms", "HE": "haemorrhages"},
    "input": {"name": "image", "shape": [1, 64, 64, 3], "layout": "nhwc", "dtype": "float32"},
    "output": {"name": "lesion_probs", "shape": [1, 64, 64, 2], "layout": "nhwc"},
    "preprocessing": {"size": 64, "fov_crop": True, "pad_square": True, "clahe": {"enabled": True, "clip_limit": 2.0, "tile_grid": 8}},
    "thresholds": {"MA": 0.3, "HE": 0.5}, "notice": "Research use only.",
}
needs_runtime = pytest.mark.skipif(not (WEB_DEMO / "node_modules" / "@litertjs" / "core").is_dir(),
                                   reason=f"LiteRT.js is not installed: run `npm ci` in {WEB_DEMO}")


def stand_in_tflite(path: Path, metadata: dict = METADATA) -> Path:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("edgeseg_metadata.json", json.dumps(metadata))
    path.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(2000) + archive.getvalue())
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("web")
    return build_page(stand_in_tflite(folder / "stand_in_fp32.tflite"), folder / "page", log=lambda *_: None)


@needs_runtime
def test_build_holds_page_runtime_model_and_versioned_service_worker(built, tmp_path: Path) -> None:
    out = built.folder
    assert built.folder == out and built.runtime == "LiteRT.js"
    build = json.loads((out / "build.json").read_text())
    paths = {entry["path"] for entry in build["files"]}
    assert {"index.html", "app.js", "worker.js", "sw.js", "manifest.webmanifest", "fundus/opencv/clahe.js",
            "model/stand_in_fp32.tflite", "model/metadata.json", "vendor/litertjs/core.js",
            "vendor/litertjs/wasm/litert_wasm_threaded_internal.wasm"} <= paths
    assert "engine-onnx.js" not in paths and not (out / "vendor" / "onnxruntime-web").exists()
    assert json.loads((out / "model" / "metadata.json").read_text()) == METADATA
    assert build["model"]["file"] == "model/stand_in_fp32.tflite" and build["runtime"]["engine"] == "engine-litert.js"
    # The browser imports the runtime without a bundler: its npm import is rewritten to a path.
    assert '"@litertjs/wasm-utils"' not in (out / "vendor" / "litertjs" / "core.js").read_text()
    # Single-threaded builds are cached on use, not on install; the threaded one is cached on install.
    optional = {entry["path"] for entry in build["files"] if entry.get("optional")}
    assert "vendor/litertjs/wasm/litert_wasm_compat_internal.wasm" in optional
    assert "vendor/litertjs/wasm/litert_wasm_threaded_internal.wasm" not in optional
    service_worker = (out / "sw.js").read_text()
    assert f"const VERSION = '{build['version']}';" in service_worker
    wasm = out / "vendor" / "litertjs" / "wasm" / "litert_wasm_threaded_internal.wasm"
    assert gzip.decompress((wasm.parent / (wasm.name + ".gz")).read_bytes()) == wasm.read_bytes()

    # A new model gives a new version, so phones that cached the old page fetch the new one.
    model = stand_in_tflite(tmp_path / "stand_in_fp32.tflite", {**METADATA, "thresholds": {"MA": 0.4, "HE": 0.5}})
    rebuilt = build_page(model, tmp_path / "page", log=lambda *_: None)
    assert json.loads((rebuilt.folder / "build.json").read_text())["version"] != build["version"]


@needs_runtime
def test_build_errors_name_the_file_and_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    model = stand_in_tflite(tmp_path / "m.tflite")
    assert main(["web", "build", "--model", str(model), "--out", str(tmp_path / "notes")]) == 1
    assert "is not an earlier page build" in capsys.readouterr().err
    assert (tmp_path / "notes" / "mine.txt").read_text() == "keep me"

    other = tmp_path / "model.pt"
    other.write_bytes(b"x")
    assert main(["web", "build", "--model", str(other), "--out", str(tmp_path / "page")]) == 1
    assert "runs .onnx (onnxruntime-web) or .tflite (LiteRT.js) files" in capsys.readouterr().err

    bare = tmp_path / "bare.tflite"
    bare.write_bytes(b"\x1c\x00\x00\x00TFL3")
    assert main(["web", "build", "--model", str(bare), "--out", str(tmp_path / "page")]) == 1
    assert "bare.tflite" in capsys.readouterr().err
    assert not (tmp_path / "page").exists()

    # an installation without the page's sources (a non-editable install) is told where to point
    assert main(["web", "build", "--model", str(model), "--out", str(tmp_path / "page"), "--source", str(tmp_path / "notes")]) == 1
    assert "no web_demo sources" in (error := capsys.readouterr().err) and "--source path/to/edgeseg/web_demo" in error
    assert not (tmp_path / "page").exists()


@needs_runtime
def test_serve_sends_isolation_headers_gzip_and_revalidates(built) -> None:
    out = built.folder
    with serving(out) as (url, server):
        def get(path: str, **headers: str):
            return urllib.request.urlopen(urllib.request.Request(url + path, headers=headers))

        page = get("")
        assert page.headers["Cross-Origin-Opener-Policy"] == "same-origin"
        assert page.headers["Cross-Origin-Embedder-Policy"] == "require-corp"
        assert page.headers["Content-Type"].startswith("text/html")
        wasm = "vendor/litertjs/wasm/litert_wasm_threaded_internal.wasm"
        packed = get(wasm, **{"Accept-Encoding": "gzip, br"})
        assert packed.headers["Content-Encoding"] == "gzip" and packed.headers["Content-Type"] == "application/wasm"
        body = packed.read()
        assert gzip.decompress(body) == (out / wasm).read_bytes()
        plain = get(wasm)
        assert plain.headers["Content-Encoding"] is None and plain.read() == (out / wasm).read_bytes()
        with pytest.raises(urllib.error.HTTPError) as unchanged:
            get(wasm, **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
        assert unchanged.value.code == 304
        with pytest.raises(urllib.error.HTTPError) as missing:
            get(wasm + ".gz")
        assert missing.value.code == 404
        assert (f"/{wasm}", 200, len(body)) in server.transfers and (f"/{wasm}", 304, 0) in server.transfers


def test_serve_refuses_a_folder_without_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "serve", str(tmp_path), "--port", "0"]) == 1
    assert "run `edgeseg web build" in capsys.readouterr().err


def test_web_measure_names_a_missing_photograph_and_a_folder_without_a_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["web", "measure", str(tmp_path), "--photo", str(tmp_path / "missing.jpg")]) == 1
    error = capsys.readouterr().err
    assert error.strip().count("\n") == 0 and "missing.jpg: file not found" in error, error
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"not looked at before the page is")
    assert main(["web", "measure", str(tmp_path), "--photo", str(photo)]) == 1
    assert "no built page with a model here; run `edgeseg web build" in capsys.readouterr().err


def test_web_demo_sources_and_lock_file_are_committed_together() -> None:
    """npm ci installs exactly the lock file's versions; a package.json without it would float."""
    package = json.loads((WEB_DEMO / "package.json").read_text())
    lock = json.loads((WEB_DEMO / "package-lock.json").read_text())
    for name, version in {**package["dependencies"], **package["devDependencies"]}.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version, name


def test_converter_output_is_kept_out_of_the_terminal_and_kept_for_an_error(capfd):
    """`edgeseg web build` exports the default quietly (issue #32): what native code writes to the
    process's stdout and stderr while the converter runs is captured, not shown."""
    import os

    from edgeseg.web.build import _captured_output

    print("before", flush=True)
    with _captured_output() as captured:
        os.write(1, b"[START] LiteRT-Torch Convert\n")
        os.write(2, b"W0000 converter warning\n")
        inside = captured.read_text()
    print("after", flush=True)
    shown = capfd.readouterr()
    assert "LiteRT-Torch" not in shown.out + shown.err and "converter warning" not in shown.err
    assert "before" in shown.out and "after" in shown.out
    assert "LiteRT-Torch" in inside and "converter warning" in inside


def test_a_non_editable_install_finds_the_checkouts_web_demo_in_the_working_folder(tmp_path, monkeypatch) -> None:
    """Issue #32: after `pip install ".[export]"` (no web_demo beside the installed package), the
    README's `edgeseg web build`, run in the checkout, builds from ./web_demo."""
    from edgeseg.web import build

    checkout = tmp_path / "checkout"
    (checkout / "web_demo" / "src").mkdir(parents=True)
    (checkout / "web_demo" / "src" / "index.html").write_text("<!doctype html>")
    monkeypatch.setattr(build, "WEB_DEMO", tmp_path / "site-packages" / "web_demo")  # what a non-editable install has
    monkeypatch.chdir(checkout)
    assert build.web_demo_folder() == checkout / "web_demo"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(build.EdgesegError, match="run this in the checkout's folder, or pass its web_demo with --source"):
        build.web_demo_folder()
