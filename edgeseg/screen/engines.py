"""Where `edgeseg screen` runs: in this process (the default, no Ray needed), or on a Ray cluster
(``--engine ray``), whose workers are actors that open the model once and screen batches of
photographs, reading them themselves: the driver only lists paths and writes the table.

Both run the same pipeline over a batch (:func:`screen_photographs`): the next photograph is read
while the network runs on this one, and the last one's summary is measured meanwhile (OpenCV and
the runtimes release the GIL), as `edgeseg predict` does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from edgeseg.errors import EdgesegError
from edgeseg.predict.options import PredictOptions
from edgeseg.predict.pipeline import pipelined
from edgeseg.predict.predictor import Predictor
from edgeseg.screen.rows import finish, load, predict
from edgeseg.screen.sources import Photograph

RAY_HINT = 'the Ray engine needs Ray: pip install "edgeseg[ray]" (or leave out --engine ray to screen in this process)'


def screen_photographs(predictor: Predictor, photographs: list[Photograph], outputs: PredictOptions | None = None) -> Iterator[dict]:
    """The rows of ``photographs``, in order, reading ahead and summarising behind the network
    (and with ``outputs``, writing each photograph's maps, overlay and summary there)."""
    yield from pipelined(photographs, load, lambda _, loaded: predict(predictor, loaded),
                         lambda predicted: finish(predictor, predicted, outputs))


def batches(photographs: list[Photograph], size: int) -> list[list[Photograph]]:
    return [photographs[start : start + size] for start in range(0, len(photographs), size)]


def run_in_process(model: str | Path | None, threads: int | None, photographs: list[Photograph], batch: int,
                   commit: Callable[[list[dict]], None], outputs: PredictOptions | None = None) -> None:
    """Screen in this process, committing every ``batch`` rows."""
    predictor = Predictor(model, threads=threads)
    pending: list[dict] = []
    for row in screen_photographs(predictor, photographs, outputs):
        pending.append(row)
        if len(pending) >= batch:
            commit(pending)
            pending = []
    commit(pending)


def run_on_ray(model: str | Path | None, threads: int | None, photographs: list[Photograph], batch: int,
               commit: Callable[[list[dict]], None], address: str | None, workers: int | None,
               outputs: PredictOptions | None = None) -> None:
    """Screen on a Ray cluster (``address``; a local one when None) with ``workers`` actors (the
    cluster's CPUs over ``threads`` when None), committing each batch as it comes back."""
    try:
        import ray
        from ray.util import ActorPool
    except ImportError:
        raise EdgesegError(RAY_HINT) from None
    threads = threads or 1
    if not ray.is_initialized():
        ray.init(address=address, num_cpus=None if address else workers and workers * threads, include_dashboard=False,
                 log_to_driver=False, logging_level="ERROR")
    workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1) // threads))

    @ray.remote(num_cpus=threads)
    class Screener:
        """One worker: the model opened once, then batches of photographs screened."""

        def __init__(self) -> None:
            self.predictor = Predictor(model, threads=threads)

        def screen(self, photographs: list[Photograph]) -> list[dict]:
            return list(screen_photographs(self.predictor, photographs, outputs))

    pool = ActorPool([Screener.remote() for _ in range(workers)])
    for rows in pool.map_unordered(lambda actor, part: actor.screen.remote(part), batches(photographs, batch)):
        commit(rows)
