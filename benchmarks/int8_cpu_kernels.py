"""The same ONNX file on this CPU and on an emulated AVX2-only CPU: does its output depend on the
machine's integer kernels?

ONNX Runtime's x86 int8 kernels for uint8 activations x int8 weights (u8s8) use VPMADDUBSW on CPUs
without AVX-512 VNNI / AVX-VNNI: it adds two u8 x s8 products into a signed 16-bit value and
saturates, so bright pixels times large weights are clipped (ONNX Runtime's quantization docs,
"when and why do I need to try U8U8"). VNNI CPUs accumulate in 32 bits and do not saturate. This
script runs each file natively and under QEMU's user-mode emulation of an AVX2-only AMD EPYC
(``qemu-x86_64 -cpu EPYC-Rome``, Debian's qemu-user), on the golden input of an exported file,
and prints how far the two outputs are apart.

    apt-get install qemu-user
    python benchmarks/int8_cpu_kernels.py build/exports/u2xs_mt/u2xs_mt_fp32.onnx build/exports/u2xs_mt/u2xs_mt_int8.onnx \
        --input build/exports/u2xs_mt/u2xs_mt_fp32.onnx.golden
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from edgeseg.outputs import LESION_OUTPUT

EMULATED_CPU = "EPYC-Rome"  # AMD Zen 2: AVX2, no AVX-512, no VNNI


def run(path: str, golden: Path) -> np.ndarray:
    import onnxruntime as ort

    spec = json.loads((golden / "golden.json").read_text())
    size = spec["square"]["size"]
    x = np.fromfile(golden / "input_f32.bin", dtype=np.float32).reshape(1, 3, size, size)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    return session.run([LESION_OUTPUT], {session.get_inputs()[0].name: x})[0][0]


def emulated(path: str, golden: Path) -> np.ndarray:
    qemu = shutil.which("qemu-x86_64")
    if qemu is None:
        sys.exit("qemu-x86_64 not found: apt-get install qemu-user")
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out.npy"
        command = [qemu, "-cpu", EMULATED_CPU, str(Path(sys.executable).resolve()), __file__, "--worker", path, str(golden), str(out)]
        subprocess.run(command, check=True, stderr=subprocess.DEVNULL)
        return np.load(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*")
    parser.add_argument("--input", type=Path, help="a <file>.golden/ folder whose input_f32.bin both runs read")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        path, golden, out = args.worker
        np.save(out, run(path, Path(golden)))
        return
    lesions = json.loads((args.input / "golden.json").read_text())["lesions"]
    print(f"input: {args.input}; emulated CPU: {EMULATED_CPU} (AVX2, no VNNI)")
    print("| file | lesion | max abs difference | mean abs difference | pixels >= 0.5 on one side only |")
    print("|---|---|---|---|---|")
    for path in args.files:
        native, other = run(path, args.input), emulated(path, args.input)
        for index, lesion in enumerate(lesions):
            difference = np.abs(native[index] - other[index])
            flipped = int(((native[index] >= 0.5) != (other[index] >= 0.5)).sum())
            print(f"| {Path(path).name} | {lesion} | {difference.max():.4f} | {difference.mean():.2e} | {flipped} |")


if __name__ == "__main__":
    main()
