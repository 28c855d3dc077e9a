"""The grading baseline of issue #19: the embedded lesion model's summaries and a logistic regression.

1. ``edgeseg predict --no-maps`` with the embedded default (or ``--weights``) on IDRiD's 413
   training and 103 test grading photographs: one ``STEM.json`` summary each, under
   ``--summaries DIR/{train,test}``. Summaries already there are reused, so an interrupted run
   (predicting 516 photographs takes a while) goes on where it stopped.
2. 12 numbers per photograph from each summary, per lesion (MA, HE, EX, SE): the log of the
   predicted area's share of the field of view, the log of the number of connected components
   (both as log(x + eps), eps = 1e-4 and 1), and the largest probability.
3. scikit-learn logistic regressions (L2, C = 1, the raw features) fitted on the 413 training
   photographs: one for the DR grade (5 classes), one for the DME risk (3 classes) and one for
   referable DR (DR >= 2 or DME 2), whose probability is the referral probability.

These choices reproduce the issue's figures exactly (all ten). Others move them by a photograph
or two: standardised features, eps = 1e-6 or a referral probability of 1 - P(DR < 2) P(DME < 2)
from the two grade models give DR accuracy 0.650-0.670, DME 0.777-0.835 and a referable AUC of
0.946-0.958 on the 103 test photographs (one photograph is 0.0097).
4. The 103 verdicts are written as ``DIR/verdicts/STEM.json`` and scored as
   ``edgeseg eval --grading DIR/verdicts --data IDRID`` does: on all 103 test photographs and on
   the 99 leak-free ones.

    python benchmarks/grading_baseline.py --idrid ../shared/data/IDRiD --summaries runs/grading-baseline [--json FILE]

Needs scikit-learn (a dev dependency: ``pip install -e ".[dev]"``).
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from pathlib import Path

from edgeseg.lesions import LESIONS

AREA_EPS = 1e-4
COUNT_EPS = 1.0
ISSUE_ROWS = [
    # (label, photographs, DR acc, DME acc, joint acc, DR kappa, referable AUC): issue #19, 2026-12-01
    ("issue #19 baseline (2026-12-01)", "103", 0.660, 0.816, 0.592, 0.727, 0.948),
    ("issue #19 baseline (2026-12-01)", "99", 0.687, 0.808, 0.616, 0.750, 0.949),
]


def predict_summaries(images: list[Path], out: Path, weights: str | None) -> None:
    """Run `edgeseg predict --no-maps` on the photographs of ``images`` without a summary in ``out``."""
    missing = [image for image in images if not (out / f"{image.stem}.json").is_file()]
    if not missing:
        return
    print(f"Predicting {len(missing)} photographs into {out} (reusing {len(images) - len(missing)})", flush=True)
    command = [sys.executable, "-m", "edgeseg", "predict", "--no-maps", "--out", str(out), *map(str, missing)]
    if weights:
        command += ["--weights", weights]
    subprocess.run(command, check=True)


def features(summary: dict, where: str) -> list[float]:
    """The 12 numbers of one summary: per lesion log area share, log component count, max probability."""
    import numpy as np

    row = []
    for lesion in LESIONS:
        entry = summary.get("lesions", {}).get(lesion)
        if entry is None or entry.get("area_share_of_fov") is None:
            raise SystemExit(f"{where}: no {lesion} entry with area_share_of_fov; is it an `edgeseg predict` summary?")
        row += [float(np.log(entry["area_share_of_fov"] + AREA_EPS)), float(np.log(entry["components"] + COUNT_EPS)),
                float(entry["max_probability"])]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idrid", required=True, type=Path, help="the official IDRiD folder")
    parser.add_argument("--summaries", required=True, type=Path, help="folder for the summaries ({train,test}/STEM.json) and verdicts")
    parser.add_argument("--weights", help="a lesion model other than the embedded default")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args()

    import json

    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from edgeseg.data.idrid import read_idrid_grading
    from edgeseg.evaluate_grading import read_grading_truth, read_verdicts, score_verdicts
    from edgeseg.fileio import atomic_write_json
    from edgeseg.outputs import referable
    from edgeseg.progress import progress_bar
    from edgeseg.report import markdown_table

    data = {}
    for split in ("train", "test"):
        samples = read_idrid_grading(args.idrid, split)
        predict_summaries([sample.image for sample in samples], args.summaries / split, args.weights)
        paths = [args.summaries / split / f"{sample.stem}.json" for sample in samples]
        x = np.array([features(json.loads(path.read_text()), str(path)) for path in paths])
        data[split] = (samples, x, np.array([s.dr for s in samples]), np.array([s.dme for s in samples]))
    train_samples, x_train, dr_train, dme_train = data["train"]
    test_samples, x_test, _, _ = data["test"]
    probabilities = {}
    for name, target in (("dr", dr_train), ("dme", dme_train), ("referable", referable(dr_train, dme_train))):
        model = LogisticRegression(C=1.0, max_iter=5000)
        model.fit(x_train, target)
        probabilities[name] = model.predict_proba(x_test)
    referral = probabilities["referable"][:, 1]
    verdicts = args.summaries / "verdicts"
    for index, sample in enumerate(test_samples):
        atomic_write_json(verdicts / f"{sample.stem}.json", {
            "image": str(sample.image),
            "dr_grade": int(probabilities["dr"][index].argmax()),
            "dme_risk": int(probabilities["dme"][index].argmax()),
            "referable_prob": float(referral[index]),
        })
    truth = read_grading_truth(args.idrid, "test", progress_bar("copies"))
    result = score_verdicts(truth, read_verdicts(verdicts, truth.labels))
    rows = []
    for subset in ("all", "leak_free"):
        scores = result[subset]
        rows.append(["reproduced here", str(scores["images"]), scores["dr_accuracy"], scores["dme_accuracy"], scores["joint_accuracy"],
                     scores["dr_kappa"], scores.get("referable_auc", math.nan), scores.get("sensitivity_at_80_specificity", math.nan),
                     scores.get("sensitivity_at_90_specificity", math.nan)])
    rows += [[*row, math.nan, math.nan] for row in ISSUE_ROWS]
    print(f"Embedded-default summaries + logistic regression, trained on {len(train_samples)} photographs; "
          f"leaky test photographs: {', '.join(sorted(truth.leaky))}")
    print(markdown_table(["baseline", "test photographs", "DR acc", "DME acc", "joint acc", "DR kappa", "referable AUC",
                          "sens @ 80 % spec", "sens @ 90 % spec"], rows, digits=3))
    print(f"Verdicts: {verdicts} (score them again with `edgeseg eval --grading {verdicts} --data {args.idrid}`)")
    if args.json:
        atomic_write_json(args.json, {"summaries": str(args.summaries), **result})


if __name__ == "__main__":
    main()
