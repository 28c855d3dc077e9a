"""Per-channel mean and standard deviation of images, the statistics a model's input
normalisation uses (U²-XS-Net, paper 003: "normalised by the data set's mean and standard
deviation"). One implementation for `data prepare`'s manifest and for training."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def channel_moments(image: np.ndarray) -> np.ndarray:
    """Per-channel sum and sum of squares of an RGB ``uint8`` image on the [0, 1] scale: (2, 3)."""
    pixels = image.reshape(-1, 3).astype(np.float64) / 255.0
    return np.stack([pixels.sum(axis=0), (pixels**2).sum(axis=0)])


def mean_std_from_moments(moments: np.ndarray, pixels: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) per channel, rounded to 6 decimals, from summed :func:`channel_moments`."""
    mean = moments[0] / pixels
    std = np.sqrt(np.maximum(moments[1] / pixels - mean**2, 1e-12))
    return tuple(round(float(v), 6) for v in mean), tuple(round(float(v), 6) for v in std)


def channel_mean_std(images: Iterable[np.ndarray]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel (mean, std) of RGB ``uint8`` images on the [0, 1] scale, over all their pixels."""
    moments = np.zeros((2, 3))
    pixels = 0
    for image in images:
        moments += channel_moments(image)
        pixels += image.shape[0] * image.shape[1]
    return mean_std_from_moments(moments, pixels)
