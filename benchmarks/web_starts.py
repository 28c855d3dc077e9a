"""How often the page's model start stalls in a browser, and whether the page's retry brings it
back (docs/web_demo.md, "A stalled start is retried").

Each trial is a fresh profile: a first visit served by ``edgeseg web serve``'s server, which
analyses the photograph, then the server stopped and a second visit from the service worker's
cache, which analyses it again. Per visit it prints the outcome, the starts the page needed
(``starts`` > 1: a stalled start was retried) and the time to ready.

    edgeseg export --target tflite --precision fp32 --no-verify --out build/exports/u2xs_mt
    edgeseg web build --model build/exports/u2xs_mt/u2xs_mt_fp32.tflite --out build/web
    python benchmarks/web_starts.py --page build/web --photo PHOTO.jpg --engine firefox --trials 24
    python benchmarks/web_starts.py --page build/web --photo PHOTO.jpg --engine firefox --trials 20 --settle-ms 3000
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from edgeseg.web.browser import drive, serving


def visit(engine: str, url: str, profile: Path, photo: Path, settle_ms: int) -> dict:
    """One visit's outcome: "ready" (with its starts, load and close times) or the driver's error."""
    report = drive({"engine": engine, "url": url, "profile": str(profile), "photos": [{"path": str(photo)}], "settle_ms": settle_ms},
                   timeout=400)
    if report.get("error"):
        return {"outcome": "failed", "error": report["error"].splitlines()[0][:120], "status": (report.get("at_error") or {}).get("status")}
    return {"outcome": "ready", "starts": report["ready"].get("starts"), "load_ms": report["ready"].get("load_ms"), "close_ms": report.get("close_ms")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, required=True, help="a built page (edgeseg web build)")
    parser.add_argument("--photo", type=Path, required=True, help="a fundus photograph")
    parser.add_argument("--engine", default="firefox", choices=["chromium", "firefox"])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--settle-ms", type=int, default=0, help="wait this long after the browser starts before opening the page")
    args = parser.parse_args()
    counts: Counter = Counter()
    with tempfile.TemporaryDirectory(prefix="edgeseg-web-starts-") as scratch:
        for trial in range(args.trials):
            profile = Path(scratch) / f"profile{trial}"
            with serving(args.page) as (url, _):
                first = visit(args.engine, url, profile, args.photo, args.settle_ms)
            second = visit(args.engine, url, profile, args.photo, args.settle_ms)
            for name, result in (("first", first), ("offline", second)):
                counts[(name, result["outcome"], result.get("starts"))] += 1
            print(trial, "first visit", first, "offline visit", second, flush=True)
    for (name, outcome, starts), count in sorted(counts.items(), key=str):
        print(f"{name} visits {outcome}" + (f" after {starts} start(s)" if starts else "") + f": {count}")


if __name__ == "__main__":
    main()
