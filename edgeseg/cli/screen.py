"""`edgeseg screen`: a screening programme's photographs into one Parquet table, in this process
or on a Ray cluster, resumable (edgeseg issue #34)."""

from __future__ import annotations

import argparse

from edgeseg.cli.options import add_options, given_options
from edgeseg.screen.options import ScreenOptions


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "screen",
        help="screen many photographs into one Parquet table (this machine or a Ray cluster; resumable)",
        description="Screen fundus photographs with the embedded student (or --model) into one table, one row per "
        "photograph: path, content hash, size, image-quality measures and gate, verdict and findings, per-lesion summary, "
        "model, timings, and an error column for a photograph that could not be screened. The table is a folder of Parquet "
        "parts; a second run with the same --out screens only the photographs not yet in it. Research use only.",
    )
    parser.add_argument("source", help="a folder of photographs, a glob ('archive/**/*.jpg') or a CSV/Parquet manifest "
                        "with a 'path' column (its other columns are carried into the table)")
    add_options(parser, ScreenOptions)
    parser.set_defaults(handler=run_screen)


def run_screen(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from edgeseg.embedded import default_inference_model
    from edgeseg.errors import EdgesegError
    from edgeseg.inference.model_info import read_info
    from edgeseg.predict.options import PredictOptions
    from edgeseg.screen.engines import run_in_process, run_on_ray
    from edgeseg.screen.rows import base_columns, content_hash, file_bytes
    from edgeseg.screen.sources import collect_photographs
    from edgeseg.screen.table import ScreenTable, arrow_schema, carried_types

    import importlib.util

    options = ScreenOptions(**given_options(args, ScreenOptions))
    if importlib.util.find_spec("pyarrow") is None:
        raise EdgesegError('edgeseg screen writes a Parquet table and needs pyarrow: pip install "edgeseg[screen]"')
    if options.batch < 1 or (options.workers is not None and options.workers < 1):
        raise EdgesegError("--batch and --workers must be at least 1")
    if options.address and options.engine != "ray":
        raise EdgesegError("--address joins a Ray cluster; add --engine ray")
    photographs = collect_photographs(args.source)
    info = read_info(options.model or default_inference_model())
    table = ScreenTable(options.out, arrow_schema(base_columns(info.lesions), carried_types(p.carried for p in photographs)))
    hashes, unhashed = table.done()
    if hashes or unhashed:  # only a table with rows needs the photographs' hashes
        todo = [p for p in photographs if str(p.path) not in unhashed and content_hash(file_bytes(p.path)) not in hashes]
    else:
        todo = photographs
    print(f"{len(photographs)} photographs; {len(photographs) - len(todo)} already in {options.out}; screening {len(todo)} "
          f"with {info.path.name} ({'this process' if options.engine == 'local' else 'Ray'}). Research use only, not a diagnosis.")
    tally = {"refer": 0, "no referral": 0, "no verdict": 0, "ungradable": 0, "error": 0}
    bar = tqdm(total=len(todo), desc="screen", unit="img", disable=None, smoothing=0.1)

    def commit(rows: list[dict]) -> None:
        table.write(rows)
        for row in rows:
            kind = ("error" if row.get("error") else "ungradable" if row.get("gradable") is False
                    else "no verdict" if row.get("refer") is None else "refer" if row["refer"] else "no referral")
            tally[kind] += 1
        bar.update(len(rows))

    start = time.perf_counter()
    outputs = PredictOptions(options.maps.resolve()) if options.maps else None
    if options.engine == "ray":
        run_on_ray(options.model, options.threads, todo, options.batch, commit, options.address, options.workers, outputs)
    else:
        run_in_process(options.model, options.threads, todo, options.batch, commit, outputs)
    bar.close()
    seconds = time.perf_counter() - start
    rate = len(todo) / seconds if seconds > 0 else 0.0
    print(f"Screened {len(todo)} photographs in {seconds:.1f} s ({rate:.2f} per second): "
          + ", ".join(f"{count} {kind}" for kind, count in tally.items()))
    print(f"Table: {options.out} ({len(table.part_files())} parts; read it with pandas.read_parquet('{options.out}'))")
    return 0
