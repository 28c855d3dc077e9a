"""One timing measurement in a fresh process: ``python -m edgeseg.bench.worker SPEC_JSON``.

Loads one subject, records the resident memory before and after loading, runs ``warmup``
untimed and ``runs`` timed inferences on one fixed input, and prints a JSON line with the
times (ms), the memory (MB) and the peak resident set size of the process.
"""

from __future__ import annotations

import json
import sys
import time

from edgeseg.memory import peak_mb, resident_mb


def measure(spec: dict) -> dict:
    """Load the model file ``spec["path"]`` (at ``spec["size"]`` for a PyTorch model when given)
    and time it; only the PyTorch runner imports torch."""
    import numpy as np

    from edgeseg.inference.runners import open_runner

    baseline = resident_mb()
    runner = open_runner(spec["path"], spec.get("threads"), size=int(spec["size"]) if spec.get("size") else None)
    size = runner.info.preprocessing.size
    square = np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
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
