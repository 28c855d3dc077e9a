"""`edgeseg export`: the trained model (the embedded default unless --weights) as ONNX, TFLite
and Core ML files, each verified against PyTorch before it is reported as done."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from edgeseg.cli.options import add_options, given_options


def register(commands: argparse._SubParsersAction) -> None:
    from edgeseg.export.options import ExportOptions

    parser = commands.add_parser(
        "export",
        help="ONNX, TFLite or Core ML files with metadata and golden vectors, each verified against PyTorch",
        description="Export a model (the embedded U²-XS-Net student unless --weights) to --target onnx, tflite, "
        "coreml or all, in fp32 and fp16 (and int8 with --int8). Every file carries its metadata (lesions, input, "
        "preprocessing, thresholds, source, licence), is verified against the PyTorch model on fundus images and "
        "gets golden vectors for app tests. Needs the export extra: pip install 'edgeseg[export]'.",
    )
    add_options(parser, ExportOptions)
    parser.add_argument("--inspect", metavar="FILE", type=Path, help="print the metadata of an exported file and exit")
    parser.add_argument("--formats", action="store_true", help="print the table of export formats (Markdown) and exit")
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    if args.inspect:
        return _inspect(args.inspect)
    if args.formats:
        from edgeseg.inference.formats import formats_markdown

        print(formats_markdown(), end="")
        return 0
    from edgeseg.export import ExportOptions
    from edgeseg.export.exporter import export_model
    from edgeseg.report import text_table

    options = ExportOptions(**given_options(args, ExportOptions))
    results = export_model(options)
    rows = [
        [r.target, r.precision, r.layout, r.path.name if r.path else "-", _number(r.size_mb, 2), f"{r.seconds:.0f}", _number(r.peak_mb, 0), r.status,
         r.verification.summary() if r.verification and r.verification.passed else r.message]
        for r in results
    ]
    print()
    print(text_table(["Target", "Precision", "Layout", "File", "MB", "s", "Peak MB", "Status", "Verification"], rows))
    written = [r.path for r in results if r.ok and r.path]
    if written:
        golden = sum(path.with_name(path.name + ".golden").is_dir() for path in written)
        print(f"\nWrote {len(written)} file(s) to {written[0].parent} ({golden} with <file>.golden/ reference vectors for app tests).")
        print(f"Inspect one:             edgeseg export --inspect {written[0]}")
        weights = f" --model {args.weights}" if args.weights else ""
        print(f"Verify on the test set:  edgeseg export{weights} --target {options.target} --data DIR --split test --verify-images 27")
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"edgeseg: error: {result.target} {result.precision}: {result.message}")
    return 1 if failed else 0


def _number(value: float, digits: int) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _inspect(path: Path) -> int:
    from edgeseg.export import read_metadata

    print(json.dumps(read_metadata(path), indent=2))
    return 0
