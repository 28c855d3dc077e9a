from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.synthetic import make_fundus
from edgeseg.data.transforms import (
    TrainAugment,
    affine,
    clahe,
    crop_window,
    fit_size,
    lesion_biased_crop,
    normalize,
    resize_mask,
    rot90_flip,
)


def _tagged(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """An image whose green channel spells out mask channel 0, so alignment can be checked."""
    fundus = make_fundus(96, seed=seed, lesion_counts={"MA": 5, "HE": 3, "EX": 3, "SE": 1})
    masks = fundus.lesion_masks()
    image = fundus.image.copy()
    image[..., 1] = np.where(masks[1], 255, 0)
    return image, masks


def test_clahe_keeps_shape_and_raises_local_contrast():
    image = make_fundus(128, seed=1).image
    out = clahe(image)
    assert out.shape == image.shape and out.dtype == np.uint8
    centre = (slice(40, 88), slice(40, 88))
    assert out[centre].std() > image[centre].std()


def test_normalize_uses_mean_and_std():
    image = np.full((4, 5, 3), 255, np.uint8)
    out = normalize(image, [0.5, 0.5, 0.5], [0.25, 0.5, 1.0])
    assert out.shape == (3, 4, 5)
    assert np.allclose(out[:, 0, 0], [2.0, 1.0, 0.5])


def test_fit_size_keeps_aspect():
    assert fit_size(4288, 2848, 1440) == (1440, 956)


def test_resize_mask_keeps_every_tiny_component():
    mask = np.zeros((400, 600), bool)
    rng = np.random.default_rng(0)
    for y, x in rng.integers(10, 390, (40, 2)):
        mask[y : y + 2, x : x + 2] = True  # 2x2 microaneurysms
    resized, stats = resize_mask(mask, (150, 100))  # 4x smaller: 2x2 blobs cover 1/4 of a pixel
    assert stats.survived_without_rescue < stats.components
    assert stats.survived == stats.components
    plain, plain_stats = resize_mask(mask, (150, 100), keep_components=False)
    assert plain_stats.survived == plain_stats.survived_without_rescue < stats.components
    assert resized.sum() >= plain.sum()


def test_resize_mask_keeps_large_lesion_area():
    mask = np.zeros((400, 400), bool)
    mask[100:300, 100:300] = True
    resized, _ = resize_mask(mask, (100, 100))
    assert resized.sum() == 50 * 50


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


def test_enlarged_mask_stays_on_its_enlarged_image():
    """Upscaling (a field of view smaller than the training size) must move mask and image
    alike: a half-pixel disagreement costs a 5-pixel microaneurysm a fifth of its pixels."""
    from edgeseg.data.transforms import resize_image

    mask = np.zeros((126, 126), bool)
    rng = np.random.default_rng(2)
    for y, x in rng.integers(5, 120, (30, 2)):
        mask[y : y + 5, x : x + 5] = True
    image = np.zeros((126, 126, 3), np.uint8)
    image[mask] = 255
    enlarged, _ = resize_mask(mask, (128, 128))
    assert np.array_equal(resize_image(image, (128, 128))[..., 0] > 127, enlarged)
