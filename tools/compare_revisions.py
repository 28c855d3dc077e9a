"""Show that a change left the embedded default's behaviour as it was: this checkout against an
earlier commit, each run from its own source tree (issue #33, "behaviour unchanged").

    python tools/compare_revisions.py --before REV --photos IMAGE [IMAGE ...] [--targets onnx,tflite]

The earlier commit is unpacked with ``git archive`` into a temporary folder and run from there
(``PYTHONPATH`` puts its package before the installed one); then, for each tree:

1. ``edgeseg export`` of the embedded default at fp32 for every target, verified on the same
   synthetic images; the two trees' files are then run by this checkout's runners on the same
   squares, and every output must be equal to the bit;
2. ``edgeseg predict`` with the embedded default's PyTorch file (the inference wrapper, the input
   contract, the summary, findings and verdict): every probability map equal to the bit, and the
   summaries equal but for timings and paths;
3. the committed golden vectors compared by content (JSON as data, the generating tool's own path
   aside; PNG as pixels; gzip decompressed; ``.tflite`` by its embedded metadata, that path aside).

Prints one line per check and exits 1 at the first tree pair that differs.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

from edgeseg.inference.model_info import read_metadata
from edgeseg.inference.runners import open_runner

HERE = Path(__file__).resolve().parents[1]
GOLDEN_HOMES = ("export/golden", "android_demo/fundus-core/src/test/resources/golden")  # now, and before issue #33
TOOL_PATHS = ("tools/make_golden.py", "android_demo/tools/make_golden.py")
VOLATILE = ("seconds", "model", "image", "created", "edgeseg_version")  # summary keys that name paths or times


def edgeseg(tree: Path, *args: str, cwd: Path) -> None:
    """``python -m edgeseg ARGS`` with ``tree``'s package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    result = subprocess.run([sys.executable, "-m", "edgeseg", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{tree}: edgeseg {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")


def compare_exports(trees: dict[str, Path], work: Path, targets: list[str]) -> list[str]:
    """The fp32 exports of the embedded default by each tree, run on the same squares."""
    squares = [np.random.default_rng(seed).integers(0, 256, (512, 512, 3), dtype=np.uint8) for seed in range(3)]
    lines = []
    for target in targets:
        files = {}
        for name, tree in trees.items():
            out = work / name / f"export-{target}"
            edgeseg(tree, "export", "--target", target, "--precision", "fp32", "--out", str(out), cwd=work)
            (files[name],) = [path for path in out.iterdir() if path.suffix in (".onnx", ".tflite", ".mlpackage")]
        runners = {name: open_runner(path) for name, path in files.items()}
        worst = 0.0
        for square in squares:
            before, after = (runners[name](square) for name in trees)
            if before.keys() != after.keys():
                return lines + [f"DIFFERENT {target}: outputs {sorted(before)} against {sorted(after)}"]
            worst = max(worst, *(float(np.abs(before[key] - after[key]).max()) for key in before))
        lines.append(f"{'same' if worst == 0 else 'DIFFERENT'} {target} fp32 export: outputs on {len(squares)} squares, "
                     f"largest difference {worst:g}")
    return lines


def comparable(summary: dict) -> dict:
    return {key: comparable(value) if isinstance(value, dict) else value
            for key, value in summary.items() if not key.startswith(VOLATILE)}


def compare_predictions(trees: dict[str, Path], work: Path, photos: list[Path]) -> list[str]:
    """`edgeseg predict` with each tree's embedded PyTorch file on ``photos``."""
    folders = {}
    for name, tree in trees.items():
        folders[name] = work / name / "predict"
        edgeseg(tree, "predict", *map(str, photos), "--model", str(tree / "edgeseg" / "weights" / "u2xs_mt.safetensors"),
                "--out", str(folders[name]), "--threads", "1", cwd=work)
    before, after = folders.values()
    maps = sorted(path.name for path in before.glob("*.png"))
    if maps != sorted(path.name for path in after.glob("*.png")) or not maps:
        return [f"DIFFERENT predict: map files {maps} against {sorted(p.name for p in after.glob('*.png'))}"]
    differing = [name for name in maps if not np.array_equal(cv2.imread(str(before / name), cv2.IMREAD_UNCHANGED),
                                                               cv2.imread(str(after / name), cv2.IMREAD_UNCHANGED))]
    summaries = [name.name for name in before.glob("*.json")
                 if comparable(json.loads(name.read_text())) != comparable(json.loads((after / name.name).read_text()))]
    verdict = "same" if not differing and not summaries else "DIFFERENT"
    return [f"{verdict} predict (PyTorch, {len(photos)} photographs): {len(maps) - len(differing)} of {len(maps)} maps equal to "
            f"the bit; summaries differing: {summaries or 'none'}"]


def without_tool(data):
    """JSON data with the generating tool's own path left out (it moved with issue #33)."""
    if isinstance(data, dict):
        return {key: without_tool(value) for key, value in data.items() if value not in TOOL_PATHS}
    if isinstance(data, list):
        return [without_tool(value) for value in data]
    return data


def same_golden(before: Path, after: Path) -> bool:
    if before.suffix == ".json":
        return without_tool(json.loads(before.read_text())) == without_tool(json.loads(after.read_text()))
    if before.suffix == ".png":
        return np.array_equal(cv2.imread(str(before), cv2.IMREAD_UNCHANGED), cv2.imread(str(after), cv2.IMREAD_UNCHANGED))
    if before.suffix == ".gz":
        return gzip.decompress(before.read_bytes()) == gzip.decompress(after.read_bytes())
    if before.suffix == ".tflite":
        return without_tool(read_metadata(before)) == without_tool(read_metadata(after))
    return before.read_bytes() == after.read_bytes()


def compare_goldens(trees: dict[str, Path]) -> list[str]:
    homes = {name: next(tree / home for home in GOLDEN_HOMES if (tree / home).is_dir()) for name, tree in trees.items()}
    listings = {name: sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()) for name, home in homes.items()}
    before, after = listings.values()
    if before != after:
        return [f"DIFFERENT golden vectors: files {sorted(set(before) ^ set(after))}"]
    differing = [name for name in before if not same_golden(*(home / name for home in homes.values()))]
    return [f"{'same' if not differing else 'DIFFERENT'} golden vectors: {len(before) - len(differing)} of {len(before)} files "
            f"equal by content{'' if not differing else ': ' + ', '.join(differing)}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the earlier commit (any git revision)")
    parser.add_argument("--photos", type=Path, nargs="+", required=True, help="fundus photographs for `edgeseg predict`")
    parser.add_argument("--targets", default="onnx,tflite", help="export targets, comma-separated (default onnx,tflite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = Path(temporary)
        before = work / "before-tree"
        before.mkdir()
        archive = subprocess.run(["git", "archive", args.before], cwd=HERE, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive, check=True)
        trees = {"before": before, "after": HERE}
        print(f"{args.before} against this checkout ({subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=HERE, capture_output=True, text=True).stdout.strip()}, "
              "with any uncommitted changes)")
        lines = compare_goldens(trees)
        lines += compare_predictions(trees, work, [photo.resolve() for photo in args.photos])
        lines += compare_exports(trees, work, [target.strip() for target in args.targets.split(",") if target.strip()])
    print("\n".join(lines))
    return 1 if any(line.startswith("DIFFERENT") for line in lines) else 0


if __name__ == "__main__":
    sys.exit(main())
