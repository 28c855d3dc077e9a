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

The card being replaced may hold parts derived from the student it ships: the image-quality gate
(bounds set where that student's AUPR fell) and the grader on the findings (fitted on that
student's maps). A new ``--run`` says what becomes of them: ``--derived carry`` keeps them for the
new student, listed in the card's ``carried_over`` with the command that re-derives each (shipping
that part again with ``--quality-gate`` or ``--grader`` removes it from the list); ``--derived drop``
ships the student without them (`edgeseg predict` then gives no verdict and no gate).

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

from edgeseg.checkpoint import load_model, read_card, save_model
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_json
from edgeseg.train.runlog import LOG, read_rows

TEST_PROTOCOL = ("27 IDRiD test images at 4288x2848, pooled average precision of the 16-bit maps of "
                 "edgeseg predict (edgeseg eval)")
TARGET = Path(__file__).resolve().parents[1] / "edgeseg" / "weights" / "u2xs_mt.safetensors"
# The parts of a card derived from the student it holds, with what re-derives each for a new one.
DERIVED = {
    "quality_gate": "python benchmarks/quality_thresholds.py curves/thresholds ..., then tools/ship_default.py --quality-gate",
    "grader": "python benchmarks/findings_grader.py features/choose/test ..., then tools/ship_default.py --grader",
}


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
    parser.add_argument("--derived", choices=("carry", "drop"), help="with --run, when the replaced card has a quality "
                        "gate or a grader (derived from its student): keep them for the new student, or drop them")
    args = parser.parse_args()
    if args.grader:
        from edgeseg.screening.grader import Grader

        data = json.loads(args.grader.read_text())
        Grader.from_dict(data["grader"], str(args.grader))  # refuse a malformed grader before anything is written
        model, card = load_model(args.out)
        card["grader"] = data["grader"]
        card["grader_selection"] = data["selection"]
        write(args.out, model, rederived(card, "grader"))
        write_onnx_twin(args.out, args.data)
        return
    if args.quality_gate:
        from edgeseg.data.quality import QualityGate

        gate = json.loads(args.quality_gate.read_text())["quality_gate"]
        QualityGate.from_dict(gate)  # refuse a malformed gate before anything is written
        model, card = load_model(args.out)
        card["quality_gate"] = gate
        write(args.out, model, rederived(card, "quality_gate"))
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
    previous = read_card(args.out) if args.out.is_file() else {}
    derived = [key for key in DERIVED if previous.get(key)]
    if derived and args.derived is None:
        raise SystemExit(f"error: {args.out} holds a {' and a '.join(derived)} derived from its student; give --derived carry "
                         f"(keep them for the new student, listed as carried over) or --derived drop")
    model, card = load_model(shipped)
    if args.derived == "carry" and derived:
        card.update(carry_over(previous, derived))
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


def carry_over(previous: dict, parts: list[str]) -> dict:
    """The ``parts`` of the ``previous`` card for a new student's card, each listed under
    ``carried_over`` with the student it was derived from and the command that re-derives it."""
    carried = {key: previous[key] for key in parts}
    if "grader" in parts and "grader_selection" in previous:
        carried["grader_selection"] = previous["grader_selection"]
    for key in parts:
        print(f"Carried over the {key} derived from the previous student (created {previous.get('created', '?')}); "
              f"re-derive it: {DERIVED[key]}")
    carried["carried_over"] = {key: {"derived_for": f"the student created {previous.get('created', '?')}",
                                     "rederive": DERIVED[key]} for key in parts}
    return carried


def rederived(card: dict, part: str) -> dict:
    """``card`` with ``part`` no longer listed as carried over from another student."""
    carried = {key: value for key, value in card.get("carried_over", {}).items() if key != part}
    return {**{key: value for key, value in card.items() if key != "carried_over"}, **({"carried_over": carried} if carried else {})}


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
