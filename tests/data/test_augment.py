from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.augment import TrainAugment, affine, crop_window, lesion_biased_crop, rot90_flip
from edgeseg.data.synthetic import make_fundus


def _tagged(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An image whose green channel spells out mask channel 0, so alignment can be checked."""
    fundus = make_fundus(96, seed=seed, lesion_counts={"MA": 5, "HE": 3, "EX": 3, "SE": 1})
    masks = fundus.lesion_masks()
    image = fundus.image.copy()
    image[..., 1] = np.where(masks[1], 255, 0)
    return image, masks


@pytest.mark.parametrize("rotations", [0, 1, 2, 3])
@pytest.mark.parametrize("flip", [False, True])
def test_rot90_flip_moves_image_and_masks_together(rotations, flip):
    image, masks = _tagged()
    out_image, out_masks = rot90_flip(image, masks, rotations, flip)
    assert np.array_equal(out_image[..., 1] == 255, out_masks[1])


def test_affine_moves_image_and_masks_together():
    image, masks = _tagged(3)
    out_image, out_masks = affine(image, masks, angle=12.0, scale=1.05, shift=(0.05, -0.08))
    agreement = ((out_image[..., 1] > 127) == out_masks[1]).mean()
    assert agreement > 0.995


def test_lesion_biased_crop_prefers_lesions():
    image, masks = _tagged(5)
    rng = np.random.default_rng(0)
    hits = sum(lesion_biased_crop(image, masks, 24, rng, lesion_probability=1.0)[1].any() for _ in range(100))
    assert hits == 100
    rng = np.random.default_rng(0)
    crop_image, crop_masks = lesion_biased_crop(image, masks, 24, rng, lesion_probability=0.0)
    assert crop_image.shape == (24, 24, 3) and crop_masks.shape == (4, 24, 24)


def _two_lesions() -> np.ndarray:
    """Two lesion types, one pixel each, at opposite corners of a 200 px square."""
    masks = np.zeros((2, 200, 200), np.uint8)
    masks[0, 10, 10] = 1
    masks[1, 190, 190] = 1
    return masks


@pytest.mark.parametrize("weights, expected_first", [(None, 0.5), ((3.0, 1.0), 0.75), ((1.0, 0.0), 1.0)])
def test_crop_window_draws_lesion_types_by_weight(weights, expected_first):
    masks, rng = _two_lesions(), np.random.default_rng(0)
    windows = [crop_window(masks, 32, rng, lesion_probability=1.0, lesion_weights=weights) for _ in range(2000)]
    first = np.mean([masks[0][window].any() for window in windows])
    assert all(masks[0][window].any() != masks[1][window].any() for window in windows)
    assert abs(first - expected_first) < 0.03


def test_lesion_biased_crop_pads_small_images():
    image, masks = _tagged()
    crop_image, crop_masks = lesion_biased_crop(image, masks, 128, np.random.default_rng(1))
    assert crop_image.shape == (128, 128, 3) and crop_masks.shape == (4, 128, 128)


def test_train_augment_is_deterministic_under_a_seed():
    image, masks = _tagged()
    augment = TrainAugment(affine_probability=1.0, crop=48)
    first = augment(image, masks, np.random.default_rng(7))
    again = augment(image, masks, np.random.default_rng(7))
    other = augment(image, masks, np.random.default_rng(8))
    assert np.array_equal(first[0], again[0]) and np.array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])
