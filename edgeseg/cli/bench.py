"""`edgeseg bench`: speed, memory and AUPR parity of PyTorch models and exported files, here or
on an Android phone (--adb)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from edgeseg.bench.options import PHONE_ROUNDS, PHONE_THREADS, BenchOptions
from edgeseg.cli.options import add_options, given_options


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "bench",
        help="speed, memory, AUPR, grading and parity of models and exported files, here or on a phone (--adb)",
        description="Benchmark PyTorch models (run folders, .safetensors) and exported files (.onnx, .tflite, "
        ".mlpackage, or folders of them) side by side: each runner in a fresh process, alternating rounds, "
        "median/p90/min latency, fps, peak memory, per-lesion test AUPR and its drop against the PyTorch source. "
        "With no argument, exports (or reuses) the embedded default in every target and precision. Writes "
        "results.json, results.md and plots to --out.",
    )
    parser.add_argument("inputs", nargs="*", metavar="MODEL_OR_EXPORT_DIR", help="run folders, model files, exported files or folders")
    parser.add_argument("--config", type=Path, help="JSON file with any of these options (benchmarks/reference.json)")
    add_options(parser, BenchOptions)
    parser.add_argument("--adb", action="store_true", help="run the .tflite files on a connected Android phone with benchmark_model")
    parser.add_argument("--adb-binary", type=Path, help="benchmark_model built for the phone (with --adb)")
    parser.add_argument("--serial", help="adb device serial (with --adb; default: the only device)")
    parser.set_defaults(handler=run_bench_command)


def run_bench_command(args: argparse.Namespace) -> int:
    from edgeseg.errors import EdgesegError

    if args.adb:
        return _run_adb(args)
    from edgeseg.bench.harness import run_bench
    from edgeseg.bench.report import HEADERS, table_rows
    from edgeseg.progress import progress_bar
    from edgeseg.report import text_table

    settings = json.loads(args.config.read_text()) if args.config else {}
    unknown = set(settings) - set(BenchOptions.__dataclass_fields__)
    if unknown:
        raise EdgesegError(f"{args.config}: unknown option(s) {', '.join(sorted(unknown))}")
    given = given_options(args, BenchOptions) | ({"inputs": args.inputs} if args.inputs else {})
    options = BenchOptions(**{**settings, **given})  # the command line wins over the config file
    options.sizes = tuple(options.sizes)
    results = run_bench(options, progress=progress_bar("accuracy"))
    print()
    print(text_table(HEADERS, table_rows(results["rows"])))
    print(f"\nWrote {Path(options.out) / 'results.md'}, results.json and plots.")
    failed = [row for row in results["rows"] if row["status"] == "failed"]
    return 1 if failed else 0


def _run_adb(args: argparse.Namespace) -> int:
    from edgeseg.bench.adb import NoDeviceError, benchmark_on_device, connected_device
    from edgeseg.errors import EdgesegError
    from edgeseg.report import text_table

    try:
        connected_device(args.serial)
    except NoDeviceError as exc:
        print(f"edgeseg: {exc}", flush=True)
        return 2
    models = [Path(p) for item in args.inputs for p in ([Path(item)] if Path(item).is_file() else sorted(Path(item).glob("*.tflite")))]
    models = [m for m in models if m.suffix == ".tflite"]
    if not models or not args.adb_binary:
        raise EdgesegError("--adb needs .tflite files (or folders of them) and --adb-binary PATH to benchmark_model built for the phone")
    runs = (args.runs or BenchOptions.runs) * (args.rounds or PHONE_ROUNDS)
    results = benchmark_on_device(models, args.adb_binary, args.threads or PHONE_THREADS, runs, args.serial)
    rows = [[name, f"{r['avg_us'] / 1000:.1f}", f"{r.get('median_us', float('nan')) / 1000:.1f}", f"{1e6 / r['avg_us']:.2f}",
             f"{r.get('memory_overall_mb', float('nan')):.1f}", r["device"]] for name, r in results.items()]
    print(text_table(["File", "avg ms", "median ms", "fps", "memory MB", "device"], rows))
    out = Path(args.out or BenchOptions.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "phone_results.json").write_text(json.dumps(results, indent=2))
    return 0
