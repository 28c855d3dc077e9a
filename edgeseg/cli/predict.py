"""`edgeseg predict`: run a model (the embedded default unless --model) on fundus photographs."""

from __future__ import annotations

import argparse
from pathlib import Path

from edgeseg.cli.options import add_options, given_options
from edgeseg.predict.options import ModelOptions, PredictOptions


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="image-quality gate, then lesion maps, overlay, summary, the screening verdict and its findings (the embedded "
        "default unless --model)",
        description="Predict lesion probability maps, a colour overlay with a legend and a JSON summary (area, share of "
        "the field of view, components per lesion) for each photograph. Uses the embedded U²-XS-Net student unless "
        "--model is given (on ONNX Runtime when it is installed, else PyTorch). Research use only.",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photographs or folders of them")
    add_options(parser, ModelOptions)
    add_options(parser, PredictOptions)
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from edgeseg.data.quality import retake_message
    from edgeseg.predict import Predictor, check_images, collect_images, predict_paths
    from edgeseg.predict.verdict import verdict_lines
    from edgeseg.progress import progress_bar
    from edgeseg.report import text_table

    images = collect_images(args.images)
    check_images(images)  # every file, before any model is loaded
    model = ModelOptions(**given_options(args, ModelOptions))
    options = PredictOptions(**given_options(args, PredictOptions))
    predictor = Predictor(model.model, model.device, model.threads)
    info = predictor.info
    print(f"Model: {info.path.name} ({info.model}, {info.format.runtime}, lesions {', '.join(info.lesions)}); "
          f"input {info.preprocessing.size} px. Research use only, not a diagnosis.")
    rows = []
    bar = progress_bar("predict")(range(len(images)), len(images))
    ticks = iter(bar)

    ungradable = []

    def done(summary: dict) -> None:
        next(ticks, None)
        name = Path(summary["image"]).name
        if not summary["gradable"]:
            ungradable.append(name)
            tqdm.write(f"{name}: {retake_message(summary['retake'])}")
        if "lesions" not in summary:
            rows.append([name, *("-" for _ in info.lesions), "-"])
            return
        if "verdict" in summary:  # the verdict and the findings that explain it, one line each
            tqdm.write(f"{name}: " + "; ".join(verdict_lines(summary["verdict"])) + " (research use only)")
        if summary.get("findings"):
            tqdm.write(f"{name}: findings: " + "; ".join(summary["findings"]["words"]))
        lesions = summary["lesions"]
        rows.append([name + (" (ungradable)" if not summary["gradable"] else ""),
                     *(f"{lesions[name]['area_share_of_fov'] * 100:.3f}% / {lesions[name]['components']}" for name in info.lesions),
                     summary["seconds_inference"]])

    predict_paths(predictor, images, options, done)
    next(ticks, None)
    print(text_table(["Image", *(f"{name} area / comps" for name in info.lesions), "network s"], rows))
    if ungradable:
        print(f"{len(ungradable)} of {len(images)} photographs ungradable by the image-quality gate (retake them): "
              f"{', '.join(ungradable[:10])}{' ...' if len(ungradable) > 10 else ''}")
    print(f"Wrote maps, overlays and summaries to {options.out}")
    return 0
