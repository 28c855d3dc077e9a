"""SUNet's (paper 002) grading figures on the IDRiD grading test set, beside the paper's.

Runs a trained SUNet (a run folder or model file) on the graded test photographs of a folder
prepared by `edgeseg data prepare --idrid DIR --grading`, preprocessed as its model card says
(the training's crop, square, size and normalisation). Per photograph it writes the verdict
``STEM.json`` (``dr_grade`` and ``dme_risk``: the most probable classes; ``referable_prob``:
1 - P(DR < 2) P(DME < 2), :func:`edgeseg.metrics.grading.referable_probability`; the class
probabilities beside them), then scores the folder exactly as
``edgeseg eval --grading OUT --data DATA`` does: on all test photographs and on the leak-free ones.

    python benchmarks/sunet_test.py --weights runs/sunet-256 --data data/idrid1440-grading \\
        --out runs/sunet-256/test [--threads 1] [--json FILE] [--plot FILE]

It prints a Markdown table with the paper's row (DR 0.6505, DME 0.8155, joint 0.6116, on the
103 test photographs) and the IDRiD challenge winner's joint accuracy (0.6311).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

PAPER_ROWS = [
    # (label, photographs, DR accuracy, DME accuracy, joint accuracy)
    ("SUNet, paper 002 (Table 3)", "103", 0.6505, 0.8155, 0.6116),
    ("IDRiD challenge winner (as cited by paper 002)", "103", math.nan, math.nan, 0.6311),
]


def write_verdicts(weights: str, data: str, split: str, out: Path, threads: int) -> dict:
    """Run the model on every graded photograph of ``split`` and write ``out/STEM.json``; returns the card."""
    import torch

    from edgeseg.checkpoint import load_model
    from edgeseg.data.folder import read_folder
    from edgeseg.data.grading import grading_split
    from edgeseg.fileio import atomic_write_json
    from edgeseg.inference.preprocessing import Preprocessing
    from edgeseg.metrics.grading import referable_probability
    from edgeseg.progress import progress_bar

    torch.set_num_threads(threads)
    model, card = load_model(weights)
    if card.get("task") != "grading":
        raise SystemExit(f"{weights}: a {card.get('task', 'segmentation')} model; this script scores grading models (SUNet)")
    preprocessing = Preprocessing.from_dict(card["preprocessing"])
    samples = read_folder(Path(data), grading_split(split))
    with torch.no_grad():
        for sample in progress_bar("sunet")(samples, len(samples)):
            square = preprocessing.image_to_square(sample.load_image())
            output = model(torch.from_numpy(preprocessing.normalize(square))[None])
            dr = torch.softmax(output["dr"].float(), 1).numpy()
            dme = torch.softmax(output["dme"].float(), 1).numpy()
            atomic_write_json(out / f"{sample.stem}.json", {
                "image": str(sample.image),
                "model": str(weights),
                "dr_grade": int(dr.argmax()),
                "dme_risk": int(dme.argmax()),
                "referable_prob": float(referable_probability(dr, dme)[0]),
                "dr_probabilities": [round(float(p), 6) for p in dr[0]],
                "dme_probabilities": [round(float(p), 6) for p in dme[0]],
            })
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="run folder (its best.safetensors) or model file")
    parser.add_argument("--data", required=True, help="a folder prepared with `edgeseg data prepare --idrid DIR --grading`")
    parser.add_argument("--split", default="test")
    parser.add_argument("--out", required=True, type=Path, help="folder for the per-photograph verdicts")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the scores here")
    parser.add_argument("--plot", type=Path, help="also write the confusion matrices (all photographs) here")
    args = parser.parse_args()

    from edgeseg.evaluate_grading import read_grading_truth, read_verdicts, score_verdicts
    from edgeseg.fileio import atomic_write_json
    from edgeseg.metrics.grading import plot_confusion_matrices
    from edgeseg.report import markdown_table

    card = write_verdicts(args.weights, args.data, args.split, args.out, args.threads)
    truth = read_grading_truth(args.data, args.split)
    result = score_verdicts(truth, read_verdicts(args.out, truth.labels))
    position = card.get("position", {})
    label = f"SUNet here ({card['preprocessing']['size']} px, epoch {position.get('epoch', '?')}"
    rows = []
    for subset, name in (("all", "all"), ("leak_free", "leak-free")):
        scores = result[subset]
        rows.append([f"{label}, {name})", str(scores["images"]), scores["dr_accuracy"], scores["dme_accuracy"],
                     scores["joint_accuracy"], scores["dr_kappa"], scores.get("referable_auc", math.nan),
                     scores.get("sensitivity_at_80_specificity", math.nan), scores.get("sensitivity_at_90_specificity", math.nan)])
    rows += [[name, count, dr, dme, joint, math.nan, math.nan, math.nan, math.nan] for name, count, dr, dme, joint in PAPER_ROWS]
    headers = ["model", "test photographs", "DR acc", "DME acc", "joint acc", "DR kappa", "referable AUC",
               "sens @ 80 % spec", "sens @ 90 % spec"]
    print(f"Leaky test photographs left out of the leak-free rows: {', '.join(sorted(truth.leaky)) or 'none'}")
    print(markdown_table(headers, rows, digits=4))
    print(f"Validation scores in the model card: {({k: v for k, v in card.get('metrics', {}).items() if k.endswith('accuracy')})}")
    if args.plot:
        plot_confusion_matrices(result["all"]["confusion"], args.plot, f"SUNet on {result['all']['images']} IDRiD {args.split} photographs")
    if args.json:
        atomic_write_json(args.json, {"weights": str(args.weights), "card_position": position, **result})


if __name__ == "__main__":
    main()
