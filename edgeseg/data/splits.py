"""The validation split carved out of a training split: the same seeded choice for training,
model selection, export verification and int8 calibration (so no image both calibrates and
verifies)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def split_train_val(count: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Seeded split of ``count`` training images into (train, validation) indices."""
    if fraction <= 0:
        return list(range(count)), []
    order = np.random.default_rng([seed, 99]).permutation(count)
    size = max(1, round(count * fraction))
    if size >= count:
        raise ValueError(f"a validation share of {fraction} leaves no training image out of {count}")
    return sorted(order[size:].tolist()), sorted(order[:size].tolist())


def split_grouped_train_val(groups: Sequence[str], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Seeded split of items into (train, validation) indices by their ``groups``: items of one
    group (copies of one photograph) land on the same side, so no validation photograph has a
    copy in training. ``fraction`` is the share of groups held out."""
    names = sorted(set(groups))
    kept, held = split_train_val(len(names), fraction, seed)
    held_names = {names[i] for i in held}
    train = [index for index, group in enumerate(groups) if group not in held_names]
    return train, [index for index, group in enumerate(groups) if group in held_names]
