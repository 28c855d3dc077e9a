from __future__ import annotations

import numpy as np

from edgeseg.inference.fov import field_of_view_box, field_of_view_mask, fundus_problem
from edgeseg.data.synthetic import make_fundus


def _padded_fundus() -> tuple[np.ndarray, tuple[int, int]]:
    fundus = make_fundus(200, seed=2).image
    canvas = np.zeros((260, 400, 3), np.uint8)
    canvas[30:230, 120:320] = fundus
    return canvas, (120, 30)


def test_box_finds_the_disc_inside_a_black_border():
    image, (left, top) = _padded_fundus()
    box = field_of_view_box(image, margin=0.0)
    disc = field_of_view_mask(image[top : top + 200, left : left + 200])
    ys, xs = np.nonzero(disc)
    assert abs(box.x0 - (left + xs.min())) <= 3 and abs(box.x1 - (left + xs.max() + 1)) <= 3
    assert abs(box.y0 - (top + ys.min())) <= 3 and abs(box.y1 - (top + ys.max() + 1)) <= 3


def test_black_image_falls_back_to_whole_image():
    box = field_of_view_box(np.zeros((50, 80, 3), np.uint8))
    assert (box.x0, box.y0, box.x1, box.y1) == (0, 0, 80, 50)


def test_synthetic_fundus_passes_the_fundus_check():
    assert fundus_problem(make_fundus(256, seed=4).image) is None


def test_grayscale_copy_is_flagged():
    gray = make_fundus(128, seed=4).image.mean(axis=2).astype(np.uint8)
    assert "grayscale" in fundus_problem(np.repeat(gray[..., None], 3, axis=2))


def test_blue_picture_is_not_a_fundus():
    rng = np.random.default_rng(0)
    sky = np.zeros((100, 100, 3), np.uint8)
    sky[..., 2] = 200 + rng.integers(0, 40, (100, 100))
    sky[..., 1] = 120
    sky[..., 0] = 60
    assert "does not look like a fundus" in fundus_problem(sky)


def test_dark_image_has_no_field_of_view():
    dark = np.zeros((100, 100, 3), np.uint8)
    dark[45:50, 45:50] = (200, 80, 30)
    assert "no field of view" in fundus_problem(dark)
