"""`edgeseg data prepare|check|synth`."""

from __future__ import annotations

import argparse
from pathlib import Path

from edgeseg.cli.options import add_options, given_options
from edgeseg.data.options import CheckOptions, PrepareOptions, SynthOptions
from edgeseg.errors import EdgesegError
from edgeseg.lesions import ALL_LESIONS
from edgeseg.progress import progress_bar


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("data", help="prepare, check or generate fundus data sets")
    actions = parser.add_subparsers(title="data commands", metavar="ACTION", required=True)

    prepare = actions.add_parser(
        "prepare",
        help="crop the field of view, resize, and write a compact copy with a manifest",
        description="Crop every image to its field of view, resize it (keeping microaneurysms), and "
        "write a compact copy in the generic layout with a manifest and the training mean/std. "
        "Re-running on unchanged inputs does nothing.",
    )
    add_options(prepare, PrepareOptions)
    prepare.set_defaults(handler=run_prepare)

    check = actions.add_parser(
        "check", help="validate a data set, print a summary table, exit 1 on problems", description="Decode every image and mask, "
        "check sizes, naming and that images are colour fundus photographs; exit 1 on any problem."
    )
    check.add_argument("root", type=Path, metavar="DIR", help="IDRiD or generic-layout folder")
    add_options(check, CheckOptions)
    check.set_defaults(handler=run_check)

    synth = actions.add_parser(
        "synth", help="write a synthetic fundus data set with exact lesion masks",
        description="Write synthetic fundus photographs with exact MA/HE/EX/SE/OD masks in the generic "
        "layout (train/ and test/), for demos and smoke tests.",
    )
    add_options(synth, SynthOptions)
    synth.set_defaults(handler=run_synth)


def run_prepare(args: argparse.Namespace) -> int:
    import functools

    from edgeseg.data import idrid
    from edgeseg.data.folder import list_splits, read_folder
    from edgeseg.data.prepare import prepare_dataset

    options = PrepareOptions(**given_options(args, PrepareOptions))
    if (options.idrid is None) == (options.folder is None):
        raise EdgesegError("give the data set as one of --idrid DIR (the official IDRiD folder) or --folder DIR (generic layout)")
    if options.grading and options.idrid is None:
        raise EdgesegError("--grading prepares IDRiD's disease-grading part; use it with --idrid DIR")
    extra_inputs, finish = [], None
    if options.idrid is not None:
        if not idrid.is_idrid(options.idrid):
            raise EdgesegError(f"{options.idrid}: not the official IDRiD layout (no 'A. Segmentation' folder)")
        samples = [s for split in ("train", "test") for s in idrid.read_idrid_segmentation(options.idrid, split)]
        source = {"name": "IDRiD", "path": str(options.idrid.resolve()), "credit": idrid.CREDIT}
        if options.grading:
            from edgeseg.data import grading

            samples += grading.grading_samples(options.idrid)
            finish = functools.partial(grading.grading_outputs, options.idrid, progress_bar("copies"))
            extra_inputs = grading.grading_label_files(options.idrid)
    else:
        splits = [name for name in list_splits(options.folder) if name]
        samples = [s for split in splits or [None] for s in read_folder(options.folder, split)]
        source = {"name": options.folder.name, "path": str(options.folder.resolve())}
    counts = {split: sum(1 for s in samples if s.split == split) for split in dict.fromkeys(s.split for s in samples)}
    summary = ", ".join(f"{n} {split}" for split, n in counts.items())
    print(f"Preparing {source['name']} ({summary} images) -> {options.out} at {options.longest_side} px longest side")
    result = prepare_dataset(samples, options.out, options.longest_side, source, options.workers, progress_bar("prepare"), extra_inputs, finish)
    manifest = result.manifest
    if result.up_to_date:
        print(f"{options.out} is up to date ({summary} images); nothing to do.")
        return 0
    sizes = sorted({tuple(record["size"]) for records in manifest["images"].values() for record in records})
    print(f"Wrote {summary} images to {options.out} (sizes {', '.join(f'{w}x{h}' for w, h in sizes[:3])}"
          f"{'...' if len(sizes) > 3 else ''}) and {options.out / 'manifest.json'}")
    survival = manifest.get("ma_survival")
    if survival and survival["components"]:
        kept, plain, total = survival["survived"], survival["survived_without_rescue"], survival["components"]
        print(f"MA components kept: {kept} of {total} ({100 * kept / total:.2f} %); "
              f"without the centroid rescue {plain} ({100 * plain / total:.2f} %)")
    stats = manifest["mean_std"]
    for key, label in (("rgb", "RGB"), ("rgb_clahe", "RGB after CLAHE")):
        mean = ", ".join(f"{v:.4f}" for v in stats[key]["mean"])
        std = ", ".join(f"{v:.4f}" for v in stats[key]["std"])
        print(f"Training mean/std ({label}, 0-1 scale): mean {mean}; std {std}")
    if "grading" in manifest:
        _print_grading(manifest["grading"])
    return 0


def _print_grading(entry: dict) -> None:
    """The leakage decisions of `data prepare --grading` (:mod:`edgeseg.data.grading`)."""
    withheld = entry["segmentation_grades"]["withheld"]
    print(f"Grading: {entry['splits']['train']['images']} train and {entry['splits']['test']['images']} test photographs; "
          f"{len(entry['segmentation_copies'])} segmentation photographs are copies of grading ones and "
          f"{len(entry['grading_duplicates'])} grading pairs are copies of each other")
    print(f"train/grades.csv grades {entry['segmentation_grades']['graded']} segmentation-training photographs "
          f"(copies of grading-training ones); withheld: {', '.join(withheld) or 'none'} (copies of grading-test photographs)")
    leaky = entry["leaky_test"]
    print(f"Leaky grading-test photographs ({len(leaky)}; report every test figure with and without them):")
    for stem, reason in leaky.items():
        print(f"  {stem}: {reason}")


def run_check(args: argparse.Namespace) -> int:
    from edgeseg.data.check import check_dataset
    from edgeseg.report import text_table

    options = CheckOptions(**given_options(args, CheckOptions))
    report = check_dataset(args.root, options.workers, progress_bar("check"))
    headers = ["Split", "Images", *ALL_LESIONS, "Sizes", "Problems"]
    rows = []
    for split in report.splits:
        sizes = ", ".join(f"{size} ({count})" for size, count in split.sizes.most_common(3))
        if len(split.sizes) > 3:
            sizes += f", +{len(split.sizes) - 3} more"
        rows.append([split.name, split.images, *(split.masks.get(name, 0) for name in ALL_LESIONS), sizes, split.problems])
    print(f"{report.root} ({report.layout} layout): masks per lesion; a missing mask is all-negative")
    print(text_table(headers, rows))
    if report.grading:
        print("Grading labels: " + ", ".join(f"{n} {split}" for split, n in report.grading.items()) + " images")
    if report.ok:
        print("No problems found.")
        return 0
    print(f"\n{len(report.problems)} problem(s):")
    for problem in report.problems:
        print(f"  {problem}")
    return 1


def run_synth(args: argparse.Namespace) -> int:
    from edgeseg.data.synthetic import write_synthetic_dataset

    options = SynthOptions(**given_options(args, SynthOptions))
    if options.train < 1 or options.test < 0 or options.side < 64:
        raise EdgesegError("need --train >= 1, --test >= 0 and --side >= 64")
    out = write_synthetic_dataset(options.out, options.train, options.test, options.side, options.seed)
    print(f"Wrote {options.train} train and {options.test} test synthetic fundus images ({options.side}x{options.side}) to {out}")
    return 0
