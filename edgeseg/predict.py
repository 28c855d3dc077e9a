"""`edgeseg predict`: lesion probability maps, an overlay and a summary for fundus photographs.

Any size of photograph: the model card's preprocessing (field-of-view crop, pad to square,
resize, CLAHE, normalisation) is replayed, the network runs at its training size, and the
probabilities are mapped back onto the original pixels (outside the field of view they are 0).
Outputs per image ``STEM``:

- ``STEM_<LESION>.png``: probability map at the original resolution, the format `edgeseg eval`
  reads: 16-bit by default (p = value / 65535), 8-bit on request (p = value / 255, several
  times smaller). 8 bits tie the top of the ranking of a model whose probabilities crowd near 1 (a
  class-balanced loss such as LocalNet's weighted cross-entropy): its test AP fell from 0.387
  to 0.296 on IDRiD MA, so the AUPR of 8-bit maps is not the model's;
- ``STEM_overlay.png``: the photograph with each lesion above its threshold tinted, a legend and
  the research-use notice;
- ``STEM.json``: per lesion the threshold, the area in pixels and as a share of the field of
  view, and the number of connected components.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import cv2
import numpy as np
import torch

from edgeseg.checkpoint import NOTICE, load_model
from edgeseg.data.fov import field_of_view_mask, fundus_problem
from edgeseg.errors import DataError, EdgesegError
from edgeseg.fileio import IMAGE_SUFFIXES, atomic_write_bytes, atomic_write_json, read_image
from edgeseg.lesions import LESION_NAMES
from edgeseg.train.preprocessing import Preprocessing

DEFAULT_MODEL = "u2xs_mt.safetensors"
MAP_DEPTHS = {8: np.uint8, 16: np.uint16}  # bits per pixel of a written probability map -> its dtype
# Overlay colours (RGB), chosen to stand out on an orange-red retina.
LESION_COLOURS = {"MA": (0, 255, 255), "HE": (60, 255, 60), "EX": (40, 90, 255), "SE": (255, 0, 255), "OD": (255, 255, 255)}


def default_model_path() -> Path:
    """The embedded default model shipped inside the package (`edgeseg/weights/`)."""
    path = Path(str(resources.files("edgeseg") / "weights" / DEFAULT_MODEL))
    if not path.is_file():
        raise EdgesegError(f"the embedded default model is missing ({path}); reinstall edgeseg or pass --weights")
    return path


@dataclass
class Prediction:
    """Probability maps (L, H, W) float32 at the photograph's resolution, and its FOV mask."""

    lesions: tuple[str, ...]
    probabilities: np.ndarray
    field_of_view: np.ndarray
    seconds: float


class Predictor:
    """A loaded model with its card; call :meth:`predict` on RGB uint8 photographs."""

    def __init__(self, weights: str | Path | None = None, device: str = "cpu") -> None:
        self.path = Path(weights) if weights else default_model_path()
        self.model, self.card = load_model(self.path, device)
        if self.card.get("task", "segmentation") != "segmentation":
            raise EdgesegError(f"{self.path}: a {self.card['task']} model; predict needs a segmentation model")
        self.preprocessing = Preprocessing.from_dict(self.card["preprocessing"])
        self.lesions = tuple(self.card["lesions"])
        self.device = torch.device(device)
        thresholds = self.card.get("metrics", {}).get("thresholds", {})
        self.thresholds = {lesion: float(thresholds.get(lesion, 0.5)) for lesion in self.lesions}

    @torch.no_grad()
    def probabilities_square(self, square: np.ndarray) -> np.ndarray:
        """Sigmoid probabilities (L, S, S) of one preprocessed square image."""
        tensor = torch.from_numpy(self.preprocessing.normalize(square))[None].to(self.device)
        return torch.sigmoid(self.model(tensor).float())[0].cpu().numpy()

    def predict(self, image: np.ndarray) -> Prediction:
        start = time.perf_counter()
        maps = self.probabilities_square(self.preprocessing.image_to_square(image))
        full = maps_to_image(maps, self.preprocessing, image)
        return Prediction(self.lesions, full, field_of_view_mask(image), time.perf_counter() - start)


def maps_to_image(maps: np.ndarray, preprocessing: Preprocessing, image: np.ndarray) -> np.ndarray:
    """(L, S, S) maps of the preprocessed square back onto ``image``'s pixels (L, H, W): undo
    the resize (bilinear), the padding and the field-of-view crop; 0 outside the crop."""
    box, (top, left), side = preprocessing.geometry(image)
    height, width = image.shape[:2]
    full = np.zeros((len(maps), height, width), np.float32)
    for index, channel in enumerate(maps):
        if preprocessing.pad_square:
            restored = cv2.resize(channel, (side, side), interpolation=cv2.INTER_LINEAR)
            restored = restored[top : top + box.height, left : left + box.width]
        else:
            restored = cv2.resize(channel, (box.width, box.height), interpolation=cv2.INTER_LINEAR)
        full[index, box.y0 : box.y1, box.x0 : box.x1] = restored
    return full


def summarise(prediction: Prediction, thresholds: dict[str, float]) -> dict:
    """Per lesion: threshold, area (pixels and share of the field of view), components."""
    fov_pixels = int(prediction.field_of_view.sum())
    lesions = {}
    for index, lesion in enumerate(prediction.lesions):
        mask = prediction.probabilities[index] >= thresholds[lesion]
        components = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1
        area = int(mask.sum())
        lesions[lesion] = {
            "name": LESION_NAMES[lesion],
            "threshold": thresholds[lesion],
            "area_pixels": area,
            "area_share_of_fov": area / fov_pixels if fov_pixels else None,
            "components": int(components),
            "max_probability": float(prediction.probabilities[index].max()),
        }
    return {"field_of_view_pixels": fov_pixels, "lesions": lesions}


def render_overlay(image: np.ndarray, prediction: Prediction, thresholds: dict[str, float]) -> np.ndarray:
    """The photograph with each lesion above threshold tinted and outlined, plus a legend."""
    overlay = image.copy()
    for index, lesion in enumerate(prediction.lesions):
        mask = (prediction.probabilities[index] >= thresholds[lesion]).astype(np.uint8)
        if not mask.any():
            continue
        colour = np.array(LESION_COLOURS[lesion], np.float32)
        selected = mask.astype(bool)
        overlay[selected] = (0.45 * overlay[selected] + 0.55 * colour).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(overlay, contours, -1, LESION_COLOURS[lesion], max(1, image.shape[1] // 1500))
    return _draw_legend(overlay, prediction.lesions)


def _draw_legend(image: np.ndarray, lesions: tuple[str, ...]) -> np.ndarray:
    scale = max(0.5, image.shape[1] / 1600)
    line = int(34 * scale)
    pad = int(12 * scale)
    width = int(520 * scale)
    height = pad * 2 + line * (len(lesions) + 1)
    cv2.rectangle(image, (0, 0), (width, height), (0, 0, 0), thickness=-1)
    font, thickness = cv2.FONT_HERSHEY_SIMPLEX, max(1, int(2 * scale))
    for row, lesion in enumerate(lesions):
        y = pad + line * row
        cv2.rectangle(image, (pad, y + pad // 2), (pad + line - pad, y + line - pad // 2), LESION_COLOURS[lesion], thickness=-1)
        cv2.putText(image, f"{lesion} {LESION_NAMES[lesion]}", (pad + line, y + line - pad), font, 0.8 * scale, (255, 255, 255), thickness)
    cv2.putText(image, "research use only - not a diagnosis", (pad, pad + line * len(lesions) + line - pad), font, 0.7 * scale, (255, 200, 0), thickness)
    return image


def collect_images(inputs: list[str | Path]) -> list[Path]:
    """Expand folders to the images inside them; keep files as given (checked when read)."""
    images: list[Path] = []
    for item in map(Path, inputs):
        if item.is_dir():
            found = sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))
            if not found:
                raise DataError(f"{item}: no images in this folder ({', '.join(IMAGE_SUFFIXES)})")
            images += found
        else:
            images.append(item)
    return images


def quantize_probabilities(probabilities: np.ndarray, bits: int = 16) -> np.ndarray:
    """Probabilities in [0, 1] as the unsigned integers of a ``bits``-deep PNG (p = v / max)."""
    if bits not in MAP_DEPTHS:
        raise EdgesegError(f"probability maps are 8- or 16-bit, not {bits}-bit")
    dtype = MAP_DEPTHS[bits]
    return np.round(np.clip(probabilities, 0.0, 1.0) * np.iinfo(dtype).max).astype(dtype)


def predict_file(predictor: Predictor, path: Path, out: Path, write_maps: bool = True, map_bits: int = 16) -> dict:
    """Predict one photograph and write its maps (``map_bits`` deep), overlay and JSON summary into ``out``."""
    image = read_image(path)
    problem = fundus_problem(image)
    if problem:
        raise DataError(f"{path}: {problem}")
    prediction = predictor.predict(image)
    summary = {
        "image": str(path),
        "size": [int(image.shape[1]), int(image.shape[0])],
        "model": str(predictor.path),
        "seconds_inference": round(prediction.seconds, 3),
        "notice": NOTICE,
        **summarise(prediction, predictor.thresholds),
    }
    stem = path.stem
    if write_maps:
        for index, lesion in enumerate(prediction.lesions):
            scaled = quantize_probabilities(prediction.probabilities[index], map_bits)
            atomic_write_bytes(out / f"{stem}_{lesion}.png", _png(scaled))
    atomic_write_bytes(out / f"{stem}_overlay.png", _png(render_overlay(image, prediction, predictor.thresholds)))
    atomic_write_json(out / f"{stem}.json", summary)
    return summary


def _png(array: np.ndarray) -> bytes:
    """Fast PNG encoding (level 1): maps of 12-megapixel photographs are written in well under a second."""
    data = cv2.cvtColor(array, cv2.COLOR_RGB2BGR) if array.ndim == 3 else array
    ok, buffer = cv2.imencode(".png", data, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise EdgesegError("could not encode a PNG")
    return buffer.tobytes()

