"""The figures behind the parity bounds (`edgeseg.inference.parity.TOLERANCES`): the embedded
default's real exports against its PyTorch model, beside deliberately broken versions of it
(channels flipped, input scaled to 0-1, constant output), on the images `edgeseg export`
verifies on: IDRiD validation images with ``--data``, else synthetic ones chosen as it chooses.

    python benchmarks/parity_bounds.py --exports build/exports/u2xs_mt [--data data/idrid1440] [--images 8]

Prints one Markdown row per file or break: mean and largest |diff|, the smallest mask Dice over
the judged lesions, the largest judged AUPR drop, and the verdict at the file's precision (the
breaks are judged at fp32 and int8, the strictest and the loosest bounds).
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

from edgeseg.checkpoint import load_model
from edgeseg.embedded import default_model_path
from edgeseg.export.images import fundus_squares
from edgeseg.export.verify import reference_outputs
from edgeseg.inference.model_info import info_from_card
from edgeseg.inference.parity import Parity, compare
from edgeseg.inference.runners import TorchRunner, open_runner
from edgeseg.inference.torch_module import PixelsToProbabilities
from edgeseg.outputs import LESION_OUTPUT
from edgeseg.report import markdown_table
from edgeseg.inference.port_mistakes import BREAKS, Broken


def row(label: str, parity: Parity) -> list:
    dice = [item.mask_dice for item in parity.lesions if item.mask_dice is not None]
    drops = [item.aupr_drop for item in parity.lesions if item.aupr_drop is not None]
    return [label, parity.precision, f"{parity.mean_abs:.1e}", f"{parity.max_abs:.2f}", f"{min(dice):.3f}" if dice else "-",
            f"{max(drops):+.4f}" if drops else "-", "passed" if parity.passed else "FAILED: " + parity.reason]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exports", type=Path, help="folder of the default's exported files")
    parser.add_argument("--data", help="prepared data set (its validation images); default: synthetic images")
    parser.add_argument("--images", type=int, default=8)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    path = default_model_path()
    model, card = load_model(path)
    if args.data is None:
        card["training"]["data"] = None  # synthetic verification images, as on a machine without IDRiD
    info = info_from_card(path, card)
    module = PixelsToProbabilities(model, info.preprocessing).eval()
    reference = TorchRunner.from_module(module, info)
    images = fundus_squares(card, info.preprocessing, "verification", args.images, args.data, reference=reference)
    print(f"Verification images: {images.source}\n")
    expected = [item[LESION_OUTPUT] for item in reference_outputs(reference, images.squares)]
    masks = [item.masks for item in images.squares]
    rows = []
    for file in sorted(args.exports.iterdir()) if args.exports else []:
        if file.suffix in (".onnx", ".tflite"):
            runner = open_runner(file)
            maps = [runner.lesion_maps(item.square) for item in images.squares]
            rows.append(row(file.name, compare(expected, maps, masks, info.lesions, info.thresholds, runner.info.precision)))
    for kind in BREAKS:
        broken = TorchRunner.from_module(Broken(module, kind).eval(), info)
        maps = [broken.lesion_maps(item.square) for item in images.squares]
        for precision in ("fp32", "int8"):
            rows.append(row(f"broken: {kind}", compare(expected, maps, masks, info.lesions, info.thresholds, precision)))
    print(markdown_table(["file", "judged at", "mean |diff|", "max |diff|", "min mask Dice", "max AUPR drop", "verdict"], rows))


if __name__ == "__main__":
    main()
