"""The learning test: `u2xs-mt` really learns all four lesions of the synthetic data."""

from __future__ import annotations

import resource


from edgeseg.data.synthetic import write_synthetic_dataset
from edgeseg.train import TrainOptions, train


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def test_u2xs_mt_reaches_validation_aupr_09_on_every_lesion(tmp_path):
    """About 3 minutes of CPU time: 48 synthetic training images of 128 px (12 of them held
    out for validation), lesion-biased 64-px crops, the recipe's optimiser, loss and
    augmentation. Measured: 148-162 s of CPU time, validation MA AUPR 0.91-0.95 (the slowest
    lesion to learn) over three seeds; 300 s on a machine of the same kind that ran everything
    about 1.9x slower (2026-11-23). The bound allows that machine, so CI's speed does not decide
    the test; a run that stops learning or takes twice as long still fails."""
    data = write_synthetic_dataset(tmp_path / "data", n_train=48, n_test=1, size=128, seed=11)
    start = _cpu_seconds()
    summary = train(
        TrainOptions(
            recipe="u2xs-mt", data=str(data), out=str(tmp_path / "run"), epochs=90, size=128, crop=64,
            batch_size=8, val_fraction=0.25, val_every=10, precise_bn_images=16, device="cpu", threads=1,
            progress=False, seed=0,
        )
    )
    spent = _cpu_seconds() - start
    scores = summary.best_metrics
    assert spent < 360, f"took {spent:.0f} s of CPU time"
    for lesion in ("MA", "HE", "EX", "SE"):
        assert scores[lesion] >= 0.9, scores
