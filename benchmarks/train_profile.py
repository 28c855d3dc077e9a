"""Where the time of a training epoch goes, on this machine: data preparation versus the model.

Measures, for one recipe (default ``u2xs-mt``) on a prepared data set:

1. building the in-memory cache (decode, field-of-view crop, pad, resize, CLAHE) per image;
2. augmentation + normalisation per sample (what the loader does every step);
3. one optimizer step (forward, loss, backward, Adam) on full images and on lesion-biased
   crops, in eager mode and channels-last (and ``torch.compile`` with ``--compile``),

and prints a Markdown table with the implied seconds per epoch. Run it on a quiet machine:

    python benchmarks/train_profile.py --data data/idrid1440 [--size 512] [--crop 256] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from edgeseg.data.datasets import open_split
from edgeseg.models import create
from edgeseg.report import markdown_table
from edgeseg.train.datasets import AugmentedSegmentation, cache_images
from edgeseg.data.statistics import channel_mean_std
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.train.recipes import get_recipe
from edgeseg.train.tasks import build_loss, make_augment


def _median_seconds(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--recipe", default="u2xs-mt")
    parser.add_argument("--size", type=int, default=None)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--images", type=int, default=12, help="images to cache for the measurement")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    recipe = get_recipe(args.recipe)
    size = args.size or recipe.size
    model = create(recipe.model, **recipe.model_options)
    samples = open_split(args.data, "train")
    train_images = len(samples)
    samples = samples[: args.images]
    geometry = Preprocessing(size, recipe.clahe, (0, 0, 0), (1, 1, 1))
    start = time.perf_counter()
    items = cache_images(samples, geometry, model.lesions, threads=args.threads)
    cache_seconds = (time.perf_counter() - start) / len(items)
    mean, std = channel_mean_std([item.image for item in items])
    preprocessing = Preprocessing(size, recipe.clahe, mean, std)
    stage = recipe.stages[0]
    loss = build_loss(stage)
    rows = [["cache one image (decode, crop, pad, resize, CLAHE)", f"{cache_seconds:.3f}", f"{cache_seconds * train_images:.1f} (once per run)"]]
    batch = recipe.batch_size
    steps_per_epoch = -(-int(train_images * 0.85) // batch)
    for crop in (None, args.crop):
        dataset = AugmentedSegmentation(items, preprocessing, make_augment(recipe, crop), seed=0)
        counter = iter(range(10**6))
        augment = _median_seconds(lambda: dataset[(next(counter) % len(items), 0, next(counter))], 20)
        label = f"{crop} px crops" if crop else f"full {size} px images"
        rows.append([f"augment + normalise one sample ({label})", f"{augment:.4f}", f"{augment * batch * steps_per_epoch:.1f}"])
        images = torch.stack([dataset[(i % len(items), 0, i)][0] for i in range(batch)])
        masks = torch.stack([dataset[(i % len(items), 0, i)][1] for i in range(batch)])
        variants = [("eager", model, images, masks)]
        channels_last = model.to(memory_format=torch.channels_last)
        variants.append(("channels-last", channels_last, images.contiguous(memory_format=torch.channels_last), masks))
        if args.compile:
            variants.append(("torch.compile", torch.compile(model), images, masks))
        for name, network, x, y in variants:
            optimizer = torch.optim.Adam(network.parameters(), 1e-3)
            network.train()

            def step() -> None:
                optimizer.zero_grad(set_to_none=True)
                loss(network(x), y).backward()
                optimizer.step()

            step()  # warm-up (and compilation)
            seconds = _median_seconds(step, args.steps)
            rows.append([f"optimizer step, batch {batch}, {label}, {name}", f"{seconds:.2f}", f"{seconds * steps_per_epoch:.1f}"])
    print(f"{args.recipe} at {size} px, {args.threads} threads, {train_images} training images "
          f"({steps_per_epoch} steps of {batch} per epoch after the 15 % validation split)\n")
    print(markdown_table(["what", "seconds", "seconds per epoch"], rows))


if __name__ == "__main__":
    main()
