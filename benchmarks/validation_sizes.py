"""Validation AUPR of a trained model at other input sizes than it was trained at, on the
validation split its training carved out (its card's ``--val-fraction``, ``--val-fold`` and seed), with BatchNorm statistics
recomputed on whole training images at each size, as every validation during training does.
Asks whether a larger input (small microaneurysms covering more pixels) helps without retraining.
Reads only the training split; the test set is not touched.

    python benchmarks/validation_sizes.py --weights edgeseg/weights/u2xs_mt.safetensors \
        --data data/idrid1440 --sizes 512,640,768
"""

from __future__ import annotations

import argparse
import dataclasses

from edgeseg.checkpoint import load_model
from edgeseg.data.datasets import open_split
from edgeseg.data.splits import training_split
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.report import text_table
from edgeseg.train.datasets import cache_images
from edgeseg.train.validation import recalibrate_batchnorm, validate


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True, help="model file or run folder")
    parser.add_argument("--data", required=True, help="the prepared data set the model was trained on")
    parser.add_argument("--sizes", default="512,640,768", help="comma-separated input sizes")
    parser.add_argument("--precise-bn-images", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, card = load_model(args.weights)
    trained = Preprocessing.from_dict(card["preprocessing"])
    samples = open_split(args.data, "train")
    train_indices, val_indices = training_split(card.get("training", {}), len(samples))
    lesions = tuple(model.lesions)
    rows = []
    for size in (int(value) for value in args.sizes.split(",")):
        preprocessing = dataclasses.replace(trained, size=size)
        items = cache_images(samples, preprocessing, lesions, args.threads)
        calibration = [items[i] for i in train_indices][: args.precise_bn_images]
        recalibrate_batchnorm(model, calibration, preprocessing, torch.device("cpu"))
        scores = validate(model, [items[i] for i in val_indices], preprocessing, lesions, torch.device("cpu"))
        rows.append([size, *(f"{scores[lesion]:.3f}" for lesion in lesions), f"{scores['mean']:.3f}"])
        print(text_table(["input px", *lesions, "mean"], rows[-1:]), flush=True)
    print(f"\nValidation AUPR of {args.weights} ({len(val_indices)} images, trained at {trained.size} px):")
    print(text_table(["input px", *lesions, "mean"], rows))


if __name__ == "__main__":
    main()
