"""What `edgeseg screen` is asked to do, declared once (:func:`edgeseg.options.option`): each field
is a flag of the command, with its default and help. Light to import (no Ray, no pyarrow)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.options import option

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class ScreenOptions:
    out: Path = option(Path("screening.parquet"), metavar="DIR", help="the table's folder")
    model: Path | None = option(flags=("--model", "--weights"), metavar="FILE",
                                help="a .onnx, .tflite, .safetensors model file or run folder (default: the embedded student)")
    engine: str = option("local", choices=ENGINES, help='local (this process) or ray (actors on a Ray cluster; pip install "edgeseg[ray]")')
    address: str | None = option(help="the Ray cluster to join (what `ray start --head` prints); default: a local Ray")
    workers: int | None = option(help="Ray actors (default: the cluster's CPUs over --threads)")
    threads: int | None = option(help="CPU threads of each model runtime (default: its own choice; 1 per Ray actor)")
    batch: int = option(16, help="photographs per batch and per committed part")
    maps: Path | None = option(metavar="DIR", help="also write each photograph's probability maps, overlay and JSON summary here, "
                               "as `edgeseg predict` does")
