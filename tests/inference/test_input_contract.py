"""The input contract's facts, each against an independent reference (issue #35's uncaught faults):
the geometry's serialisation on a photograph that is not square, the padding split on odd
differences on both axes, and CLAHE settings other than the defaults carried from the card into
an export's metadata and into the square itself."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from edgeseg.data.synthetic import make_fundus
from edgeseg.errors import EdgesegError
from edgeseg.inference.fov import Box
from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry

MEAN, STD = (0.5, 0.4, 0.3), (0.2, 0.2, 0.2)


def test_geometry_round_trips_on_a_photograph_that_is_not_square():
    """image_size is [width, height]: read back as (height, width) it would swap on any non-square photograph."""
    geometry = SquareGeometry(width=4288, height=2848, box=Box(100, 0, 3900, 2848), side=3800, top=476, left=0, size=512)
    data = geometry.as_dict()
    assert data["image_size"] == [4288, 2848] and data["padding_top_left"] == [476, 0]
    assert SquareGeometry.from_dict(data) == geometry


@pytest.mark.parametrize("height, width", [(101, 160), (160, 101)], ids=["odd vertical padding", "odd horizontal padding"])
def test_the_padding_puts_the_odd_pixel_after_the_box(height, width):
    """(side - box) // 2 before the box, the rest after it: for a box 101 px against a side of 160, 29 before and 30 after."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, :] = (180, 80, 30)  # the whole frame is the field of view
    geometry = Preprocessing(size=64, clahe=False, mean=MEAN, std=STD).geometry(image)
    assert geometry.side == 160 and (geometry.box.width, geometry.box.height) == (width, height)
    assert (geometry.top, geometry.left) == ((29, 0) if height == 101 else (0, 29))


def test_clahe_settings_other_than_the_defaults_reach_the_square_and_the_metadata():
    from edgeseg.export.metadata import build_metadata

    card = {"model": "unet", "lesions": ["MA", "HE", "EX", "SE"],
            "preprocessing": {"size": 64, "clahe": {"enabled": True, "clip_limit": 3.5, "tile_grid": 4}, "mean": list(MEAN), "std": list(STD)}}
    preprocessing = Preprocessing.from_dict(card["preprocessing"])
    assert (preprocessing.clahe_clip, preprocessing.clahe_tiles) == (3.5, 4)
    metadata = build_metadata(card, "unet.safetensors", "onnx", "fp32", "nchw")
    assert metadata["preprocessing"]["clahe"]["clip_limit"] == 3.5 and metadata["preprocessing"]["clahe"]["tile_grid"] == 4
    image = make_fundus(64, seed=2).image
    square = preprocessing.to_square(image, preprocessing.geometry(image))
    plain = Preprocessing(size=64, clahe=False, mean=MEAN, std=STD).image_to_square(image)
    lab = cv2.cvtColor(plain, cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=3.5, tileGridSize=(4, 4)).apply(lab[..., 0])
    assert np.array_equal(square, cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))  # OpenCV's own CLAHE with the card's settings
    default = Preprocessing(size=64, clahe=True, mean=MEAN, std=STD).image_to_square(image)
    assert not np.array_equal(square, default)  # the settings matter on this image


def test_the_record_has_one_form():
    """The card's ``preprocessing`` is read in the form ``as_dict`` writes and no other: the older
    ``"clahe": true`` is refused with a message saying what to write, not read with defaults."""
    record = Preprocessing(size=64, clahe=True, mean=MEAN, std=STD).as_dict()
    assert Preprocessing.from_dict(record) == Preprocessing(size=64, clahe=True, mean=MEAN, std=STD)
    with pytest.raises(EdgesegError, match="not an object with 'enabled'"):
        Preprocessing.from_dict(record | {"clahe": True})
