"""What `edgeseg eval` is asked to do, declared once (:func:`edgeseg.options.option`): each field is
an argument of the command, with its default and help. Light to import (the command line reads
it before anything is scored)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edgeseg.options import option


@dataclass(frozen=True)
class EvalOptions:
    predictions: Path | None = option(positional=True, metavar="PRED_DIR", help="folder of probability maps")
    grading: Path | None = option(metavar="PRED_DIR_OR_JSON", help="score grading verdicts instead: a folder of STEM.json or one "
                                  "JSON file")
    plot: Path | None = option(metavar="PNG", help="with --grading: write the DR, DME and referable confusion matrices here")
    data: Path | None = option(metavar="DIR", required=True, help="IDRiD or generic-layout folder (with --grading also a prepared "
                               "folder or a grades CSV)")
    split: str = option("test", help="split to score")
    lesions: str | None = option(help="comma-separated subset of MA,HE,EX,SE,OD (default: MA,HE,EX,SE)")
    threshold: float = option(0.5, help="probability threshold for pixel scores")
    region: bool = option(False, help="also compute Dual2Net's region-level F_sigma")
    json: Path | None = option(metavar="FILE", help="also write the scores as JSON")
