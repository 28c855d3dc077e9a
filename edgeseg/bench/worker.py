"""One timing measurement in a fresh process: ``python -m edgeseg.bench.worker SPEC_JSON``.

Loads one subject, records the resident memory before and after loading, runs ``warmup``
untimed and ``runs`` timed inferences on one fixed input, and prints a JSON line with the
times (ms), the memory (MB) and the peak resident set size of the process.
"""

from __future__ import annotations

import json
import resource
import sys
import time


def _status_mb(field: str) -> float:
    """A memory field of /proc/self/status in MB (0 where /proc is unavailable)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def resident_mb() -> float:
    """Current resident set size of this process."""
    return _status_mb("VmRSS")


def peak_mb() -> float:
    """Peak resident set size of this process: VmHWM, the high-water mark of its own memory map.
    (``ru_maxrss`` is not used: Linux carries the parent's peak over fork and exec into it, so a
    runner started from a large process would report the parent's memory.)"""
    peak = _status_mb("VmHWM")
    if peak:
        return peak
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes / (1024 * 1024) if sys.platform == "darwin" else kilobytes / 1024


def measure(spec: dict) -> dict:
    """Load the model file ``spec["path"]`` (at ``spec["size"]`` for a PyTorch model when given)
    and time it; only the PyTorch runner imports torch."""
    from dataclasses import replace

    import numpy as np

    from edgeseg.inference.model_info import read_info
    from edgeseg.inference.runners import RUNNERS, TorchRunner

    info = read_info(spec["path"])
    if spec.get("size") and info.format.name == "pytorch":
        info = replace(info, preprocessing=info.preprocessing.with_size(int(spec["size"])))
    size = info.preprocessing.size
    square = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
    baseline = resident_mb()
    if info.format.name == "pytorch":
        runner = TorchRunner(info, threads=spec.get("threads"))
    else:
        runner = RUNNERS[info.format.name](info, spec.get("threads"))
    run = runner.lesion_maps
    loaded = resident_mb()
    for _ in range(spec.get("warmup", 2)):
        run(square)
    times = []
    for _ in range(spec["runs"]):
        start = time.perf_counter()
        run(square)
        times.append((time.perf_counter() - start) * 1000)
    return {"times_ms": times, "rss_baseline_mb": baseline, "rss_loaded_mb": loaded, "rss_end_mb": resident_mb(), "peak_rss_mb": peak_mb(),
            "size": size, "torch_imported": "torch" in sys.modules}


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    print(json.dumps(measure(json.loads(sys.argv[1]))))
