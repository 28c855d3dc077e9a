"""`edgeseg predict`: run a model (the embedded default unless --model) on fundus photographs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="lesion maps, overlay and summary for fundus photographs",
        description="Predict lesion probability maps, a colour overlay with a legend and a JSON summary (area, share of "
        "the field of view, components per lesion) for each photograph. Uses the embedded U²-XS-Net student unless "
        "--model is given (on ONNX Runtime when it is installed, else PyTorch). Research use only.",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photographs or folders of them")
    parser.add_argument("--model", "--weights", dest="model", type=Path, metavar="FILE",
                        help="a run folder, .safetensors, .onnx or .tflite model file (default: the embedded student)")
    parser.add_argument("--out", type=Path, default=Path("predictions"), help="output folder (default ./predictions)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda (PyTorch models)")
    parser.add_argument("--threads", type=int, help="CPU threads of the runtime (default: its own choice)")
    parser.add_argument("--no-maps", action="store_true", help="write only the overlay and the JSON summary")
    parser.add_argument("--full-maps", action="store_true",
                        help="write the probability maps at the photograph's resolution (default: the model's, which "
                        "`edgeseg eval` maps back onto the photograph with the geometry in STEM.json)")
    parser.add_argument("--map-bits", type=int, choices=(8, 16), default=16,
                        help="bit depth of the probability maps (default 16; 8 makes them smaller but ties the top of the "
                        "ranking of models whose probabilities crowd near 1, which lowers their AUPR)")
    parser.add_argument("--force", action="store_true",
                        help="also write the maps and overlay of a photograph the image-quality gate stops (marked "
                        "ungradable; it never gets a verdict)")
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from edgeseg.data.quality import retake_message
    from edgeseg.predict import PredictOptions, Predictor, check_images, collect_images, predict_paths
    from edgeseg.predict.verdict import verdict_lines
    from edgeseg.progress import progress_bar
    from edgeseg.report import text_table

    images = collect_images(args.images)
    check_images(images)  # every file, before any model is loaded
    predictor = Predictor(args.model, args.device, args.threads)
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

    options = PredictOptions(args.out, maps=not args.no_maps, full_maps=args.full_maps, map_bits=args.map_bits, force=args.force)
    predict_paths(predictor, images, options, done)
    next(ticks, None)
    print(text_table(["Image", *(f"{name} area / comps" for name in info.lesions), "network s"], rows))
    if ungradable:
        print(f"{len(ungradable)} of {len(images)} photographs ungradable by the image-quality gate (retake them): "
              f"{', '.join(ungradable[:10])}{' ...' if len(ungradable) > 10 else ''}")
    print(f"Wrote maps, overlays and summaries to {args.out}")
    return 0
