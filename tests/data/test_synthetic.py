from __future__ import annotations

import cv2
import numpy as np

from edgeseg.inference.fov import fundus_problem
from edgeseg.data.synthetic import make_fundus
from edgeseg.lesions import ALL_LESIONS


def test_same_seed_same_image():
    a, b = make_fundus(128, seed=9), make_fundus(128, seed=9)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.masks, b.masks)
    assert not np.array_equal(a.image, make_fundus(128, seed=10).image)


def test_masks_are_exact():
    """Lesions change colour only inside their masks: outside them, the photograph is the one
    drawn without lesions."""
    counts = {"MA": 10, "HE": 3, "EX": 4, "SE": 2}
    plain = make_fundus(200, seed=3, lesion_counts={name: 0 for name in counts})
    drawn = make_fundus(200, seed=3, lesion_counts=counts)
    inside = drawn.lesion_masks().any(axis=0)
    changed = (plain.image != drawn.image).any(axis=2)
    assert not changed[~inside].any()
    assert changed[inside].mean() > 0.95


def test_every_lesion_type_with_realistic_sizes():
    fundus = make_fundus(512, seed=1, lesion_counts={"MA": 12, "HE": 4, "EX": 5, "SE": 2})
    for name in ("MA", "HE", "EX", "SE", "OD"):
        assert fundus.masks[ALL_LESIONS.index(name)].any(), name
    count, _, stats, _ = cv2.connectedComponentsWithStats(fundus.masks[0].astype(np.uint8), connectivity=8)
    widths = np.maximum(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT])
    assert widths.min() >= 5 and np.median(widths) <= 7  # 5-7 px dots (two may touch)
    ex_area = fundus.masks[ALL_LESIONS.index("EX")].sum()
    assert ex_area > 20 * fundus.masks[0].sum() / max(count - 1, 1)


def test_synthetic_images_look_like_fundus_photographs():
    for seed in range(5):
        assert fundus_problem(make_fundus((208, 320), seed=seed).image) is None


def test_microaneurysms_stay_two_pixels_on_small_images():
    fundus = make_fundus(64, seed=0, lesion_counts={"MA": 6, "HE": 0, "EX": 0, "SE": 0})
    _, _, stats, _ = cv2.connectedComponentsWithStats(fundus.masks[0].astype(np.uint8), connectivity=8)
    assert (np.maximum(stats[1:, 2], stats[1:, 3]) >= 2).all()
