"""What the screening verdict costs inside `edgeseg predict` (issue #28: at most 5 % of its time
per photograph), measured in one run: `predict` over the photographs with the embedded default,
the seconds spent finding the disc and fovea, measuring the findings, grading them and writing
them up (:func:`~edgeseg.predict.verdict.photograph_findings`,
:func:`~edgeseg.predict.verdict.screening_verdict`, :func:`~edgeseg.predict.verdict.findings_record`)
summed, against the run's wall time; and, paired in the same run (alternating, ``--rounds`` each),
predict's wall time with the verdict against without it (the findings switched off), which is
what the verdict adds: it runs on the writer thread, beside the network, and under contention
its own timer overstates it.

    python benchmarks/verdict_cost.py "../shared/data/IDRiD/A. Segmentation/1. Original Images/b. Testing Set"
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from edgeseg.predict import PredictOptions, Predictor, collect_images, predict_paths
from edgeseg.predict import pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    images = collect_images([args.images])
    predictor = Predictor(threads=args.threads)
    spent: list[float] = []

    def timed(function):
        def wrapper(*arguments, **keywords):
            start = time.perf_counter()
            result = function(*arguments, **keywords)
            spent.append(time.perf_counter() - start)
            return result
        return wrapper

    originals = {name: getattr(pipeline, name) for name in ("photograph_findings", "screening_verdict", "findings_record")}
    timed_versions = {name: timed(function) for name, function in originals.items()}
    walls: dict[str, list[float]] = {"with": [], "without": []}
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            for mode in ("with", "without"):
                for name, function in (timed_versions if mode == "with" else originals).items():
                    setattr(pipeline, name, function)
                if mode == "without":
                    pipeline.photograph_findings = lambda prediction, thresholds: None
                start = time.perf_counter()
                predict_paths(predictor, images, PredictOptions(Path(out)))
                walls[mode].append(time.perf_counter() - start)
    with_verdict, without = min(walls["with"]), min(walls["without"])
    print(f"{len(images)} photographs, best of {args.rounds}: predict {with_verdict / len(images) * 1000:.0f} ms each with the verdict, "
          f"{without / len(images) * 1000:.0f} ms without: the verdict adds {(with_verdict - without) / with_verdict:.1%} of predict's time; "
          f"its own timer {sum(spent) / (len(images) * args.rounds) * 1000:.1f} ms per photograph "
          f"({sum(spent) / sum(walls['with']):.1%} of the time with it)")


if __name__ == "__main__":
    main()
