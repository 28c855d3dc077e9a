"""SUNet's validation split on IDRiD: copies of one photograph stay on one side, and the
segmentation-training copies of grading-test photographs never reach a grading model."""

from __future__ import annotations

import json

import pytest

from edgeseg.cli import main
from edgeseg.train import TrainOptions
from edgeseg.data.splits import split_grouped_train_val
from tests.idrid_fixture import plant_grading_copies


def test_grouped_split_keeps_groups_together():
    groups = ["a", "a", "b", "c", "c", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
    train, val = split_grouped_train_val(groups, 0.3, seed=1)
    assert sorted(train + val) == list(range(len(groups)))
    assert not {groups[i] for i in train} & {groups[i] for i in val}
    assert len({groups[i] for i in val}) == round(0.3 * 11)  # a share of the 11 groups
    assert (train, val) == split_grouped_train_val(groups, 0.3, seed=1)
    assert split_grouped_train_val(groups, 0.0, seed=1) == (list(range(len(groups))), [])


def test_grouped_folds_keep_groups_together_and_cover_every_item():
    groups = ["a", "a", "b", "c", "c", "c", "d", "e", "f", "g", "h", "i", "j", "k"]
    held = []
    for k in (1, 2, 3):
        train, val = split_grouped_train_val(groups, 0.3, seed=1, fold=f"{k}/3")
        assert not {groups[i] for i in train} & {groups[i] for i in val}
        assert sorted(train + val) == list(range(len(groups)))
        held += val
    assert sorted(held) == list(range(len(groups)))


@pytest.fixture(scope="module")
def planted_prepared(tmp_path_factory):
    from tests.idrid_fixture import build_fake_idrid

    root = tmp_path_factory.mktemp("planted")
    idrid = plant_grading_copies(build_fake_idrid(root / "IDRiD"))
    data = root / "prepared"
    assert main(["data", "prepare", "--idrid", str(idrid), "--out", str(data), "--longest-side", "96", "--workers", "1", "--grading"]) == 0
    return data


@pytest.mark.parametrize("seed", range(4))
def test_sunet_validation_has_no_copy_in_training(planted_prepared, tmp_path, seed):
    from edgeseg.data.grading import copy_groups
    from edgeseg.train.engine import Trainer

    data = planted_prepared
    options = TrainOptions(recipe="sunet", data=str(data), out=str(tmp_path / "run"), size=64, val_fraction=0.5, seed=seed,
                           device="cpu", progress=False)
    loaded = Trainer(options).load_data(("MA", "HE", "EX", "SE"))
    groups = copy_groups(json.loads((data / "manifest.json").read_text()))

    def group(prefix, item):
        return groups.get(f"{prefix}/{item.stem}", f"{prefix}/{item.stem}")

    trained = {group("train", item) for item in loaded.train} | {group("grading/train", item) for item in loaded.graded_train}
    validated = {group("train", item) for item in loaded.val} | {group("grading/train", item) for item in loaded.graded_val}
    assert trained and validated and not trained & validated
    # segmentation IDRiD_02 is grading-test IDRiD_002: not even an image without grades
    assert "IDRiD_02" not in {item.stem for item in loaded.train + loaded.val}
    assert {item.stem for item in loaded.train + loaded.val} == {"IDRiD_01", "IDRiD_03"}
    assert [item.grade for item in loaded.train + loaded.val if item.stem == "IDRiD_01"] == [(3, 0)]
