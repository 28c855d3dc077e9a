"""`edgeseg web measure`: the page's model run in headless Chromium against native runtimes, and
the bytes of a first visit.

One invocation is one run: the page analyses the photograph (so its model input is the real
preprocessed square) and times ``runs`` model runs after two warm-up runs; then native ONNX
Runtime on the ONNX twin (``--onnx``) and the native LiteRT interpreter on the page's own
``.tflite`` time the same input the same way, one after the other. The machine's load hits the
runs differently, so compare the ratios of one invocation, not figures across invocations.
The first-visit bytes are the response bodies the server sent (gzip-compressed where the
browser accepted it), including the service worker's caching, which revalidates files the
page already fetched (304, no body).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.web.browser import drive, serving
from edgeseg.web.options import MeasureOptions

WARMUP = 2


@dataclass
class Timing:
    runtime: str
    file: str
    threads: int
    times_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


@dataclass
class PageMeasurement:
    timings: list[Timing]
    transfers: list[tuple[str, int, int]] = field(default_factory=list)
    page: dict = field(default_factory=dict)

    def rows(self) -> list[list[object]]:
        native = next((t.median for t in self.timings if t.runtime.startswith("ONNX Runtime")), None)
        return [[t.runtime, t.file, t.threads, round(t.median), round(min(t.times_ms)),
                 f"{t.median / native:.2f}x" if native else "-"] for t in self.timings]

    def transfer_by_kind(self) -> dict[str, int]:
        kinds = {"runtime (vendor/)": 0, "model (model/)": 0, "page code and files": 0}
        for path, _, size in self.transfers:
            kind = "runtime (vendor/)" if path.startswith("/vendor/") else "model (model/)" if path.startswith("/model/") else "page code and files"
            kinds[kind] += size
        return kinds

    def transfer_text(self) -> str:
        total = sum(size for _, _, size in self.transfers)
        parts = ", ".join(f"{kind} {size / 1e6:.2f} MB" for kind, size in self.transfer_by_kind().items())
        revalidated = sum(1 for _, status, _ in self.transfers if status == 304)
        return (f"First visit: {total / 1e6:.2f} MB in {len(self.transfers)} responses ({revalidated} of them 304 revalidations "
                f"by the service worker), gzip where accepted: {parts}.")


def measure_page(folder: str | Path, photo: str | Path, onnx: str | Path | None = None, runs: int = MeasureOptions.runs,
                 threads: int = MeasureOptions.threads,
                 screenshot: str | Path | None = None) -> PageMeasurement:
    """Time the page's model and the native runtimes on ``photo``'s model input; see the module doc."""
    folder, photo = Path(folder), Path(photo)
    if not photo.is_file():
        raise EdgesegError(f"{photo}: file not found")
    model = next((p for p in (folder / "model").glob("*") if p.suffix in (".tflite", ".onnx")), None)
    if model is None:
        raise EdgesegError(f"{folder}: no built page with a model here; run `edgeseg web build --out {folder}`")
    with tempfile.TemporaryDirectory(prefix="edgeseg-web-bench-") as scratch, serving(folder) as (url, server):
        input_file = Path(scratch) / "input.bin"
        shot = {"screenshot": str(Path(screenshot).resolve())} if screenshot else {}
        report = drive({"url": url, "profile": str(Path(scratch) / "profile"), "photos": [{"path": str(photo), **shot}],
                        "bench": runs, "bench_input": str(input_file)})
        if report.get("error") or not report.get("bench"):
            raise EdgesegError(f"the page failed: {report.get('error') or report.get('photos')}")
        transfers = list(server.transfers)
        bench = report["bench"]
        model_input = np.fromfile(input_file, "<f4").reshape(bench["shape"])
    page_runtime = report["ready"]["runtime"]
    timings = [Timing(f"{page_runtime['name']} in Chromium", model.name, page_runtime["threads"], bench["times"])]
    if onnx:
        timings.insert(0, Timing("ONNX Runtime (native)", Path(onnx).name, threads, _onnxruntime_times(Path(onnx), model_input, bench["layout"], runs, threads)))
    elif model.suffix == ".onnx":
        timings.insert(0, Timing("ONNX Runtime (native)", model.name, threads, _onnxruntime_times(model, model_input, bench["layout"], runs, threads)))
    if model.suffix == ".tflite":
        timings.append(Timing("LiteRT interpreter (native)", model.name, threads, _litert_times(model, model_input, runs, threads)))
    return PageMeasurement(timings, transfers, report)


def _timed(run, runs: int) -> list[float]:
    times = []
    for index in range(runs + WARMUP):
        start = time.perf_counter()
        run()
        if index >= WARMUP:
            times.append((time.perf_counter() - start) * 1000)
    return times


def _onnxruntime_times(path: Path, model_input: np.ndarray, layout: str, runs: int, threads: int) -> list[float]:
    import onnxruntime

    from edgeseg.export import read_metadata

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    wanted = read_metadata(path)["input"]["layout"]
    feed = model_input if wanted == layout else np.ascontiguousarray(model_input.transpose((0, 3, 1, 2) if wanted == "nchw" else (0, 2, 3, 1)))
    name = session.get_inputs()[0].name
    return _timed(lambda: session.run(None, {name: feed}), runs)


def _litert_times(path: Path, model_input: np.ndarray, runs: int, threads: int) -> list[float]:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(path), num_threads=threads)
    interpreter.allocate_tensors()
    index = interpreter.get_input_details()[0]["index"]

    def run() -> None:
        interpreter.set_tensor(index, model_input)
        interpreter.invoke()

    return _timed(run, runs)
