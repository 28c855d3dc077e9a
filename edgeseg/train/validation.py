"""Validation during training: per-lesion AUPR on the split carved from the training images.

AUPR is edgeseg's default (average precision, pooled over the validation images, IDRiD
protocol; :mod:`edgeseg.metrics.pr`). The test set is never touched during training.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from edgeseg.metrics.pr import PRAccumulator, PRCurve
from edgeseg.train.datasets import CachedImage
from edgeseg.train.preprocessing import Preprocessing


def split_train_val(count: int, fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Seeded split of ``count`` training images into (train, validation) indices."""
    if fraction <= 0:
        return list(range(count)), []
    order = np.random.default_rng([seed, 99]).permutation(count)
    size = max(1, round(count * fraction))
    if size >= count:
        raise ValueError(f"a validation share of {fraction} leaves no training image out of {count}")
    return sorted(order[size:].tolist()), sorted(order[:size].tolist())


def validate(
    model: nn.Module,
    items: Sequence[CachedImage],
    preprocessing: Preprocessing,
    lesions: Sequence[str],
    device: torch.device,
    graded: Sequence[CachedImage] = (),
) -> dict[str, float]:
    """Pooled average precision per lesion over ``items``, and their mean under ``"mean"``.

    A lesion absent from every validation image has no AUPR (NaN) and is left out of the mean.
    For a grading model (SUNet) the scores also hold DR, DME and joint accuracy over every
    graded validation image, and ``"mean"`` is the joint accuracy (the challenge's measure).
    """
    from edgeseg.metrics.grading import grading_scores

    was_training = model.training
    model.eval()
    accumulators = {lesion: PRAccumulator() for lesion in lesions}
    truth: list[tuple[int, int]] = []
    predicted: list[tuple[int, int]] = []
    with torch.no_grad():
        for item in list(items) + list(graded):
            image = torch.from_numpy(preprocessing.normalize(item.image))[None].to(device)
            output = model(image)
            if isinstance(output, dict) and item.grade is not None:
                truth.append(item.grade)
                predicted.append((int(output["dr"].argmax(1)), int(output["dme"].argmax(1))))
            if item.masks is None:
                continue
            logits = output["lesion"] if isinstance(output, dict) else output
            probabilities = torch.sigmoid(logits.float())[0].cpu().numpy()
            for index, lesion in enumerate(lesions):
                accumulators[lesion].add(probabilities[index], item.masks[index] > 0)
    model.train(was_training)
    curves = {lesion: _curve(accumulator) for lesion, accumulator in accumulators.items()}
    scores: dict = {lesion: curve.average_precision() if curve else float("nan") for lesion, curve in curves.items()}
    defined = [value for value in scores.values() if not math.isnan(value)]
    scores["mean"] = float(np.mean(defined)) if defined else float("nan")
    scores["thresholds"] = {lesion: best_f_threshold(curve) for lesion, curve in curves.items() if curve and curve.positives}
    if truth:
        grading = grading_scores(*zip(*[(t[0], p[0], t[1], p[1]) for t, p in zip(truth, predicted)]))
        scores.update(dr_accuracy=grading.dr_accuracy, dme_accuracy=grading.dme_accuracy, joint_accuracy=grading.joint_accuracy)
        scores["mean"] = grading.joint_accuracy
    return scores


def _curve(accumulator: PRAccumulator) -> PRCurve | None:
    try:
        return accumulator.curve()
    except ValueError:  # no image with masks was validated
        return None


def best_f_threshold(curve: PRCurve) -> float:
    """The probability threshold with the highest pixel F-score on the validation images: the
    suggested operating point stored in the model card (and in every exported file)."""
    precision, recall = curve.precision, curve.recall
    f_score = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return round(float(curve.thresholds[int(np.argmax(f_score))]), 4)
