"""Probability map files: how `edgeseg predict` writes them and `edgeseg eval` reads them back.

A map is a single-channel PNG ``STEM_<LESION>.png`` of unsigned integers, p = v / (2^bits - 1),
16-bit by default (8 bits tie the top of the ranking of a model whose probabilities crowd near 1,
as a class-balanced loss makes them: LocalNet MA's test AP read 0.296 from 8-bit maps and 0.387
from 16-bit ones). It is written either

- at the **model's resolution** (the default): the (S, S) square the network saw. The summary
  ``STEM.json`` beside it holds the model's ``preprocessing`` and the photograph's ``geometry``,
  which :func:`map_to_image` uses to bring the map onto the photograph's pixels exactly as
  `predict` does for its summary and overlay (bilinear, 0 outside the field-of-view crop), and
  quantizes it again to the map's depth; or
- at the **photograph's resolution** (``--full-maps``), for other tools.
"""

from __future__ import annotations

import cv2
import numpy as np

from edgeseg.errors import EdgesegError
from edgeseg.inference.preprocessing import Preprocessing, SquareGeometry

MAP_DEPTHS = {8: np.uint8, 16: np.uint16}  # bits per pixel of a written probability map -> its dtype


def quantize_probabilities(probabilities: np.ndarray, bits: int = 16) -> np.ndarray:
    """Probabilities in [0, 1] as the unsigned integers of a ``bits``-deep PNG (p = v / max)."""
    if bits not in MAP_DEPTHS:
        raise EdgesegError(f"probability maps are 8- or 16-bit, not {bits}-bit")
    dtype = MAP_DEPTHS[bits]
    return np.round(np.clip(probabilities, 0.0, 1.0) * np.iinfo(dtype).max).astype(dtype)


def encode_png(array: np.ndarray, level: int = 1) -> bytes:
    """PNG bytes of a (H, W) map or an RGB (H, W, 3) image; level 1 is fast and still compact."""
    data = cv2.cvtColor(array, cv2.COLOR_RGB2BGR) if array.ndim == 3 else array
    ok, buffer = cv2.imencode(".png", data, [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:
        raise EdgesegError("could not encode a PNG")
    return buffer.tobytes()


def map_to_image(values: np.ndarray, preprocessing: Preprocessing, geometry: SquareGeometry) -> np.ndarray:
    """An integer map at the model's resolution brought onto the photograph's pixels, as
    integers of the same depth (what a full-resolution map of the same prediction holds, to
    within one step)."""
    one = float(np.iinfo(values.dtype).max)
    full = preprocessing.to_image(values.astype(np.float32) / one, geometry)
    return quantize_probabilities(full, 8 * values.dtype.itemsize)
