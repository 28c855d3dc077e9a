"""`edgeseg predict`: run a model (the embedded default unless --weights) on fundus photographs."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "predict",
        help="lesion maps, overlay and summary for fundus photographs",
        description="Predict lesion probability maps at the photograph's resolution, a colour overlay "
        "with a legend and a JSON summary (area, share of the field of view, components per lesion). "
        "Uses the embedded U²-XS-Net student unless --weights is given. Research use only.",
    )
    parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="photographs or folders of them")
    parser.add_argument("--weights", type=Path, metavar="RUN_OR_FILE", help="a run folder or .safetensors model file")
    parser.add_argument("--out", type=Path, default=Path("predictions"), help="output folder (default ./predictions)")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--no-maps", action="store_true", help="write only the overlay and the JSON summary")
    parser.add_argument("--map-bits", type=int, choices=(8, 16), default=16,
                        help="bit depth of the probability maps (default 16; 8 makes them several times smaller but ties "
                        "the top of the ranking of models whose probabilities crowd near 1, which lowers their AUPR)")
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    from edgeseg.predict import Predictor, collect_images, predict_file
    from edgeseg.report import text_table

    images = collect_images(args.images)
    predictor = Predictor(args.weights, args.device)
    card = predictor.card
    print(f"Model: {predictor.path.name} ({card['model']}, {card.get('recipe', '?')}, lesions {', '.join(predictor.lesions)}); "
          f"input {predictor.preprocessing.size} px. Research use only, not a diagnosis.")
    rows = []
    for path in images:
        summary = predict_file(predictor, path, args.out, write_maps=not args.no_maps, map_bits=args.map_bits)
        lesions = summary["lesions"]
        rows.append([path.name, *(f"{lesions[name]['area_share_of_fov'] * 100:.3f}% / {lesions[name]['components']}" for name in predictor.lesions), summary["seconds_inference"]])
    print(text_table(["Image", *(f"{name} area / comps" for name in predictor.lesions), "seconds"], rows))
    print(f"Wrote maps, overlays and summaries to {args.out}")
    return 0
