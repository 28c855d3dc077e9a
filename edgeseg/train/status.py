"""Where a run stands, read from its folder alone (``config.json`` and ``log.csv``; no torch, no
data): the epochs done of the total, the last and the best validation, the pace and the time left
at it, and the command that continues it (``edgeseg train --status RUN_DIR``). What a closing note
says of every long run, and what a user asks of a run folder found on a fresh clone."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from edgeseg.errors import EdgesegError
from edgeseg.fileio import read_json
from edgeseg.train.options import CONFIG, RESUME, TrainOptions, resolve_recipe
from edgeseg.train.runlog import LOG, read_rows

PACE_EPOCHS = 50  # the pace is the median training time of this many last epochs (log.csv's seconds: no validation)
MEAN = "mean"  # the validation score runs are selected on (``val_mean`` in log.csv)


@dataclass(frozen=True)
class Validation:
    """One validation row of ``log.csv``: its epoch and its scores (``mean`` and per lesion or grading score)."""

    epoch: int
    scores: dict[str, float]

    def text(self) -> str:
        others = ", ".join(f"{name} {value:.3f}" for name, value in self.scores.items() if name != MEAN)
        return f"epoch {self.epoch}: mean {self.scores[MEAN]:.3f}" + (f" ({others})" if others else "")


@dataclass(frozen=True)
class RunStatus:
    """A run folder's progress; :meth:`lines` says it in words."""

    run_dir: Path
    recipe: str
    epochs_done: int
    epochs_total: int
    resumable: bool
    last_validation: Validation | None
    best_validation: Validation | None
    seconds_per_epoch: float | None
    command: str

    @property
    def finished(self) -> bool:
        return self.epochs_done >= self.epochs_total

    @property
    def hours_left(self) -> float | None:
        if self.seconds_per_epoch is None:
            return None
        return max(self.epochs_total - self.epochs_done, 0) * self.seconds_per_epoch / 3600

    def lines(self) -> list[str]:
        share = self.epochs_done / self.epochs_total if self.epochs_total else 0.0
        lines = [f"{self.run_dir} ({self.recipe}): epoch {self.epochs_done} of {self.epochs_total} ({share:.0%})"]
        if self.last_validation is not None and self.best_validation is not None:
            lines.append(f"  last validation, {self.last_validation.text()}")
            lines.append(f"  best validation, {self.best_validation.text()}")
        else:
            lines.append("  no validation yet")
        if self.finished:
            lines.append(f"  finished: weights in {self.run_dir / 'last.safetensors'} (final epoch) and "
                         f"{self.run_dir / 'best.safetensors'} (best validation)")
            return lines
        if self.seconds_per_epoch is not None:
            lines.append(f"  pace {self.seconds_per_epoch:.1f} s an epoch of training (the median of the last {PACE_EPOCHS}; other work "
                         f"on the machine slows it, validations are not in it): about {self.hours_left:.1f} hours left at it")
        if self.resumable:
            lines.append(f"  continue with: edgeseg train --resume {self.run_dir}")
        else:
            lines.append(f"  no checkpoint to resume from; start it again with: {self.command}")
        return lines


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def run_status(run_dir: str | Path) -> RunStatus:
    """The progress of the run in ``run_dir``, from its ``config.json`` and ``log.csv``."""
    run_dir = Path(run_dir)
    if not (run_dir / CONFIG).is_file():
        raise EdgesegError(f"{run_dir}: not a run folder (no {CONFIG}); pass the folder `edgeseg train --out` wrote")
    options = TrainOptions.from_dict(read_json(run_dir / CONFIG))
    try:
        epochs_total = resolve_recipe(options).epochs
    except (KeyError, ValueError, EdgesegError) as error:
        raise EdgesegError(f"{run_dir / CONFIG}: names no recipe this edgeseg knows ({error}); update edgeseg") from error
    rows = read_rows(run_dir / LOG) if (run_dir / LOG).is_file() else []
    validations = []
    for epoch, row in enumerate(rows, 1):  # one row an epoch; its "epoch" column counts within its stage
        mean = _number(row.get(f"val_{MEAN}"))
        if mean is not None:
            scores = {key[4:]: _number(value) for key, value in row.items() if key and key.startswith("val_") and key != f"val_{MEAN}"}
            validations.append(Validation(epoch, {**{k: v for k, v in scores.items() if v is not None}, MEAN: mean}))
    seconds = [s for s in (_number(row.get("seconds")) for row in rows[-PACE_EPOCHS:]) if s is not None]
    best = max(validations, key=lambda v: v.scores[MEAN]) if validations else None  # the first of equals, as the engine keeps it
    return RunStatus(
        run_dir=run_dir, recipe=options.recipe, epochs_done=len(rows), epochs_total=epochs_total,
        resumable=(run_dir / RESUME).is_file(), last_validation=validations[-1] if validations else None, best_validation=best,
        seconds_per_epoch=statistics.median(seconds) if seconds else None, command=options.command or "edgeseg train ...",
    )
