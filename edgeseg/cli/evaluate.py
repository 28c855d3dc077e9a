"""`edgeseg eval`: per-lesion AUPR and pixel scores of saved probability maps, or (``--grading``)
DR/DME grading and referral scores of saved verdicts."""

from __future__ import annotations

import argparse
import sys

from edgeseg.cli.options import add_options, given_options
from edgeseg.evaluate_options import EvalOptions
from edgeseg.progress import progress_bar


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="per-lesion AUPR, pixel scores and region F_sigma of saved maps (or grading scores of saved verdicts) on a data "
        "set split",
        description="Score probability maps (PRED/<stem>_<LESION>.png or .npy, or PRED/<LESION>/...) "
        "against the masks of a data set split: AUPR by the IDRiD protocol (pooled over all images; "
        "average precision, with the trapezoidal area beside it) and pixel scores at a threshold. "
        "With --grading, score DR/DME verdicts (STEM.json with dr_grade, dme_risk, referable_prob and the advice refer) "
        "against the split's grades, on all photographs and on the leak-free ones.",
    )
    add_options(parser, EvalOptions)
    parser.set_defaults(handler=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    options = EvalOptions(**given_options(args, EvalOptions))
    if (options.predictions is None) == (options.grading is None):
        print("edgeseg eval: error: give either PRED_DIR (probability maps) or --grading PRED_DIR_OR_JSON (verdicts)", file=sys.stderr)
        return 2
    if options.grading is not None:
        return run_grading_eval(options)
    if options.plot is not None:
        print("edgeseg eval: error: --plot draws grading confusion matrices; use it with --grading", file=sys.stderr)
        return 2
    from edgeseg.evaluate import evaluate_predictions
    from edgeseg.fileio import atomic_write_json
    from edgeseg.lesions import parse_lesions
    from edgeseg.metrics.region import REGION_SIGMAS
    from edgeseg.report import text_table

    lesions = parse_lesions(options.lesions)
    scores = evaluate_predictions(
        options.predictions, options.data, options.split, lesions, options.threshold, options.region, progress_bar("eval")
    )
    headers = ["Lesion", "Images", "Annotated", "Prevalence", "AUPR", "AUPR(trapz)", "SN", "PPV", "F", "IoU"]
    if options.region:
        headers += [f"F_{sigma}" for sigma in REGION_SIGMAS]
    rows = []
    for score in scores:
        row = [score.lesion, score.images, score.annotated, score.prevalence, score.average_precision,
               score.trapezoid, score.pixel.sensitivity, score.pixel.ppv, score.pixel.f_score, score.pixel.iou]
        if score.region is not None:
            row += [score.region[sigma].f_score for sigma in REGION_SIGMAS]
        rows.append(row)
    print(f"{options.predictions} against {options.data} [{options.split}]: AUPR = average precision, pooled over "
          f"all images (IDRiD protocol); pixel scores at p >= {options.threshold}")
    print(text_table(headers, rows, digits=4))
    ungradable = scores[0].ungradable if scores else 0
    if ungradable:
        print(f"{ungradable} photograph(s) found ungradable by predict's image-quality gate; those without maps are not scored "
              "(predict --force writes their maps)")
    if options.json:
        atomic_write_json(options.json, {"split": options.split, "threshold": options.threshold, "ungradable": ungradable,
                                      "lesions": [score.as_dict() for score in scores]})
        print(f"Wrote {options.json}")
    return 0


def run_grading_eval(options: EvalOptions) -> int:
    from edgeseg.evaluate_grading import SUMMARY_COLUMNS, confusion_text, read_grading_truth, read_verdicts, score_verdicts, summary_rows
    from edgeseg.fileio import atomic_write_json
    from edgeseg.metrics.grading import plot_confusion_matrices
    from edgeseg.report import text_table

    truth = read_grading_truth(options.data, options.split, progress_bar("copies"))
    result = score_verdicts(truth, read_verdicts(options.grading, truth.labels))
    leaky = ", ".join(sorted(truth.leaky)) or "none recorded"
    print(f"{options.grading} against {truth.source}: {len(truth.labels)} photographs; leaky (a copy in training data): {leaky}. "
          "Referable: DR grade >= 2 or DME risk 2.")
    if result["ungradable"]:
        print(f"{len(result['ungradable'])} photograph(s) ungradable by predict's image-quality gate (no verdict; not scored, "
              f"a programme sends them to a human grader): {', '.join(result['ungradable'][:10])}")
    if not result["with_referable_prob"]:
        print("Some verdicts have no referable_prob: the ROC figures are left out.")
    if not result["with_referral_advice"]:
        print("Some verdicts have no refer (the advice predict gives): its sensitivity and specificity are left out.")
    print(text_table(["photographs", "n", *(name for name, _ in SUMMARY_COLUMNS)], summary_rows(result), digits=3))
    for name in ("dr", "dme"):
        print(confusion_text(result["all"]["confusion"][name], name.upper()))
    if options.plot:
        title = f"{options.grading.name} on {len(truth.labels)} {options.split} photographs"
        print(f"Wrote {plot_confusion_matrices(result['all']['confusion'], options.plot, title)}")
    if options.json:
        atomic_write_json(options.json, {"split": options.split, "labels": truth.source, "verdicts": str(options.grading), **result})
        print(f"Wrote {options.json}")
    return 0
