"""IDRiD readers on a miniature copy of the official layout (no real data needed)."""

from __future__ import annotations

import numpy as np
import pytest

from edgeseg.data.datasets import open_split
from edgeseg.data.idrid import idrid_overlap, is_idrid, read_grading_csv, read_idrid_grading, read_idrid_segmentation
from edgeseg.errors import DataError


def test_segmentation_samples_and_missing_masks(fake_idrid):
    assert is_idrid(fake_idrid)
    train = read_idrid_segmentation(fake_idrid, "train")
    assert [s.stem for s in train] == ["IDRiD_01", "IDRiD_02", "IDRiD_03"]
    assert "SE" not in train[0].masks and "SE" in train[1].masks
    image = train[0].load_image()
    masks = train[0].load_masks(image.shape[:2])
    assert masks.shape == (4, 208, 320) and not masks[3].any() and masks[0].any()


def test_rgba_mask_reads_as_lesion_where_red(fake_idrid):
    sample = read_idrid_segmentation(fake_idrid, "test")[1]
    masks = sample.load_masks((208, 320), ("EX",))
    assert 0 < masks.mean() < 0.2  # the alpha channel (255 everywhere) is not lesion


def test_open_split_detects_the_layout(fake_idrid):
    assert len(open_split(fake_idrid, "test")) == 2


def test_unknown_split_is_a_clear_error(fake_idrid):
    with pytest.raises(DataError, match="unknown IDRiD split 'val'"):
        read_idrid_segmentation(fake_idrid, "val")


def test_grading_csv_with_trailing_space_and_columns(fake_idrid):
    samples = read_idrid_grading(fake_idrid, "train")
    assert [(s.stem, s.dr, s.dme) for s in samples][:2] == [("IDRiD_001", 1, 1), ("IDRiD_002", 2, 2)]


def test_grading_csv_rejects_out_of_range_grades(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("Image name,Retinopathy grade,Risk of macular edema \nIDRiD_001,7,0\n")
    with pytest.raises(DataError, match="line 2"):
        read_grading_csv(path)


def test_overlap_keeps_only_near_identical_pairs(fake_idrid):
    pairs = idrid_overlap(fake_idrid)
    assert [(p.segmentation_image, p.grading_split, p.grading_image) for p in pairs] == [("IDRiD_55", "train", "IDRiD_002")]
    assert np.isclose(pairs[0].correlation, 0.9999)
