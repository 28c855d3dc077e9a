"""`edgeseg eval`: per-lesion AUPR and pixel scores of saved probability maps."""

from __future__ import annotations

import argparse
from pathlib import Path

from edgeseg.cli.progress import progress_bar


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="score saved probability maps against a data set split",
        description="Score probability maps (PRED/<stem>_<LESION>.png or .npy, or PRED/<LESION>/...) "
        "against the masks of a data set split: AUPR by the IDRiD protocol (pooled over all images; "
        "average precision, with the trapezoidal area beside it) and pixel scores at a threshold.",
    )
    parser.add_argument("predictions", type=Path, metavar="PRED_DIR", help="folder of probability maps")
    parser.add_argument("--data", type=Path, required=True, metavar="DIR", help="IDRiD or generic-layout folder")
    parser.add_argument("--split", default="test", help="split to score (default: test)")
    parser.add_argument("--lesions", default=None, help="comma-separated subset of MA,HE,EX,SE,OD (default: MA,HE,EX,SE)")
    parser.add_argument("--threshold", type=float, default=0.5, help="probability threshold for pixel scores (default 0.5)")
    parser.add_argument("--region", action="store_true", help="also compute Dual2Net's region-level F_sigma")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the scores as JSON")
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    from edgeseg.evaluate import evaluate_predictions
    from edgeseg.fileio import atomic_write_json
    from edgeseg.lesions import parse_lesions
    from edgeseg.metrics.region import REGION_SIGMAS
    from edgeseg.report import text_table

    lesions = parse_lesions(args.lesions)
    scores = evaluate_predictions(
        args.predictions, args.data, args.split, lesions, args.threshold, args.region, progress_bar("eval")
    )
    headers = ["Lesion", "Images", "Annotated", "Prevalence", "AUPR", "AUPR(trapz)", "SN", "PPV", "F", "IoU"]
    if args.region:
        headers += [f"F_{sigma}" for sigma in REGION_SIGMAS]
    rows = []
    for score in scores:
        row = [score.lesion, score.images, score.annotated, score.prevalence, score.average_precision,
               score.trapezoid, score.pixel.sensitivity, score.pixel.ppv, score.pixel.f_score, score.pixel.iou]
        if score.region is not None:
            row += [score.region[sigma].f_score for sigma in REGION_SIGMAS]
        rows.append(row)
    print(f"{args.predictions} against {args.data} [{args.split}]: AUPR = average precision, pooled over "
          f"all images (IDRiD protocol); pixel scores at p >= {args.threshold}")
    print(text_table(headers, rows, digits=4))
    if args.json:
        atomic_write_json(args.json, {"split": args.split, "threshold": args.threshold,
                                      "lesions": [score.as_dict() for score in scores]})
        print(f"Wrote {args.json}")
    return 0
