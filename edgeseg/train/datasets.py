"""Training data: preprocessed squares cached in memory, augmented per sample from a seed.

Every sample's augmentation draws from ``numpy.random.default_rng([seed, epoch, slot, index])``:
the same (epoch, position in the epoch) always gives the same tensors, whatever the number of
loader workers or processes, and whether or not the run was interrupted and resumed.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch

from edgeseg.data.samples import SegSample
from edgeseg.data.augment import TrainAugment
from edgeseg.inference.preprocessing import Preprocessing


@dataclass(frozen=True)
class CachedImage:
    """A preprocessed training image: ``image`` (S, S, 3) uint8 (CLAHE applied if the recipe
    uses it), ``masks`` (L, S, S) uint8 0/1 or None for a graded image without masks, and its
    (DR, DME) ``grade`` when known."""

    stem: str
    image: np.ndarray
    masks: np.ndarray | None
    grade: tuple[int, int] | None = None


def _load_one(
    sample: SegSample, preprocessing: Preprocessing, lesions: Sequence[str], with_masks: bool, grade: tuple[int, int] | None
) -> CachedImage:
    image = sample.load_image()
    prepared = preprocessing.prepare(image)
    masks = preprocessing.masks_to_square(sample.load_masks(image.shape[:2], lesions), prepared.geometry) if with_masks else None
    return CachedImage(sample.stem, prepared.square, masks, grade)


def cache_images(
    samples: Sequence[SegSample],
    preprocessing: Preprocessing,
    lesions: Sequence[str],
    threads: int = 2,
    with_masks: bool = True,
    grades: dict[str, tuple[int, int]] | None = None,
) -> list[CachedImage]:
    """Decode, preprocess and keep every sample in memory (OpenCV releases the GIL)."""
    grades = grades or {}

    def load(sample: SegSample) -> CachedImage:
        return _load_one(sample, preprocessing, lesions, with_masks, grades.get(sample.stem))

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        return list(pool.map(load, samples))


class AugmentedSegmentation(torch.utils.data.Dataset):
    """Indexed by keys ``(index, epoch, slot)``; returns (image (3,S',S') float, masks (L,S',S') float).

    ``S'`` is the crop size when the augmentation crops, else ``S``. Images without masks get
    ``blank_lesions`` all-negative channels.
    """

    def __init__(
        self,
        items: Sequence[CachedImage],
        preprocessing: Preprocessing,
        augment: TrainAugment | None,
        seed: int,
        blank_lesions: int = 0,
    ) -> None:
        self.items = list(items)
        self.preprocessing = preprocessing
        self.augment = augment
        self.seed = seed
        self.blank_lesions = blank_lesions

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, key: tuple[int, int, int] | int) -> tuple[torch.Tensor, torch.Tensor]:
        index, epoch, slot = key if isinstance(key, tuple) else (key, 0, 0)
        item = self.items[index]
        image, masks = item.image, item.masks
        if masks is None:
            masks = np.zeros((self.blank_lesions, *image.shape[:2]), np.uint8)
        if self.augment is not None:
            rng = np.random.default_rng([self.seed, epoch, slot, index])
            image, masks = self.augment(image, masks, rng)
        return torch.from_numpy(self.preprocessing.normalize(image)), torch.from_numpy(masks.astype(np.float32))


def balanced_lesion_weights(images: Sequence[CachedImage]) -> tuple[float, ...]:
    """One weight per mask channel, the inverse of the number of ``images`` whose mask holds the
    lesion (0 for a lesion in none), for ``--crop-sampling balanced``: drawn in proportion to
    these among the types present, a rare type is centred on about as often as a common one."""
    masked = [image.masks for image in images if image.masks is not None]
    if not masked:
        return ()
    counts = np.sum([masks.reshape(masks.shape[0], -1).any(axis=1) for masks in masked], axis=0)
    return tuple(float(1.0 / count) if count else 0.0 for count in counts)


def epoch_plan(count: int, global_batch: int, seed: int, epoch: int, stream: int = 0) -> list[list[int]]:
    """The global batches of one epoch: a seeded permutation cut into batches of ``global_batch``.

    The last batch is completed by wrapping around the permutation so that every batch splits
    evenly across processes and accumulation steps. ``stream`` gives independent plans (Dual2Net
    draws two independent images per iteration).
    """
    order = np.random.default_rng([seed, epoch, stream, 7]).permutation(count)
    steps = max(1, -(-count // global_batch))
    order = np.resize(order, steps * global_batch)
    return [order[i * global_batch : (i + 1) * global_batch].tolist() for i in range(steps)]


def micro_batch(global_indices: Sequence[int], rank: int, world_size: int, accumulation: int, step: int) -> list[int]:
    """The indices one process uses at one accumulation step of a global batch.

    Rank r, accumulation step m gets slice (r * A + m) of the global batch, so a single process
    with A = W x A' accumulation steps sees exactly the micro-batches W processes see together.
    """
    size = len(global_indices) // (world_size * accumulation)
    start = (rank * accumulation + step) * size
    return list(global_indices[start : start + size])
