"""Where one optimizer step of the local-global U-Nets (paper 001) goes, stage by stage.

Builds the training data exactly as ``edgeseg train --recipe localglobal`` does (the Trainer's
cache of the training split at 1440 px, the recipe's batch of 2 whole images with its 90-degree
rotations and flips) and each stage's own task, then times one optimizer step per stage, after a
warm-up step, split into:

- data: reading and augmenting the batch of whole images (the dataset's samples + collation);
- patch cutting + downsampling: the rest of the task's ``compute_loss`` (lesion-biased patch
  boxes, patches, GlobalNet's downsampled image and masks);
- GlobalNet, LocalNet and fusion forwards (fusion includes cropping f_g to the patches), timed by
  wrappers around the model's parts, so a part the step does not run shows 0;
- loss, backward, optimizer step.

    python benchmarks/localglobal_profile.py --data data/idrid1440 [--lesion MA] [--threads 1] [--steps 1] [--stage pretrain-global] [--compare]

``--compare`` also times each stage with every part run whatever its loss scores (what the step
did before it ran only the parts the stage's loss needs), alternating with the normal step so
that both see the same machine load. Prints a Markdown table (median seconds over ``--steps``
timed steps) and writes ``--json`` if given.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch.utils.data import default_collate

import edgeseg.models.localglobal as localglobal_module
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_write_json
from edgeseg.models import create
from edgeseg.report import markdown_table
from edgeseg.train import TrainOptions
from edgeseg.train.engine import Trainer, make_optimizer, trainable_parameters
from edgeseg.train.steps import build_task
from edgeseg.train.tasks import StepContext

PARTS = ("data", "patch cutting + downsampling", "GlobalNet forward", "LocalNet forward", "fusion forward", "loss", "backward", "optimizer step")


class PartClock:
    """Seconds spent in the model's parts during one step, from wrappers around their calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._started: dict[str, float] = {}

    def wrap(self, function: Callable, part: str) -> Callable:
        """``function`` whose calls are timed as ``part``."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            self._started[part] = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self._stop(part)

        return timed

    def _stop(self, part: str) -> None:
        self.seconds[part] += time.perf_counter() - self._started.pop(part)


class EveryPart(torch.nn.Module):
    """The model as the step ran it before stages chose their outputs: GlobalNet, LocalNet and
    fusion in every stage, whatever the stage's loss scores (``--compare``)."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.module = model

    def forward(self, *args: Any, outputs: tuple[str, ...] | None = None) -> dict[str, torch.Tensor]:
        return self.module.forward_patches(*args)


def profile_step(task: Any, model: torch.nn.Module, optimizer: torch.optim.Optimizer, keys: list, context: StepContext,
                 clock: PartClock) -> dict[str, float]:
    """One optimizer step of ``task`` on the batch ``keys``, as the Trainer runs it; seconds per part."""
    clock.seconds.clear()
    began = time.perf_counter()
    batch = default_collate([task.dataset[key] for key in keys])
    data = time.perf_counter() - began
    began = time.perf_counter()
    loss = task.compute_loss(model, batch, context)
    compute = time.perf_counter() - began
    began = time.perf_counter()
    loss.backward()
    backward = time.perf_counter() - began
    began = time.perf_counter()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    step = time.perf_counter() - began
    timed = {part: clock.seconds.get(part, 0.0) for part in ("GlobalNet forward", "LocalNet forward", "fusion forward", "loss")}
    return {"data": data, "patch cutting + downsampling": compute - sum(timed.values()), **timed, "backward": backward, "optimizer step": step}


def main() -> None:
    try:
        profile()
    except EdgesegError as error:
        raise SystemExit(f"error: {error}") from None


def profile() -> None:
    """Parse the command line, profile the stages, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a prepared data set (edgeseg data prepare), e.g. data/idrid1440")
    parser.add_argument("--lesion", default="MA", help="the model's lesion (EX, HE, SE, MA); default MA")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=1, help="timed steps per stage, after one warm-up step")
    parser.add_argument("--stage", action="append", help="profile only this stage (repeatable); default all")
    parser.add_argument("--compare", action="store_true",
                        help="also time every stage with all three parts run, as the step did before (alternating steps)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    trainer = Trainer(TrainOptions(recipe="localglobal", data=args.data, out="unused", model_options={"lesion": args.lesion}))
    recipe = trainer.recipe
    names = [stage.name for stage in recipe.stages]
    if set(args.stage or []) - set(names):
        parser.error(f"--stage must be one of {', '.join(names)}")
    model = create(recipe.model, **recipe.model_options)
    data = trainer.load_data(tuple(model.lesions))
    model.train()
    clock = PartClock()
    model.global_net.features = clock.wrap(model.global_net.features, "GlobalNet forward")
    model.local_net.features = clock.wrap(model.local_net.features, "LocalNet forward")
    model.fusion.forward = clock.wrap(model.fusion.forward, "fusion forward")
    localglobal_module.crop_global_features = clock.wrap(localglobal_module.crop_global_features, "fusion forward")
    stages = [stage for stage in recipe.stages if not args.stage or stage.name in args.stage]
    results = []
    for stage in stages:
        task = build_task(recipe, stage, data, 0, None)
        task.loss = clock.wrap(task.loss, "loss")
        optimizer = make_optimizer(stage, trainable_parameters(model, stage))
        plan = task.plan(0, recipe.batch_size)
        variants = {stage.name: model, **({f"{stage.name}, every part": EveryPart(model)} if args.compare else {})}
        steps: dict[str, list[dict[str, float]]] = {label: [] for label in variants}
        for iteration in range(args.steps + 1):  # the first step warms up the allocator and kernels
            context = StepContext(0, stage.epochs, iteration, len(plan), iteration, 0)
            for label, network in variants.items():  # alternating, so that both see the same load
                steps[label].append(profile_step(task, network, optimizer, plan[iteration % len(plan)], context, clock))
        for label, timed in steps.items():
            median = {part: float(np.median([step[part] for step in timed[1:]])) for part in PARTS}
            results.append({"stage": stage.name, "label": label, "every_part": label != stage.name, "epochs": stage.epochs,
                            "steps_per_epoch": len(plan), "seconds": median, "total": sum(median.values())})
            print(f"{label}: {results[-1]['total']:.2f} s per step", flush=True)
    headers = ["part (seconds)", *[result["label"] for result in results]]
    rows = [[part, *[f"{result['seconds'][part]:.2f}" for result in results]] for part in PARTS]
    rows.append(["**step**", *[f"**{result['total']:.2f}**" for result in results]])
    rows.append(["epoch minutes (steps x step)", *[f"{result['steps_per_epoch'] * result['total'] / 60:.1f}" for result in results]])
    chosen = [result for result in results if not result["every_part"]]
    hours = sum(result["epochs"] * result["steps_per_epoch"] * result["total"] for result in chosen) / 3600
    print(markdown_table(headers, rows))
    epochs = ", ".join(f"{result['stage']} {result['epochs']}" for result in chosen)
    print(f"\nrecipe hours for the stages above at their epochs ({epochs}): {hours:.1f}")
    if args.json:
        atomic_write_json(args.json, {"lesion": args.lesion, "threads": args.threads, "steps": args.steps, "stages": results,
                                      "recipe_hours": hours, "parameters": sum(p.numel() for p in model.parameters())})


if __name__ == "__main__":
    main()
