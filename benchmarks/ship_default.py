"""Make a trained run the embedded default model (`edgeseg/weights/u2xs_mt.safetensors`).

Copies the run's best weights (BatchNorm statistics recalibrated on whole training images, as
every validation does), and completes its model card with what a user of the embedded model
needs: the training compute, the validation AUPR it was selected on, the test AUPR measured once
by ``benchmarks/student_results.py``, the commands that reproduce it, the IDRiD credit and the
research-use notice. Writes the card beside it as JSON too, for reading without edgeseg.

    python benchmarks/ship_default.py --run runs/u2xs-mt --results results.json \
        --command "edgeseg data prepare ... && edgeseg train ..."

Without ``--run``, only the shipped card's test figures are replaced by ``--results`` (the
weights stay as they are): for a change of the test protocol, not of the model.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import torch

from edgeseg.checkpoint import load_model, save_model
from edgeseg.fileio import atomic_write_json

TEST_PROTOCOL = ("27 IDRiD test images at 4288x2848, pooled average precision of the 16-bit maps of "
                 "edgeseg predict (edgeseg eval)")
TARGET = Path(__file__).resolve().parents[1] / "edgeseg" / "weights" / "u2xs_mt.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="run folder (its best.safetensors is shipped); without it, "
                        "only the test figures of the model at --out are replaced")
    parser.add_argument("--results", type=Path, required=True, help="JSON written by student_results.py --json")
    parser.add_argument("--command", action="append", default=[], help="a command that reproduces the model (repeatable)")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    results = json.loads(args.results.read_text())
    if args.run is None:
        model, card = load_model(args.out)
        card.update(test_aupr=results["test_aupr"], test_protocol=TEST_PROTOCOL)
        write(args.out, model, card)
        return
    model, card = load_model(args.run / "best.safetensors")
    rows = list(csv.DictReader((args.run / "log.csv").open()))
    card.update(
        compute={
            "epochs": len(rows),
            "hours": round(sum(float(row["seconds"]) for row in rows) / 3600, 2),
            "hardware": "2-core x86_64 CPU, no GPU",
        },
        validation_aupr={key: value for key, value in card["metrics"].items() if key in card["lesions"]},
        test_aupr=results["test_aupr"],
        test_protocol=TEST_PROTOCOL,
        reproduce=args.command,
        licence="weights: Apache-2.0 (edgeseg); trained on IDRiD (CC-BY 4.0), credit below",
    )
    card["data"]["credit"] = card["data"].get("credit") or "IDRiD (Porwal et al. 2018), CC-BY 4.0"
    write(args.out, model, card)


def write(path: Path, model: torch.nn.Module, card: dict) -> None:
    """The model file and its card beside it as JSON, each written atomically."""
    save_model(path, model, card)
    atomic_write_json(path.with_suffix(".json"), card)
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {path.with_suffix('.json')}")


if __name__ == "__main__":
    main()
