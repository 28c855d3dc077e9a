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
from edgeseg.inference.preprocessing import Preprocessing


def images_with_lesion(items: Sequence[CachedImage], lesions: Sequence[str]) -> dict[str, int]:
    """How many of ``items`` hold at least one pixel of each lesion: the images behind each
    lesion's pooled validation AUPR. Images without masks (graded only) count for none.

    With IDRiD's default split (8 of the 54 training images, seed 0) SE is in 3 of them, and a
    whole training run selected on that split scored validation SE 0.57 and test SE 0.26
    (``docs/results.md``, "A whole run with weight averaging").
    """
    counts = {lesion: 0 for lesion in lesions}
    for item in items:
        if item.masks is None:
            continue
        for index, lesion in enumerate(lesions):
            counts[lesion] += bool(item.masks[index].any())
    return counts


@torch.no_grad()
def recalibrate_batchnorm(
    model: nn.Module, items: Sequence[CachedImage], preprocessing: Preprocessing, device: torch.device, batch: int = 4
) -> int:
    """Recompute every BatchNorm's running statistics on whole training images ("precise BN").

    Training on lesion-biased crops and small batches leaves running statistics that follow
    the last few crops (momentum 0.1) and differ from those of whole photographs; evaluated
    with them, a model can lose most of its microaneurysm AUPR (measured: 0.41 against 0.84
    with batch statistics). The statistics are replaced by the exact average over ``items``,
    preprocessed exactly as at inference. Weights are untouched. Returns the number of layers.
    """
    layers = [module for module in model.modules() if isinstance(module, nn.modules.batchnorm._BatchNorm)]
    if not layers or not items:
        return 0
    was_training = model.training
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # cumulative average over all batches
    model.train()
    batch = max(2, batch)
    starts = list(range(0, len(items), batch))
    if len(starts) > 1 and len(items) - starts[-1] == 1:
        starts.pop()  # a last batch of one image would break BatchNorm on 1x1 maps: merge it
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(items)
        images = [torch.from_numpy(preprocessing.normalize(item.image)) for item in items[start:end]]
        model(torch.stack(images).to(device))
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
    model.train(was_training)
    return len(layers)


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
