"""Make a trained run the embedded default model (`edgeseg/weights/u2xs_mt.safetensors`).

Copies the run's best weights (BatchNorm statistics recalibrated on whole training images, as
every validation does), and completes its model card with what a user of the embedded model
needs: the training compute, the validation AUPR it was selected on, the test AUPR measured once
by ``benchmarks/student_results.py``, the commands that reproduce it, the IDRiD credit and the
research-use notice. Writes the card beside it as JSON too, for reading without edgeseg.

    python tools/ship_default.py --run runs/u2xs-mt --results results.json \
        --command "edgeseg data prepare ... && edgeseg train ..."

With ``--final`` the run's final epoch (``last.safetensors``) is shipped instead of its best
validation epoch, for a run reported at its final epoch (issue #30: no selection on 8 images).
Every card written cites its recipe's seed paper by the title ``edgeseg/papers.py`` gives it.

Without ``--run``, only the shipped card's test figures are replaced by ``--results`` (the
weights stay as they are): for a change of the test protocol, not of the model.

With ``--grader FILE`` (``grader.json`` of ``benchmarks/findings_grader.py``), only the shipped
card's grader on the findings is replaced, the same way::

    python tools/ship_default.py --grader runs/findings-grader/grader.json --data data/idrid1440

With ``--quality-gate FILE`` (``thresholds.json`` of ``benchmarks/quality_thresholds.py``), only
the shipped card's image-quality gate is replaced (weights and figures stay)::

    python tools/ship_default.py --quality-gate benchmarks/results-quality/thresholds.json --data data/idrid1440

Every time, the shipped model's fp32 ONNX twin (``u2xs_mt.onnx``, what `edgeseg predict` runs by
default when ONNX Runtime is installed) is exported again, verified on ``--data`` (8 validation
images) and written beside it, its metadata pointing at the ``.safetensors`` it came from::

    python tools/ship_default.py --twin-only --data data/idrid1440
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import torch

from edgeseg.checkpoint import load_model, save_model
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_json
from edgeseg.train.runlog import LOG, read_rows

TEST_PROTOCOL = ("27 IDRiD test images at 4288x2848, pooled average precision of the 16-bit maps of "
                 "edgeseg predict (edgeseg eval)")
TARGET = Path(__file__).resolve().parents[1] / "edgeseg" / "weights" / "u2xs_mt.safetensors"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="run folder (its best.safetensors is shipped); without it, "
                        "only the test figures of the model at --out are replaced")
    parser.add_argument("--results", type=Path, help="JSON written by student_results.py --json")
    parser.add_argument("--data", help="prepared data set to verify the ONNX twin on (default: the card's training data)")
    parser.add_argument("--final", action="store_true", help="ship the run's final epoch (last.safetensors), "
                        "not its best validation epoch (best.safetensors)")
    parser.add_argument("--twin-only", action="store_true", help="only export and verify the ONNX twin of the shipped model")
    parser.add_argument("--command", action="append", default=[], help="a command that reproduces the model (repeatable)")
    parser.add_argument("--out", type=Path, default=TARGET)
    parser.add_argument("--quality-gate", type=Path, help="thresholds.json of benchmarks/quality_thresholds.py: set the card's gate")
    parser.add_argument("--grader", type=Path, help="grader.json of benchmarks/findings_grader.py: set the card's grader")
    args = parser.parse_args()
    if args.grader:
        from edgeseg.screening.grader import Grader

        data = json.loads(args.grader.read_text())
        Grader.from_dict(data["grader"], str(args.grader))  # refuse a malformed grader before anything is written
        model, card = load_model(args.out)
        card["grader"] = data["grader"]
        card["grader_selection"] = data["selection"]
        write(args.out, model, card)
        write_onnx_twin(args.out, args.data)
        return
    if args.quality_gate:
        from edgeseg.data.quality import QualityGate

        gate = json.loads(args.quality_gate.read_text())["quality_gate"]
        QualityGate.from_dict(gate)  # refuse a malformed gate before anything is written
        model, card = load_model(args.out)
        card["quality_gate"] = gate
        write(args.out, model, card)
        write_onnx_twin(args.out, args.data)
        return
    if args.twin_only:
        write_onnx_twin(args.out, args.data)
        return
    if args.results is None:
        parser.error("--results is required (or --twin-only)")
    results = json.loads(args.results.read_text())
    if args.run is None:
        model, card = load_model(args.out)
        card.update(test_aupr=results["test_aupr"], test_protocol=TEST_PROTOCOL)
        write(args.out, model, card)
        write_onnx_twin(args.out, args.data)
        return
    if args.final:  # last.safetensors is written at every epoch end: only a finished run's is its final epoch
        from edgeseg.train.status import run_status

        status = run_status(args.run)
        if not status.finished:
            raise SystemExit(f"error: {args.run} stands at epoch {status.epochs_done} of {status.epochs_total}; "
                             f"finish it first (edgeseg train --resume {args.run})")
    shipped = args.run / ("last.safetensors" if args.final else "best.safetensors")
    if not shipped.is_file():
        raise SystemExit(f"error: {shipped} not found; has the run validated yet?")
    model, card = load_model(shipped)
    rows = read_rows(args.run / LOG)
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
    write_onnx_twin(args.out, args.data)


def portable_training(training: dict) -> dict:
    """The card's training record with this machine's absolute folders named, not located
    (``/work/data/idrid1440`` -> ``idrid1440``), in its options and in its command alike: a
    user's machine has none of them, and ``reproduce`` gives the commands to run."""
    located = [value for key in ("data", "out", "init") if isinstance(value := training.get(key), str) and Path(value).is_absolute()]
    located += [value for value in training.get("teachers", []) if Path(value).is_absolute()]
    portable = {key: Path(value).name if value in located else value for key, value in training.items() if key != "teachers"}
    portable["teachers"] = [Path(value).name if value in located else value for value in training.get("teachers", [])]
    for value in sorted(located, key=len, reverse=True):
        portable["command"] = portable.get("command", "").replace(value, Path(value).name)
    return portable


def write(path: Path, model: torch.nn.Module, card: dict) -> None:
    """The model file and its card beside it as JSON, each written atomically."""
    from edgeseg.train import get_recipe

    card = {**card, "training": portable_training(card.get("training", {})), "paper": get_recipe(card["recipe"]).paper}
    save_model(path, model, card)
    atomic_write_json(path.with_suffix(".json"), card)
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.2f} MB) and {path.with_suffix('.json')}")


def write_onnx_twin(path: Path, data: str | None) -> None:
    """Export ``path`` to fp32 ONNX, verified, and place it beside ``path`` as ``<stem>.onnx``
    with its metadata's source naming the model file beside it (not a machine's path)."""
    from edgeseg.export import ExportOptions, read_metadata
    from edgeseg.export.exporter import export_model
    from edgeseg.export.metadata import embed_onnx

    with tempfile.TemporaryDirectory() as work:
        (result,) = export_model(ExportOptions(weights=str(path), target="onnx", precisions=["fp32"], data=data, out=work, golden=False))
        if not result.ok:
            raise EdgesegError(f"the ONNX twin of {path} failed: {result.status}: {result.message}")
        metadata = read_metadata(result.path)
        metadata["source"]["file"] = path.name
        if data:  # name the data set, not this machine's folder
            metadata["verification_images"] = metadata["verification_images"].replace(str(data), Path(data).name)
        metadata["file"] = path.with_suffix(".onnx").name
        embed_onnx(result.path, metadata)
        shutil.copyfile(result.path, path.with_suffix(".onnx"))
    print(f"Wrote {path.with_suffix('.onnx')}: {result.verification.summary()}")


if __name__ == "__main__":
    main()
