from __future__ import annotations

import numpy as np

from edgeseg.data.synthetic import make_fundus
from edgeseg.inference.image_ops import clahe, fit_size, normalize, resize_image, resize_mask


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


def test_enlarged_mask_stays_on_its_enlarged_image():
    """Upscaling (a field of view smaller than the training size) must move mask and image
    alike: a half-pixel disagreement costs a 5-pixel microaneurysm a fifth of its pixels."""
    mask = np.zeros((126, 126), bool)
    rng = np.random.default_rng(2)
    for y, x in rng.integers(5, 120, (30, 2)):
        mask[y : y + 5, x : x + 5] = True
    image = np.zeros((126, 126, 3), np.uint8)
    image[mask] = 255
    enlarged, _ = resize_mask(mask, (128, 128))
    assert np.array_equal(resize_image(image, (128, 128))[..., 0] > 127, enlarged)
