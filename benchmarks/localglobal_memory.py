"""Peak memory and wall time of whole-image ``localglobal`` inference on the CPU (paper 001).

Builds the fused model with the paper's widths (``base_channels`` 64) and runs eval-mode
inference on one random IDRiD-sized image (1x3x2848x4288). Run it as its own process, so that
the peak resident set size (``ru_maxrss``) is this measurement's alone:

    python benchmarks/localglobal_memory.py [--lesion EX] [--height 2848 --width 4288]

The last line printed is a JSON summary (``peak_rss_mb`` in MiB, ``seconds``, ...); the
acceptance is a peak under 4 GiB, 4096 MiB (``tests/models/test_localglobal.py``, marked slow).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import torch

from edgeseg.models import count_parameters, create


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (Linux reports KiB)."""
    kilobytes = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kilobytes / (1024 * 1024) if sys.platform == "darwin" else kilobytes / 1024


def main(argv: list[str] | None = None) -> dict[str, float | int | str]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lesion", default="EX")
    parser.add_argument("--base-channels", type=int, default=64)
    parser.add_argument("--height", type=int, default=2848)
    parser.add_argument("--width", type=int, default=4288)
    parser.add_argument("--patch-batch", type=int, default=4)
    args = parser.parse_args(argv)

    torch.manual_seed(0)
    model = create("localglobal", lesion=args.lesion, base_channels=args.base_channels, patch_batch=args.patch_batch).eval()
    image = torch.randn(1, 3, args.height, args.width)
    after_build = peak_rss_mb()
    print(f"model localglobal lesion={args.lesion} base_channels={args.base_channels}: {count_parameters(model):,} parameters")
    print(f"peak RSS after building the model and the input: {after_build:.0f} MiB")

    start = time.perf_counter()
    logits = model(image)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(f"whole-image inference {args.height}x{args.width}: {seconds:.1f} s, output {tuple(logits.shape)}")
    print(f"peak RSS: {peak:.0f} MiB ({torch.get_num_threads()} threads)")
    summary = {
        "lesion": args.lesion,
        "base_channels": args.base_channels,
        "height": args.height,
        "width": args.width,
        "parameters": count_parameters(model),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak, 1),
        "peak_rss_after_build_mb": round(after_build, 1),
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
