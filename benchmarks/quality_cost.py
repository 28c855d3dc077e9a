"""What the image-quality gate costs inside `edgeseg predict` (issue #31: at most 5 % of its time
per photograph), measured in one run: `predict` over the photographs with the embedded default,
the seconds spent in the gate's measures (:meth:`edgeseg.predict.Predictor.quality`) summed,
against the run's wall time.

    python benchmarks/quality_cost.py "../shared/data/IDRiD/A. Segmentation/1. Original Images/b. Testing Set"
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from edgeseg.predict import PredictOptions, Predictor, collect_images, predict_paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("images", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    images = collect_images([args.images])
    predictor = Predictor(threads=args.threads)
    spent = []
    measure = predictor.quality

    def timed(image, field_of_view=None):
        start = time.perf_counter()
        result = measure(image, field_of_view)
        spent.append(time.perf_counter() - start)
        return result

    predictor.quality = timed
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        predict_paths(predictor, images, PredictOptions(Path(out)))
        wall = time.perf_counter() - start
    print(f"{len(images)} photographs: predict {wall / len(images) * 1000:.0f} ms each, the gate's measures "
          f"{sum(spent) / len(spent) * 1000:.1f} ms each: {sum(spent) / wall:.1%} of predict's time")


if __name__ == "__main__":
    main()
