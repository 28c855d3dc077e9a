"""Build the screening page around an exported model: a static folder any web server can serve.

The page's sources live in ``web_demo/src`` of a source checkout; the browser runtime comes from
``web_demo/node_modules`` (``npm ci`` in ``web_demo/``), copied here so that nothing big is kept
in git. A build holds:

- the page (``index.html``, ``app.js``, the worker and the ``fundus/`` library, the web app
  manifest and the service worker ``sw.js``, stamped with the build's version);
- ``model/<file>`` and ``model/metadata.json``: the exported file and the metadata embedded in it
  (``edgeseg.export.read_metadata``), which the page reads everything model-specific from;
- ``vendor/``: the runtime for the file's format, onnxruntime-web for ``.onnx`` and LiteRT.js
  (``@litertjs/core``) for ``.tflite``;
- ``build.json``: the model, the runtime and every file with its size and SHA-256, which the
  service worker caches on the first visit so that the page then works offline;
- a ``.gz`` twin of every compressible file, which ``edgeseg web serve`` sends to browsers that
  accept gzip.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from edgeseg.errors import EdgesegError

WEB_DEMO = Path(__file__).resolve().parents[2] / "web_demo"
# The embedded default's export the page ships when no --model is given: in Chromium, LiteRT.js
# ran the fp32 TFLite file 1.34x slower than native ONNX Runtime ran the fp32 ONNX file, where
# onnxruntime-web took 2.83x (fp32) and 2.94x (int8); int8 TFLite was not faster in the browser and
# fails export's AUPR check for SE (docs/web_demo.md, Measurements).
DEFAULT_TARGET, DEFAULT_PRECISION = "tflite", "fp32"
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".svg", ".wasm", ".onnx", ".tflite"}
VERSION_PLACEHOLDER = "__EDGESEG_BUILD_VERSION__"


@dataclass(frozen=True)
class Runtime:
    """A browser runtime: its npm package, the files the page needs from it (source path in the
    package -> path under ``vendor/``), and the page's engine module that drives it."""

    name: str
    package: str
    files: dict[str, str]
    engine: str
    optional: tuple[str, ...] = ()  # vendor files the service worker caches on use, not on install
    rewrites: tuple[tuple[str, str, str], ...] = ()  # (vendor file, text, replacement)


RUNTIMES = {
    ".onnx": Runtime(
        name="onnxruntime-web",
        package="onnxruntime-web",
        files={
            "dist/ort.wasm.min.mjs": "onnxruntime-web/ort.wasm.min.mjs",
            "dist/ort-wasm-simd-threaded.mjs": "onnxruntime-web/ort-wasm-simd-threaded.mjs",
            "dist/ort-wasm-simd-threaded.wasm": "onnxruntime-web/ort-wasm-simd-threaded.wasm",
        },
        engine="engine-onnx.js",
    ),
    ".tflite": Runtime(
        name="LiteRT.js",
        package="@litertjs/core",
        files={
            "dist/index.js": "litertjs/core.js",
            "../wasm-utils/dist/index.js": "litertjs/wasm-utils.js",
            **{f"wasm/litert_wasm_{variant}.{ext}": f"litertjs/wasm/litert_wasm_{variant}.{ext}"
               for variant in ("threaded_internal", "internal", "compat_internal") for ext in ("js", "wasm")},
        },
        engine="engine-litert.js",
        # Threads need cross-origin isolation and relaxed SIMD; the single-threaded builds are for
        # browsers without them, which then fetch one of these on first use.
        optional=tuple(f"litertjs/wasm/litert_wasm_{variant}.{ext}" for variant in ("internal", "compat_internal") for ext in ("js", "wasm")),
        # The package imports its helper by its npm name; a browser without a bundler needs a path.
        rewrites=(("litertjs/core.js", 'from "@litertjs/wasm-utils"', 'from "./wasm-utils.js"'),),
    ),
}


@dataclass
class BuiltPage:
    folder: Path
    model: Path
    runtime: str
    files: int
    bytes: int
    gzip_bytes: int


def web_demo_folder(source: str | Path | None = None) -> Path:
    """The ``web_demo/`` folder the page is built from, checked: ``source`` when given; else the one
    beside this installation (an editable install of a checkout), else ``./web_demo`` (the checkout
    a non-editable ``pip install .`` was run from, as the README's commands run)."""
    candidates = [Path(source)] if source else [WEB_DEMO, Path.cwd() / "web_demo"]
    for folder in candidates:
        if (folder / "src" / "index.html").is_file():
            return folder
    raise EdgesegError(f"{candidates[0]}: no web_demo sources (src/index.html); the page is built from a source checkout of edgeseg: "
                       "run this in the checkout's folder, or pass its web_demo with --source path/to/edgeseg/web_demo")


def build_page(model: str | Path | None, out: str | Path, source: str | Path | None = None,
               log: Callable[[str], object] = print, verbose: bool = False) -> BuiltPage:
    """Build the page around ``model`` (an exported ``.onnx`` or ``.tflite``; the embedded default
    exported to fp32 TFLite when None, the converter's own output shown only when ``verbose``)
    into ``out``, replacing an earlier build there."""
    web_demo = web_demo_folder(source)
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not (out / "build.json").is_file():
        raise EdgesegError(f"{out}: folder exists and is not an earlier page build; pick an empty or new --out")
    with tempfile.TemporaryDirectory(prefix="edgeseg-web-") as scratch:
        if model is None:
            model = _export_default(Path(scratch) / "export", log, verbose)
        model = Path(model)
        runtime = RUNTIMES.get(model.suffix.lower())
        if runtime is None:
            raise EdgesegError(f"{model}: the page runs .onnx (onnxruntime-web) or .tflite (LiteRT.js) files; export one with edgeseg export")
        metadata = _checked_metadata(model)
        package = web_demo / "node_modules" / runtime.package
        if not package.is_dir():
            raise EdgesegError(f"{package}: {runtime.package} is not installed; run `npm ci` in {web_demo}")
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))  # beside out: the final rename stays on one disk
        try:
            _assemble(staging, web_demo, model, metadata, runtime, package)
            version = json.loads((package / "package.json").read_text()).get("version", "?")
            result = _finish(staging, model, runtime, version)
            _replace(out, staging)
        finally:
            if staging.exists():
                shutil.rmtree(staging)
    result.folder = out
    return result


def _export_default(folder: Path, log: Callable[[str], object], verbose: bool = False) -> Path:
    """The embedded default student exported and verified (the only step that imports torch); its
    verification in one line, and the converter's progress and warnings out of the terminal unless
    ``verbose`` (shown when the export fails)."""
    from edgeseg.export import ExportOptions
    from edgeseg.export.exporter import export_model

    log(f"Exporting the embedded default model to {DEFAULT_TARGET} {DEFAULT_PRECISION} (a few minutes) ...")
    options = ExportOptions(target=DEFAULT_TARGET, precisions=[DEFAULT_PRECISION], out=str(folder), golden=False)
    noise = ""
    if verbose:
        results = export_model(options, log=log)
    else:
        kept: list[str] = []  # only where the verification images come from is worth a line of its own
        with _captured_output() as captured:
            try:
                results = export_model(options, log=lambda line: kept.append(str(line)) if str(line).startswith("Verifying on") else None)
            finally:
                noise = captured.read_text(errors="replace")
        for line in kept:  # logged once the terminal is back: inside the block it would be captured too
            log(line)
    done = [r for r in results if r.path is not None and r.path.is_file() and r.path.suffix == f".{DEFAULT_TARGET}" and r.ok]
    if not done:
        print(noise[-4000:], file=sys.stderr, end="")
        reasons = "; ".join(r.message or r.status for r in results)
        raise EdgesegError(f"exporting the embedded default failed ({reasons}); pass an exported file with --model, or rerun with --verbose")
    result = done[0]
    checked = result.verification.summary() if result.verification is not None else "not verified"
    log(f"{result.path.name}: {result.status} against PyTorch ({checked}), {result.seconds:.0f} s")
    return result.path


@contextmanager
def _captured_output() -> Iterator[Path]:
    """The process's stdout and stderr (file descriptors 1 and 2, which the converters' native code
    writes to) into a temporary file while the block runs; yields the file's path."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryDirectory(prefix="edgeseg-quiet-") as scratch:
        path = Path(scratch) / "output.txt"
        with path.open("wb") as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            try:
                yield path
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                os.close(saved[0])
                os.close(saved[1])


def _checked_metadata(model: Path) -> dict:
    """The edgeseg metadata embedded in ``model``, with the entries the page needs."""
    from edgeseg.export import read_metadata

    if not model.is_file():
        raise EdgesegError(f"{model}: file not found")
    metadata = read_metadata(model)
    missing = [key for key in ("lesions", "input", "output", "preprocessing", "thresholds") if key not in metadata]
    if missing:
        raise EdgesegError(f"{model}: its metadata lacks {', '.join(missing)}; re-export it with this edgeseg")
    if metadata["input"].get("layout") not in ("nchw", "nhwc"):
        raise EdgesegError(f"{model}: unknown input layout {metadata['input'].get('layout')!r}; re-export it")
    return metadata


def _assemble(staging: Path, web_demo: Path, model: Path, metadata: dict, runtime: Runtime, package: Path) -> None:
    shutil.copytree(web_demo / "src", staging, dirs_exist_ok=True)
    for engine in {r.engine for r in RUNTIMES.values()} - {runtime.engine}:
        (staging / engine).unlink()
    vendor = staging / "vendor"
    for source, target in runtime.files.items():
        path = (package / source).resolve()
        if not path.is_file():
            raise EdgesegError(f"{path}: missing from the installed {runtime.package}; run `npm ci` in {web_demo}")
        (vendor / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, vendor / target)
    for target, text, replacement in runtime.rewrites:
        path = vendor / target
        content = path.read_text()
        if text not in content:
            raise EdgesegError(f"{path}: expected {text!r} in {runtime.package}; this version is not supported, run `npm ci` in {web_demo}")
        path.write_text(content.replace(text, replacement))
    (staging / "model").mkdir()
    shutil.copyfile(model, staging / "model" / model.name)
    (staging / "model" / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
    # The runtime's packages carry their licence in package.json only; say it beside the copy.
    about = json.loads((package / "package.json").read_text())
    repository = about.get("repository", {})
    (vendor / "NOTICE.txt").write_text(
        f"vendor/ holds files of the npm package {runtime.package} {about.get('version', '?')} and its dependencies, licence "
        f"{about.get('license', 'see the package')}, {repository.get('url', '') if isinstance(repository, dict) else repository}, "
        f"copied unchanged by `edgeseg web build`{' except for the import rewrites listed in edgeseg/web/build.py' if runtime.rewrites else ''}.\n")


def _finish(staging: Path, model: Path, runtime: Runtime, runtime_version: str) -> BuiltPage:
    """Stamp the version, write build.json and the gzip twins."""
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    digests = {p.relative_to(staging).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    version = hashlib.sha256(json.dumps(digests, sort_keys=True).encode()).hexdigest()[:16]
    worker = staging / "sw.js"
    worker.write_text(worker.read_text().replace(VERSION_PLACEHOLDER, version))
    digests["sw.js"] = hashlib.sha256(worker.read_bytes()).hexdigest()
    optional = {f"vendor/{path}" for path in runtime.optional}
    manifest = {
        "version": version,
        "model": {"file": f"model/{model.name}", "metadata": "model/metadata.json", "format": model.suffix.lstrip(".")},
        "runtime": {"name": runtime.name, "package": runtime.package, "version": runtime_version, "engine": runtime.engine},
        "files": [{"path": path, "bytes": (staging / path).stat().st_size, "sha256": digest,
                   **({"optional": True} if path in optional else {})} for path, digest in sorted(digests.items())],
    }
    (staging / "build.json").write_text(json.dumps(manifest, indent=2) + "\n")
    total = gzip_total = 0
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        data = path.read_bytes()
        total += len(data)
        packed = _gzip(data) if path.suffix in COMPRESSIBLE else data
        if len(packed) < len(data):
            path.with_name(path.name + ".gz").write_bytes(packed)
        gzip_total += min(len(packed), len(data))
    return BuiltPage(staging, model, runtime.name, len(manifest["files"]) + 1, total, gzip_total)


@functools.lru_cache(maxsize=64)
def _gzip(data: bytes) -> bytes:
    """gzip at level 6: within 0.5 % of level 9 on the runtime's WebAssembly, in 60 % of the time.
    Cached, so that rebuilding with the same runtime does not compress it again."""
    return gzip.compress(data, compresslevel=6, mtime=0)


def _replace(out: Path, staging: Path) -> None:
    """Move the finished build onto ``out`` (an earlier build there is removed first)."""
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
