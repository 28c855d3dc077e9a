"""Throughput of `edgeseg screen` in this process and on a local Ray cluster against today's
`edgeseg predict` on the same folder, in one run (issue #34): each command's wall time in a fresh
process (start-up, model loading and Ray's start included) and photographs per second.

    python benchmarks/screen_throughput.py "../shared/data/IDRiD/B. Disease Grading/1. Original Images/a. Training Set"
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    count = sum(1 for p in args.folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".tif", ".tiff"))
    edgeseg = [sys.executable, "-m", "edgeseg"]
    with tempfile.TemporaryDirectory() as work:
        commands = {
            "edgeseg predict (maps, overlays, summaries)": [*edgeseg, "predict", str(args.folder), "--out", f"{work}/predict"],
            "edgeseg screen, this process": [*edgeseg, "screen", str(args.folder), "--out", f"{work}/local.parquet"],
            f"edgeseg screen --engine ray, {args.workers} workers x 1 thread": [
                *edgeseg, "screen", str(args.folder), "--out", f"{work}/ray.parquet", "--engine", "ray", "--workers", str(args.workers),
                "--threads", "1"],
        }
        rows = []
        for label, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            seconds = time.perf_counter() - start
            rows.append((label, seconds, count / seconds))
            print(f"{label}: {count} photographs in {seconds:.1f} s, {count / seconds:.2f} per second", flush=True)
    base = rows[1][2]
    print(f"ray / in-process: {rows[2][2] / base:.2f}x; in-process / predict: {base / rows[0][2]:.2f}x")


if __name__ == "__main__":
    main()
