"""What `edgeseg data prepare|check|synth` are asked to do, declared once (:func:`edgeseg.options.option`):
each field is a flag of its command, with its default and help, and the functions the commands
call take their defaults from here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.options import option

_WORKERS = "processes (default: up to 4)"


@dataclass
class PrepareOptions:
    idrid: Path | None = option(metavar="DIR", help="the official IDRiD folder")
    folder: Path | None = option(metavar="DIR", help="a generic-layout folder (train/ and test/ splits)")
    out: Path | None = option(metavar="DIR", required=True, help="output folder")
    longest_side: int = option(1440, metavar="PX", help="the prepared images' longest side in pixels, after the field-of-view crop")
    workers: int | None = option(help=_WORKERS)
    grading: bool = option(False, help="IDRiD only: also write the disease-grading photographs to OUT/grading/{train,test} with "
                           "grades.csv, grade the segmentation-training copies of grading-training photographs "
                           "(OUT/train/grades.csv) and record the leaky test photographs in the manifest")


@dataclass
class CheckOptions:
    workers: int | None = option(help=_WORKERS)


@dataclass
class SynthOptions:
    out: Path | None = option(metavar="DIR", required=True, help="output folder")
    train: int = option(8, help="training images")
    test: int = option(4, help="test images")
    side: int = option(256, metavar="PX", help="the square images' side in pixels")
    seed: int = option(0, help="random seed")
