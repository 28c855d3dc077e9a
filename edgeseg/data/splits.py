"""The validation split carved out of a training split: the same seeded choice for training,
model selection, export verification and int8 calibration (so no image both calibrates and
verifies)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

DEFAULT_VAL_FRACTION = 0.15  # share of the training images a run holds out for validation, unless told otherwise
DEFAULT_SEED = 0


def parse_fold(spec: str) -> tuple[int, int]:
    """``"K/N"`` (fold K of N, counted from 1) as ``(K, N)``; a clear error otherwise."""
    try:
        fold, folds = (int(part) for part in spec.split("/"))
    except ValueError:
        raise ValueError(f"validation fold {spec!r}: give K/N, e.g. 1/5 (fold 1 of 5)") from None
    if folds < 2 or not 1 <= fold <= folds:
        raise ValueError(f"validation fold {spec!r}: N must be at least 2 and K between 1 and N, e.g. 1/5")
    return fold, folds


def split_train_val(count: int, fraction: float, seed: int, fold: str | None = None) -> tuple[list[int], list[int]]:
    """Seeded split of ``count`` training images into (train, validation) indices.

    With ``fold="K/N"`` the images are dealt, in one seeded order, into N folds of nearly equal
    size and fold K is the validation split (``fraction`` is then unused): N runs, K = 1..N,
    validate once on every training image, for epoch selection by cross-validation.
    """
    order = np.random.default_rng([seed, 99]).permutation(count)
    if fold is not None:
        index, folds = parse_fold(fold)
        if folds > count:
            raise ValueError(f"validation fold {fold!r}: {folds} folds need at least {folds} training images, not {count}")
        held = np.array_split(order, folds)[index - 1]
        return sorted(set(order.tolist()) - set(held.tolist())), sorted(held.tolist())
    if fraction <= 0:
        return list(range(count)), []
    size = max(1, round(count * fraction))
    if size >= count:
        raise ValueError(f"a validation share of {fraction} leaves no training image out of {count}")
    return sorted(order[size:].tolist()), sorted(order[:size].tolist())


def split_grouped_train_val(
    groups: Sequence[str], fraction: float, seed: int, fold: str | None = None
) -> tuple[list[int], list[int]]:
    """Seeded split of items into (train, validation) indices by their ``groups``: items of one
    group (copies of one photograph) land on the same side, so no validation photograph has a
    copy in training. ``fraction`` is the share of groups held out (or ``fold``, as in
    :func:`split_train_val`, deals the groups into folds)."""
    names = sorted(set(groups))
    kept, held = split_train_val(len(names), fraction, seed, fold)
    held_names = {names[i] for i in held}
    train = [index for index, group in enumerate(groups) if group not in held_names]
    return train, [index for index, group in enumerate(groups) if group in held_names]


def training_split(training: Mapping, count: int) -> tuple[list[int], list[int]]:
    """The (train, validation) indices a run's training made of ``count`` training images, from
    its model card's ``training`` record (``val_fraction``, ``seed``, ``val_fold``; the defaults
    of `edgeseg train` where the record is silent)."""
    return split_train_val(count, float(training.get("val_fraction", DEFAULT_VAL_FRACTION)),
                           int(training.get("seed", DEFAULT_SEED)), training.get("val_fold"))
