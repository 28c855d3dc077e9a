"""The learning test: `u2xs-mt` really learns all four lesions of the synthetic data."""

from __future__ import annotations

import resource

import pytest

from edgeseg.data.synthetic import write_synthetic_dataset
from edgeseg.train import TrainOptions, train


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _train_u2xs_mt(tmp_path, epochs: int, val_every: int) -> tuple[dict, float]:
    """48 synthetic training images of 128 px (12 of them held out for validation), lesion-biased
    64 px crops, the recipe's optimiser, loss and augmentation, one thread. Returns the best
    validation AUPRs and the CPU seconds the training took."""
    data = write_synthetic_dataset(tmp_path / "data", n_train=48, n_test=1, size=128, seed=11)
    start = _cpu_seconds()
    summary = train(
        TrainOptions(
            recipe="u2xs-mt", data=str(data), out=str(tmp_path / "run"), epochs=epochs, size=128, crop=64,
            batch_size=8, val_fraction=0.25, val_every=val_every, precise_bn_images=16, device="cpu", threads=1,
            progress=False, seed=0,
        )
    )
    return summary.best_metrics, _cpu_seconds() - start


@pytest.mark.slow  # about 110 s; CI's second step runs it
def test_u2xs_mt_reaches_validation_aupr_08_on_every_lesion_in_45_epochs(tmp_path):
    """Measured (2026-11-30, next to another training run): 170-178 s of CPU time over seeds 0
    and 1, validation AUPR MA 0.905-0.917, HE 0.948-0.953, EX 0.98, SE 0.99. Before epoch 30,
    HE or MA is still below 0.1 on some seed, so a model that stops learning fails. No time bound
    here: the slow 90-epoch test carries the CPU-time bound."""
    scores, _ = _train_u2xs_mt(tmp_path, epochs=45, val_every=15)
    for lesion in ("MA", "HE", "EX", "SE"):
        assert scores[lesion] >= 0.8, scores


@pytest.mark.slow
def test_u2xs_mt_reaches_validation_aupr_09_on_every_lesion_in_90_epochs(tmp_path):
    """The longer schedule: measured 148-162 s of CPU time on an idle machine and 362-388 s on
    slower or busier ones, validation MA AUPR 0.91-0.95 (the slowest lesion) over three seeds."""
    scores, spent = _train_u2xs_mt(tmp_path, epochs=90, val_every=10)
    for lesion in ("MA", "HE", "EX", "SE"):
        assert scores[lesion] >= 0.9, scores
    assert spent < 1080, f"took {spent:.0f} s of CPU time"
