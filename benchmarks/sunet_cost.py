"""What SUNet (paper 002) training costs on this machine, per input size: the measurement behind
the size chosen for its IDRiD grading run.

For each ``--sizes`` entry it builds SUNet (ResNet-34 from scratch, the ``sunet`` recipe's model)
and times real optimizer steps of the recipe (Adam, L = L_R + 1 L_DR + 0.5 L_DME, a batch of
``--batch-size``) on random tensors of that size: one warm-up step, then ``--steps`` timed ones,
alternating a batch with lesion masks (all three losses) and one without (L_R = 0), as the
alternating task does. It also times the evaluation forward pass of one image (validation, and
``sunet_test.py``). The epoch is then priced on the prepared data set given by ``--data``: the
number of steps of one epoch of `edgeseg train --recipe sunet` (two per batch of graded
photographs without masks, after the validation split) and the validation photographs.

    python benchmarks/sunet_cost.py --data data/idrid1440-grading --threads 1 --sizes 256,384,512

Run it with the thread count of the training; it prints a Markdown table and, with ``--json``,
writes the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time


def epoch_shape(data: str, batch_size: int, val_fraction: float, seed: int) -> dict:
    """Steps per epoch and validation photographs of `edgeseg train --recipe sunet` on ``data``,
    from the same split the engine makes (no image is decoded)."""
    from edgeseg.data.datasets import open_split, read_manifest
    from edgeseg.data.folder import read_folder, read_grades
    from edgeseg.data.grading import training_copies_of_test, training_groups
    from edgeseg.data.splits import split_grouped_train_val

    manifest = read_manifest(data)
    withheld = training_copies_of_test(manifest)
    segmentation = [sample for sample in open_split(data, "train") if sample.stem not in withheld]
    graded = read_folder(f"{data}/grading", "train")
    groups = training_groups(manifest, [s.stem for s in segmentation], [g.stem for g in graded])
    kept, held = split_grouped_train_val(groups[0] + groups[1], val_fraction, seed)
    count = len(segmentation)
    grades = read_grades(f"{data}/train")
    masked = sum(1 for i in kept if i < count and segmentation[i].stem in grades)
    unmasked = sum(1 for i in kept if i >= count)
    val_graded = sum(1 for i in held if i >= count) + sum(1 for i in held if i < count and segmentation[i].stem in grades)
    batches = math.ceil(unmasked / batch_size)
    return {"masked_train": masked, "unmasked_train": unmasked, "val_images": len(held), "val_graded": val_graded,
            "steps_per_epoch": 2 * batches if masked else batches}


def measure(size: int, batch_size: int, steps: int, threads: int) -> dict:
    """Median CPU seconds (process time: the budget's unit, unaffected by other processes on a
    shared machine) of one optimizer step and of one evaluation forward pass at ``size``; the
    step's wall-clock seconds beside them."""
    import numpy as np
    import torch

    from edgeseg.losses.sunet import sunet_loss
    from edgeseg.models import count_parameters, create
    from edgeseg.train.recipes import get_recipe

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    recipe = get_recipe("sunet")
    model = create(recipe.model, **recipe.model_options).train()
    spec = recipe.stages[0].optimizer
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.lr, weight_decay=spec.weight_decay)
    images = torch.randn(batch_size, 3, size, size)
    masks = (torch.rand(batch_size, model.num_lesions, size, size) > 0.99).float()
    dr, dme = torch.randint(0, 5, (batch_size,)), torch.randint(0, 3, (batch_size,))
    times, wall = [], []
    for step in range(steps + 1):
        began, began_wall = time.process_time(), time.perf_counter()
        loss = sunet_loss(model(images), dr, dme, masks if step % 2 == 0 else None)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step:  # the first step warms up the allocator and kernels
            times.append(time.process_time() - began)
            wall.append(time.perf_counter() - began_wall)
    model.eval()
    forward = []
    with torch.no_grad():
        for _ in range(3):
            began = time.process_time()
            model(images[:1])
            forward.append(time.process_time() - began)
    return {"size": size, "batch_size": batch_size, "threads": threads, "parameters": count_parameters(model),
            "seconds_per_step": float(np.median(times)), "wall_seconds_per_step": float(np.median(wall)),
            "seconds_per_image_eval": float(np.median(forward[1:])),
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a folder prepared with `edgeseg data prepare --idrid DIR --grading`")
    parser.add_argument("--sizes", default="256,384,512")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8, help="the sunet recipe's batch (default 8)")
    parser.add_argument("--steps", type=int, default=4, help="timed steps per size after one warm-up step")
    parser.add_argument("--budget-hours", type=float, default=3.0, help="CPU hours to fit the training into")
    parser.add_argument("--val-every", type=int, default=2, help="epochs between validations (the recipe's 2)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    from edgeseg.report import markdown_table

    shape = epoch_shape(args.data, args.batch_size, 0.15, 0)
    print(f"One epoch: {shape['steps_per_epoch']} steps of {args.batch_size} ({shape['unmasked_train']} graded photographs "
          f"without masks, {shape['masked_train']} with masks cycled); validation on {shape['val_images']} photographs "
          f"({shape['val_graded']} graded)")
    results, rows = [], []
    for size in map(int, args.sizes.split(",")):
        result = measure(size, args.batch_size, args.steps, args.threads)
        train_seconds = result["seconds_per_step"] * shape["steps_per_epoch"]
        val_seconds = result["seconds_per_image_eval"] * (shape["val_images"] + 32) / args.val_every  # + precise BN
        result.update(epoch_seconds=train_seconds + val_seconds,
                      epochs_in_budget=args.budget_hours * 3600 / (train_seconds + val_seconds))
        results.append(result)
        rows.append([f"{size} px", f"{result['seconds_per_step']:.1f} ({result['wall_seconds_per_step']:.1f})",
                     f"{result['seconds_per_image_eval']:.2f}",
                     f"{result['epoch_seconds'] / 60:.1f}", f"{result['epochs_in_budget']:.1f}", f"{result['peak_rss_mib']:.0f}"])
        print(rows[-1], flush=True)
    headers = ["input", f"CPU s / step, batch {args.batch_size} (wall)", "CPU s / image (eval)", "CPU min / epoch",
               f"epochs in {args.budget_hours:g} CPU h", "peak RSS MiB"]
    print(f"\nSUNet (ResNet-34 from scratch), {args.threads} thread(s):\n")
    print(markdown_table(headers, rows))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"epoch": shape, "results": results}, handle, indent=2)


if __name__ == "__main__":
    main()
