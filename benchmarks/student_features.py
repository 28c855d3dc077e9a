"""The embedded student's deepest encoder features (En6, 32 channels at 1/32 of the input) pooled
per photograph by average and maximum (64 numbers), for the grading-training photographs: material
for asking whether the grading head gains from the student's features beside its lesion maps
(`benchmarks/grading_head_cv.py --features`). Reads only ``grading/train``.

    python benchmarks/student_features.py --data data/idrid1440-grading --out runs/en6.safetensors
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from edgeseg.data.datasets import open_split, read_manifest
from edgeseg.data.grading import grading_split, source_photographs
from edgeseg.embedded import default_model_path
from edgeseg.fileio import atomic_path, read_image
from edgeseg.inference.runners import open_runner
from edgeseg.progress import progress_bar


def main() -> None:
    import torch
    from safetensors.numpy import save

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a folder `edgeseg data prepare --grading` wrote")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    runner = open_runner(default_model_path(), threads=args.threads)
    network = runner.module.model  # PixelsToProbabilities -> U2Net
    captured: dict[str, torch.Tensor] = {}
    network.encoder[-1].register_forward_hook(lambda module, inputs, output: captured.__setitem__("en6", output))
    contract = runner.info.preprocessing
    samples = open_split(args.data, grading_split("train"))
    photographs = source_photographs(read_manifest(args.data), grading_split("train"), samples)
    rows = []
    for path in progress_bar("student features")(photographs, len(photographs)):
        runner.lesion_maps(contract.prepare(read_image(path)).square)
        features = captured["en6"][0]
        rows.append(torch.cat([features.mean(dim=(1, 2)), features.amax(dim=(1, 2))]).numpy().astype(np.float32))
    with atomic_path(args.out) as tmp:
        tmp.write_bytes(save({"en6": np.stack(rows)}, metadata={"stems": ",".join(sample.stem for sample in samples)}))
    print(f"{args.out}: {len(rows)} photographs x {rows[0].size} features")


if __name__ == "__main__":
    main()
