"""What `edgeseg bench` is asked to do (:class:`BenchOptions`), declared once: its fields made
with :func:`~edgeseg.options.option` are the command's flags, and the keys a ``--config`` JSON
file may set. Light to import (the command line reads it before anything is measured)."""

from __future__ import annotations

from dataclasses import dataclass, field

from edgeseg.options import option

SCALING_SIZES = (256, 384, 512, 768, 1024)
PHONE_ROUNDS, PHONE_THREADS = 5, 4  # on a phone (--adb), unless given: its big cores, more rounds for its thermal swings


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(size) for size in text.split(",") if size.strip())


@dataclass
class BenchOptions:
    inputs: list[str] = field(default_factory=list)
    data: str | None = option(help="data set with a test split (default: the model card's training data, else synthetic)")
    split: str = option("test", help="split to score accuracy on")
    images: int | None = option(help="use only the first N images of the split")
    size: int | None = option(flags=("--size", "--imgsz"), help="input size of the default's exports (default: its card's, 512)")
    runs: int = option(10, help="timed runs per round")
    warmup: int = option(2, help="untimed runs before timing")
    rounds: int = option(2, help=f"rounds over all runners, alternating (on a phone with --adb: {PHONE_ROUNDS} unless given)")
    threads: int = option(2, help=f"threads per runner (on a phone with --adb: {PHONE_THREADS} unless given)")
    sizes: tuple[int, ...] = option(SCALING_SIZES, parse=_sizes, help="input sizes for the scaling curve of the student, "
                                    "comma-separated ('' to skip)")
    scaling_runs: int = 3
    out: str = option("build/bench", help="output folder")
