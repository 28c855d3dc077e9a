from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from edgeseg.metrics import pr_curve
from edgeseg.train.datasets import CachedImage
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.data.splits import split_train_val
from edgeseg.train.validation import best_f_threshold, images_with_lesion, recalibrate_batchnorm


def test_split_is_seeded_and_disjoint():
    train, val = split_train_val(54, 0.15, seed=0)
    assert len(val) == 8 and not set(train) & set(val) and sorted(train + val) == list(range(54))
    assert split_train_val(54, 0.15, seed=0) == (train, val)
    assert split_train_val(54, 0.15, seed=1) != (train, val)


def test_folds_validate_every_image_exactly_once():
    folds = [split_train_val(54, 0.15, seed=0, fold=f"{k}/5") for k in range(1, 6)]
    held = [index for _, val in folds for index in val]
    assert sorted(held) == list(range(54))  # each image in exactly one validation fold
    assert [len(val) for _, val in folds] == [11, 11, 11, 11, 10]
    for train, val in folds:
        assert not set(train) & set(val) and sorted(train + val) == list(range(54))
    assert split_train_val(54, 0.5, seed=0, fold="2/5") == folds[1]  # the fold, not the fraction, decides
    assert split_train_val(54, 0.15, seed=1, fold="2/5") != folds[1]


@pytest.mark.parametrize("spec", ["0/5", "6/5", "1/1", "a/5", "3"])
def test_a_malformed_fold_is_a_clear_error(spec):
    with pytest.raises(ValueError, match="K/N|N must be"):
        split_train_val(54, 0.15, seed=0, fold=spec)


def test_precise_batchnorm_replaces_running_statistics_by_the_data_average():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    batchnorm = model[1]
    batchnorm.running_mean.fill_(100.0)  # stale statistics, as after training on crops
    rng = np.random.default_rng(0)
    items = [CachedImage(f"i{k}", rng.integers(0, 256, (8, 8, 3), dtype=np.uint8), None) for k in range(4)]
    preprocessing = Preprocessing(8, False, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))
    assert recalibrate_batchnorm(model, items, preprocessing, torch.device("cpu"), batch=2) == 1
    inputs = torch.stack([torch.from_numpy(preprocessing.normalize(item.image)) for item in items])
    with torch.no_grad():
        features = model[0](inputs)
    assert torch.allclose(batchnorm.running_mean, features.mean(dim=(0, 2, 3)), atol=1e-5)
    assert batchnorm.momentum == 0.1


def test_best_f_threshold_picks_the_f_maximising_cut():
    scores = np.array([0.9, 0.8, 0.7, 0.2, 0.1], np.float32)
    labels = np.array([1, 1, 0, 1, 0], bool)
    # cut >= 0.8: P 1, R 2/3, F 0.8; >= 0.2: P 3/4, R 1, F 0.857 (the best); >= 0.7: F 0.667
    assert best_f_threshold(pr_curve(scores, labels)) == 0.2


def test_images_with_lesion_counts_each_lesion_on_its_own():
    def item(stem, present):
        masks = np.zeros((4, 8, 8), np.uint8)
        for index in present:
            masks[index, 3, 4] = 1
        return CachedImage(stem, np.zeros((8, 8, 3), np.uint8), masks)

    items = [item("a", [0, 1, 2]), item("b", [0, 2]), item("c", [0]), CachedImage("graded", np.zeros((8, 8, 3), np.uint8), None)]
    assert images_with_lesion(items, ("MA", "HE", "EX", "SE")) == {"MA": 3, "HE": 1, "EX": 2, "SE": 0}
