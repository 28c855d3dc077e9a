"""What one training epoch of each teacher recipe costs on this machine, at its paper resolution
or on crops of it, and at reduced ones: the measurement behind the teacher plan in ``docs/results.md``.

Each configuration runs in a fresh process (so one that runs out of memory or time does not stop
the table): it caches the training split at the configuration's size exactly as
``edgeseg train`` does, builds every stage's task (Dual2Net's two-sampler step, Red-Seg's Top-k
step, the local-global stages, ...), and times real optimizer steps (forward, the stage's loss,
backward, the stage's optimizer) after one warm-up step. Seconds per epoch are the median step
times the number of steps an epoch of the 46 training images has (after the 15 % validation
split); "recipe hours" adds up the recipe's stages at their paper epochs.

    python benchmarks/teacher_cost.py --data data/idrid1440 [--threads 2] [--steps 2]

Run it on a quiet machine; it prints a Markdown table and writes ``--json`` if given.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

# (recipe, size, crop, model options): the paper configuration first, then reduced ones.
CONFIGURATIONS: list[tuple[str, int, int | None, dict]] = [
    ("u2xs-mt", 512, None, {}),
    ("u2xs-mt", 512, 256, {}),
    ("u2net-st", 512, 256, {"lesion": "EX"}),
    ("dual2net-hed", 1440, 512, {}),
    ("dual2net-hed", 720, None, {}),
    ("dual2net-pspnet", 720, None, {}),
    ("dual2net-deeplabv3", 720, None, {}),
    ("redseg", 1072, 256, {}),
    ("redseg", 1072, None, {}),
    ("localglobal", 1440, None, {"lesion": "MA"}),
    ("localnet", 1440, 256, {"lesion": "MA"}),
    ("localnet", 1440, 256, {"lesion": "MA", "base_channels": 32, "max_channels": 512}),
    ("localnet", 1440, 256, {"lesion": "HE"}),
    ("localnet", 1440, 256, {"lesion": "HE", "base_channels": 32, "max_channels": 512}),
]


def measure(data: str, recipe_name: str, size: int, crop: int | None, model_options: dict, threads: int, steps: int) -> dict:
    """Seconds per optimizer step of every stage of one configuration (runs in this process)."""
    import numpy as np
    import torch
    from torch.utils.data import default_collate

    from edgeseg.models import count_parameters, create
    from edgeseg.train import TrainOptions
    from edgeseg.train.engine import Trainer, make_optimizer, trainable_parameters
    from edgeseg.train.steps import build_task
    from edgeseg.train.tasks import StepContext

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    options = TrainOptions(recipe=recipe_name, data=data, out="unused", size=size, crop=crop, model_options=model_options)
    trainer = Trainer(options)
    recipe = trainer.recipe
    model = create(recipe.model, **recipe.model_options)
    start = time.perf_counter()
    training = trainer.load_data(tuple(model.lesions))
    cache_seconds = time.perf_counter() - start
    model.train()
    stages = []
    for stage in recipe.stages:
        task = build_task(recipe, stage, training, 0, crop)
        optimizer = make_optimizer(stage, trainable_parameters(model, stage))
        plan = task.plan(0, recipe.batch_size)
        times = []
        for iteration in range(steps + 1):
            batch = default_collate([task.dataset[key] for key in plan[iteration % len(plan)]])
            began = time.perf_counter()
            context = StepContext(0, stage.epochs, iteration, len(plan), iteration, 0)
            loss = task.compute_loss(model, batch, context)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            if iteration:  # the first step warms up the allocator and kernels
                times.append(time.perf_counter() - began)
        step = float(np.median(times))
        stages.append({"stage": stage.name, "epochs": stage.epochs, "steps_per_epoch": len(plan), "seconds_per_step": step,
                       "seconds_per_epoch": step * len(plan)})
    return {
        "recipe": recipe_name, "size": size, "crop": crop, "model_options": model_options, "batch_size": recipe.batch_size,
        "parameters": count_parameters(model), "cache_seconds": cache_seconds, "stages": stages,
        "recipe_hours": sum(s["epochs"] * s["seconds_per_epoch"] for s in stages) / 3600,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _row(result: dict) -> list[str]:
    per_stage = "; ".join(f"{s['stage']} {s['seconds_per_epoch']:.0f} s ({s['steps_per_epoch']} x {s['seconds_per_step']:.2f} s)" for s in result["stages"])
    crop = f"{result['crop']} crops" if result["crop"] else "whole image"
    options = ", ".join(f"{k}={v}" for k, v in result["model_options"].items())
    return [f"{result['recipe']}" + (f" ({options})" if options else ""), f"{result['size']} px, {crop}", f"{result['parameters'] / 1e6:.1f} M",
            per_stage, f"{result['recipe_hours']:.1f}", f"{result['peak_rss_mib']:.0f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=2, help="timed steps per stage after one warm-up step")
    parser.add_argument("--timeout", type=float, default=600, help="seconds allowed per configuration")
    parser.add_argument("--only", help="comma-separated recipe names to measure (default: all)")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one configuration (JSON) and print JSON
    args = parser.parse_args()
    if args.one:
        spec = json.loads(args.one)
        print(json.dumps(measure(args.data, spec["recipe"], spec["size"], spec["crop"], spec["options"], args.threads, args.steps)))
        return

    from edgeseg.report import markdown_table

    wanted = set(args.only.split(",")) if args.only else None
    results, rows = [], []
    for recipe, size, crop, options in CONFIGURATIONS:
        if wanted and recipe not in wanted:
            continue
        spec = json.dumps({"recipe": recipe, "size": size, "crop": crop, "options": options})
        command = [sys.executable, __file__, "--data", args.data, "--threads", str(args.threads), "--steps", str(args.steps), "--one", spec]
        print(f"measuring {recipe} at {size} px" + (f", {crop} crops" if crop else ""), file=sys.stderr, flush=True)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            rows.append([recipe, f"{size} px", "", f"over {args.timeout:.0f} s for {args.steps + 1} steps per stage", "", ""])
            continue
        if done.returncode != 0:
            reason = (done.stderr.strip().splitlines() or ["killed (out of memory?)"])[-1]
            rows.append([recipe, f"{size} px", "", f"failed: {reason[:120]}", "", ""])
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        results.append(result)
        rows.append(_row(result))
    print(f"{args.threads} threads, median of {args.steps} optimizer steps per stage after a warm-up step\n")
    print(markdown_table(["recipe", "input", "params", "seconds per epoch, per stage (steps x seconds)", "recipe hours", "peak RSS MiB"], rows))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
