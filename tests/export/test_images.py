from __future__ import annotations

from edgeseg.data.datasets import open_split
from edgeseg.data.splits import split_train_val
from edgeseg.export.images import fundus_squares
from edgeseg.inference.preprocessing import Preprocessing


def test_verification_and_calibration_follow_the_runs_validation_fold(synthetic_root):
    """A model trained with --val-fold is verified on its own validation fold and calibrated
    on the rest, as a model trained with --val-fraction is on its split."""
    card = {"lesions": ["MA", "HE", "EX", "SE"], "training": {"data": str(synthetic_root), "seed": 0, "val_fold": "2/3"}}
    preprocessing = Preprocessing(64, False, (0.0, 0.0, 0.0), (1.0, 1.0, 1.0))
    stems = [sample.stem for sample in open_split(synthetic_root, "train")]
    train, val = split_train_val(len(stems), 0.15, 0, "2/3")
    verified = {square.stem for square in fundus_squares(card, preprocessing, "verification", 10).squares}
    calibrated = {square.stem for square in fundus_squares(card, preprocessing, "calibration", 10).squares}
    assert verified == {stems[i] for i in val} and len(verified) == 2
    assert calibrated == {stems[i] for i in train}
