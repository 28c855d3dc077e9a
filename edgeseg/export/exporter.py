"""`edgeseg export`: convert a trained model into every requested format and precision, verify
each file against the PyTorch model, and keep only files that passed.

One exporter per format, ``export_<name>(job, path)``, named by the format's record
(:data:`edgeseg.inference.formats.FORMATS`) and imported when the format is exported. Each file is written under a temporary name, verified
(:mod:`edgeseg.export.verify`), and only then renamed to its final name; a file that fails
verification is kept for inspection as ``<name>.failed`` (a name no app or runtime takes for a
model) and the command exits 1. A format that fails never stops the others.
"""

from __future__ import annotations

import importlib
import os
import shutil
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from edgeseg.checkpoint import load_model
from edgeseg.embedded import default_model_path
from edgeseg.errors import EdgesegError
from edgeseg.fileio import portable_path
from edgeseg.inference.formats import LAYOUTS, Format, resolve_precisions, resolve_targets
from edgeseg.inference.model_info import info_from_card
from edgeseg.model_file import resolve_model_file
from edgeseg.inference.parity import Parity
from edgeseg.inference.runners import Runner, TorchRunner, open_runner
from edgeseg.inference.torch_module import PixelsToProbabilities
from edgeseg.memory import peak_mb, release_free_memory, reset_peak

from .golden import GoldenCase, golden_case, write_golden
from .images import ImageSet, fundus_squares
from .job import ExportJob
from .metadata import build_metadata
from .options import EXPORTS, ExportOptions
from .verify import check_coreml_spec, reference_outputs, verify_file



def export_function(target: Format) -> Callable[[ExportJob, Path], None]:
    """The ``export_<name>(job, path)`` that the format's record names."""
    if target.exporter is None:
        raise EdgesegError(f"{target.name} files are trained, not exported")
    module, name = target.exporter.split(":")
    return getattr(importlib.import_module(module), name)


@dataclass
class ExportResult:
    target: str
    precision: str
    layout: str
    path: Path | None
    status: str
    seconds: float
    verification: Parity | None = None
    message: str = ""
    peak_mb: float = float("nan")  # peak resident memory of the process while this file was made and verified

    @property
    def size_mb(self) -> float:
        if self.path is None or not self.path.exists():
            return float("nan")
        if self.path.is_dir():
            return sum(f.stat().st_size for f in self.path.rglob("*") if f.is_file()) / 1e6
        return self.path.stat().st_size / 1e6

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "exported (not verified)")


def _stem(weights: Path) -> str:
    return weights.parent.name if weights.stem in ("best", "last") else weights.stem


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _place(source: Path, target: Path) -> None:
    """Move a finished file or folder onto ``target``, replacing what was there."""
    if target.exists():
        _remove(target)
    os.replace(source, target)


class Exporter:
    """Exports one model; see :func:`export_model`."""

    def __init__(self, options: ExportOptions, log=print) -> None:
        self.options = options
        self.log = log
        self.weights = resolve_model_file(options.weights) if options.weights else default_model_path()
        self.model, self.card = load_model(self.weights)
        if self.card.get("task", "segmentation") not in ("segmentation", "screening"):
            raise EdgesegError(f"{self.weights}: a {self.card['task']} model; export takes segmentation and screening models")
        size = options.size or int(self.card["preprocessing"]["size"])
        multiple = getattr(self.model, "size_multiple", 1)
        if size % multiple:
            raise EdgesegError(f"--size {size}: {self.card['model']} needs a multiple of {multiple}")
        self.card = {**self.card, "preprocessing": {**self.card["preprocessing"], "size": size}}
        self.info = info_from_card(self.weights, self.card)
        self.module = PixelsToProbabilities(self.model, self.info.preprocessing).eval()
        self.reference = TorchRunner.from_module(self.module, self.info)
        self.out = Path(options.out) if options.out else EXPORTS / _stem(self.weights)
        self._verification: ImageSet | None = None
        self._reference_outputs = None
        self._calibration: ImageSet | None = None
        self._golden: GoldenCase | None = None
        self._converted: dict = {}

    # Verification and calibration images are loaded once, when first needed.
    def verification_images(self) -> ImageSet:
        if self._verification is None:
            self._verification = fundus_squares(self.card, self.info.preprocessing, "verification", self.options.verify_images,
                                                self.options.data, self.options.split, self.reference)
            self.log(f"Verifying on {self._verification.source}")
            self._reference_outputs = reference_outputs(self.reference, self._verification.squares)
        return self._verification

    def golden_case(self) -> GoldenCase:
        if self._golden is None:
            self._golden = golden_case(self.reference)
        return self._golden

    def calibration_images(self) -> ImageSet:
        if self._calibration is None:
            self._calibration = fundus_squares(self.card, self.info.preprocessing, "calibration", self.options.calib_images,
                                               self.options.calib or self.options.data, reference=self.reference)
            self.log(f"Calibrating int8 on {self._calibration.source}")
        return self._calibration

    def run(self) -> list[ExportResult]:
        targets = resolve_targets(self.options.target)
        if self.options.layout and self.options.layout not in LAYOUTS:
            raise EdgesegError(f"--layout {self.options.layout}: choose nchw or nhwc")
        if len(targets) == 1:  # one target asked for by name: missing packages are an error, not a table row
            targets[0].require("export")
        results = []
        for target in targets:
            if target.missing("export"):
                results.append(ExportResult(target.name, "-", "-", None, "failed", 0.0,
                                            message=f"needs {', '.join(target.missing('export'))}: pip install 'edgeseg[export]'"))
                continue
            for precision in resolve_precisions(target, self.options.int8, self.options.precisions):
                results.append(self._export_one(target, precision, self.options.layout or target.default_layout))
        return results

    def _metadata(self, target: Format, precision: str, layout: str, final: Path, verification: ImageSet | None,
                  calibration: ImageSet | None) -> dict:
        """The file's metadata: the card's facts and the names of the images it was verified and calibrated on."""
        metadata = build_metadata(self.card, portable_path(self.weights), target.name, precision, layout)
        metadata["file"] = final.name
        if verification is not None:
            metadata["verification_images"] = verification.source
        if calibration is not None:
            metadata["calibration_images"] = calibration.source
        return metadata

    def _export_one(self, target: Format, precision: str, layout: str) -> ExportResult:
        final = self.out / target.filename(_stem(self.weights), precision, layout)
        partial = final.with_name(f".{final.stem}.partial{final.suffix}")
        _remove(partial)
        self.out.mkdir(parents=True, exist_ok=True)
        reset_peak()
        start = time.perf_counter()
        self.log(f"[{target.name} {precision} {layout}] exporting {final.name} ...")
        verification = self.verification_images() if self.options.verify else None  # PyTorch ranks and runs them, once
        calibration = self.calibration_images() if precision == "int8" else None
        metadata = self._metadata(target, precision, layout, final, verification, calibration)
        if self.options.golden and target.runs_here:
            self.golden_case()  # PyTorch runs before the converter: measured 235 MB less at the peak of a TFLite file
        release_free_memory()  # what the images' selection and earlier files left (measured 126 MB after the selection)
        squares = [item.square for item in calibration.squares] if calibration is not None else []
        job = ExportJob(self.module, precision, layout, metadata, squares, self._converted)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                export_function(target)(job, partial)
            release_free_memory()  # the converter's work space, before the file is run (measured: 150 MB after LiteRT's)
            if not partial.exists():
                raise EdgesegError("the converter wrote no file")
            runner = open_runner(partial) if target.runs_here and (self.options.verify or self.options.golden) else None
            verification = self._verify(target, partial, metadata, runner) if self.options.verify else None
        except KeyboardInterrupt:
            _remove(partial)
            raise
        except Exception as exc:  # a converter's failure is reported in the table, the next target goes on
            _remove(partial)
            message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
            return ExportResult(target.name, precision, layout, None, "failed", time.perf_counter() - start,
                                message=f"{type(exc).__name__}: {message}", peak_mb=peak_mb())
        seconds = time.perf_counter() - start
        if verification is not None and not verification.passed:
            failed = final.with_name(final.name + ".failed")
            _place(partial, failed)
            return ExportResult(target.name, precision, layout, failed, "failed verification", seconds, verification, verification.reason,
                                peak_mb())
        _place(partial, final)
        if self.options.golden and runner is not None:  # the verification's runner: one model in memory per file
            golden = final.with_name(final.name + ".golden")
            _remove(golden)
            write_golden(golden, runner, self.golden_case(), final.name)
        status = "passed" if verification is not None else "exported (not verified)"
        return ExportResult(target.name, precision, layout, final, status, seconds, verification, peak_mb=peak_mb())

    def _verify(self, target: Format, path: Path, metadata: dict, runner: Runner | None) -> Parity:
        if runner is None:
            return check_coreml_spec(path, metadata)
        return verify_file(runner, self.verification_images().squares, self._reference_outputs)


def export_model(options: ExportOptions, log=print) -> list[ExportResult]:
    """Export, verify and report; see :class:`ExportOptions` for the choices."""
    return Exporter(options, log).run()
