"""How many validation images hold each lesion, for the default split (``--val-fraction``) and
for every fold of ``--val-fold K/N``: the images behind each validation AUPR. Reads only the
training split's masks; the test set is not touched.

    python benchmarks/validation_folds.py --data data/idrid1440 --folds 5
"""

from __future__ import annotations

import argparse

from edgeseg.data.datasets import open_split
from edgeseg.data.samples import LESIONS
from edgeseg.data.splits import split_train_val
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.report import text_table
from edgeseg.train.datasets import cache_images
from edgeseg.train.validation import images_with_lesion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared data set (edgeseg data prepare)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--val-fraction", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    samples = open_split(args.data, "train")
    items = cache_images(samples, Preprocessing(256, False, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0)), LESIONS, args.threads)
    splits = [(f"--val-fraction {args.val_fraction}", split_train_val(len(items), args.val_fraction, args.seed)[1])]
    splits += [(f"--val-fold {k}/{args.folds}", split_train_val(len(items), 0.0, args.seed, f"{k}/{args.folds}")[1])
               for k in range(1, args.folds + 1)]
    rows = []
    for name, held in splits:
        counts = images_with_lesion([items[i] for i in held], LESIONS)
        rows.append([name, len(held), *(counts[lesion] for lesion in LESIONS)])
    print(f"Validation images holding each lesion ({len(items)} training images of {args.data}, seed {args.seed}):")
    print(text_table(["split", "images", *LESIONS], rows))


if __name__ == "__main__":
    main()
