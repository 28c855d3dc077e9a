"""Synthetic fundus photographs with exact lesion masks, for tests, demos and smoke runs.

Each image has what a real colour fundus photograph has, roughly: a black border around a
vignetted orange-red disc with uneven illumination, a darker macula, a bright optic disc, a
branching vessel tree, and the four lesion types with their typical look and size:

- MA microaneurysms: dark red round dots, 5 to 7 px across (the smallest lesions);
- HE haemorrhages: dark red irregular blots, 8 to 30 px;
- EX hard exudates: bright yellow plaques and clusters of small spots, up to about 40 px;
- SE soft exudates: pale, fuzzy cotton-wool spots, 12 to 36 px.

Lesions never overlap and keep 2 px apart, so every mask pixel shows its own lesion's colour and
no lesion reads as part of its neighbour (a lesion drawn over another would leave the first
one's mask claiming pixels it no longer colours). Sizes are given
for a 512 px image and scale with the image, except that microaneurysms never
shrink below a 2 px radius and haemorrhages and soft exudates never below 3 px, so that the
types stay distinguishable on the small images tests use. Colour is only ever changed inside a lesion's mask, so the masks are exact.
Everything is drawn from one seed: the same seed gives the same images, bit for bit. Lesions
draw from their own stream, so the same seed with other lesion counts gives the same photograph
outside the lesion masks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from edgeseg.data.options import SynthOptions
from edgeseg.lesions import ALL_LESIONS, LESIONS

LESION_COLOURS = {
    "MA": (95, 8, 8),
    "HE": (110, 15, 10),
    "EX": (250, 225, 90),
    "SE": (235, 215, 190),
}


@dataclass(frozen=True)
class SyntheticFundus:
    """One synthetic photograph: ``image`` RGB (H, W, 3), ``masks`` bool (5, H, W) in
    ``ALL_LESIONS`` order (MA, HE, EX, SE, OD), and grades derived from its lesions
    (:func:`synthetic_grades`)."""

    image: np.ndarray
    masks: np.ndarray
    dr: int = 0
    dme: int = 0

    def lesion_masks(self, lesions: tuple[str, ...] = LESIONS) -> np.ndarray:
        return self.masks[[ALL_LESIONS.index(name) for name in lesions]]


def _smooth_noise(rng: np.random.Generator, height: int, width: int, scale: int) -> np.ndarray:
    coarse = rng.normal(0.0, 1.0, (max(2, height // scale), max(2, width // scale))).astype(np.float32)
    field = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    return field / (np.abs(field).max() + 1e-6)


def _draw_vessels(rng: np.random.Generator, height: int, width: int, origin: tuple[float, float]) -> np.ndarray:
    """Return a float (H, W) vessel darkness map from random walks leaving the optic disc."""
    canvas = np.zeros((height, width), np.float32)
    unit = min(height, width) / 512.0
    stack = [(origin, rng.uniform(0, 2 * np.pi), max(2.0, 6.0 * unit), 0) for _ in range(5)]
    while stack:
        (x, y), heading, thickness, depth = stack.pop()
        points = [(x, y)]
        for _ in range(int(rng.integers(25, 45))):
            heading += rng.normal(0.0, 0.12)
            x += np.cos(heading) * 6 * unit
            y += np.sin(heading) * 6 * unit
            points.append((x, y))
        line = np.round(np.array(points)).astype(np.int32)
        cv2.polylines(canvas, [line], False, 1.0, thickness=max(1, int(round(thickness))), lineType=cv2.LINE_AA)
        if depth < 3:
            for _ in range(2):
                stack.append(((x, y), heading + rng.uniform(-0.9, 0.9), thickness * 0.7, depth + 1))
    return np.clip(canvas, 0.0, 1.0)


def _blob(rng: np.random.Generator, shape: tuple[int, int], centre: tuple[int, int], radius: float, lobes: int) -> np.ndarray:
    """A filled irregular blob: the union of ``lobes`` ellipses around ``centre``."""
    mask = np.zeros(shape, np.uint8)
    for _ in range(lobes):
        offset = rng.normal(0.0, radius * 0.35, 2) if lobes > 1 else np.zeros(2)
        axes = (max(1, int(round(radius * rng.uniform(0.6, 1.0)))), max(1, int(round(radius * rng.uniform(0.5, 1.0)))))
        cv2.ellipse(
            mask,
            (int(round(centre[0] + offset[0])), int(round(centre[1] + offset[1]))),
            axes,
            float(rng.uniform(0, 180)),
            0,
            360,
            1,
            thickness=-1,
        )
    return mask.astype(bool)


def _lesion_shape(
    rng: np.random.Generator, lesion: str, shape: tuple[int, int], ys: np.ndarray, xs: np.ndarray, unit: float
) -> np.ndarray:
    """One lesion of type ``lesion`` at a random allowed position (``ys``, ``xs``)."""
    pick = int(rng.integers(ys.size))
    centre = (int(xs[pick]), int(ys[pick]))
    if lesion == "MA":
        blob = np.zeros(shape, np.uint8)
        cv2.circle(blob, centre, max(2, int(round(rng.uniform(1.5, 3.0) * unit))), 1, thickness=-1)
        return blob.astype(bool)
    if lesion == "HE":
        return _blob(rng, shape, centre, max(3.0, rng.uniform(4, 15) * unit), 3)
    if lesion == "EX":
        blob = np.zeros(shape, bool)
        for _ in range(int(rng.integers(1, 6))):
            jitter = rng.normal(0, 10 * unit, 2)
            spot = (int(centre[0] + jitter[0]), int(centre[1] + jitter[1]))
            blob |= _blob(rng, shape, spot, rng.uniform(2, 12) * unit, 2)
        return blob
    return _blob(rng, shape, centre, max(3.0, rng.uniform(6, 18) * unit), 2)


def make_fundus(
    size: int | tuple[int, int] = 512,
    seed: int = 0,
    lesion_counts: dict[str, int] | None = None,
) -> SyntheticFundus:
    """Draw one synthetic fundus photograph of ``size`` (an int for square, or (H, W)).

    ``lesion_counts`` fixes how many lesions of each type to draw (missing keys: random counts,
    a type absent with some probability, as on real images).
    """
    height, width = (size, size) if isinstance(size, int) else size
    rng = np.random.default_rng(seed)
    unit = min(height, width) / 512.0
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width / 2.0, height / 2.0
    radius = 0.5 * min(height, width) * rng.uniform(0.92, 1.0)
    distance = np.hypot(xx - cx, yy - cy) / radius
    disc = distance < 1.0

    illumination = 1.0 - 0.45 * distance**2 + 0.08 * _smooth_noise(rng, height, width, 32)
    base = np.array([200.0, 95.0, 35.0]) * rng.uniform(0.85, 1.1, 3)
    image = base[None, None, :] * illumination[..., None]

    side = rng.choice([-1.0, 1.0])
    macula = (cx - side * 0.1 * radius, cy)
    od_centre = (cx + side * 0.55 * radius, cy + rng.uniform(-0.1, 0.1) * radius)
    macula_shade = np.exp(-(((xx - macula[0]) ** 2 + (yy - macula[1]) ** 2) / (2 * (0.15 * radius) ** 2)))
    image *= (1.0 - 0.3 * macula_shade)[..., None]

    od_radius = 0.16 * radius
    od = np.hypot(xx - od_centre[0], yy - od_centre[1]) < od_radius
    od_glow = np.clip(1.0 - np.hypot(xx - od_centre[0], yy - od_centre[1]) / (1.3 * od_radius), 0, 1)
    image = image * (1 - od_glow[..., None]) + np.array([250.0, 215.0, 150.0]) * od_glow[..., None]

    vessels = _draw_vessels(rng, height, width, od_centre)
    image = image * (1 - 0.55 * vessels[..., None]) + np.array([90.0, 10.0, 10.0]) * 0.55 * vessels[..., None]

    image += rng.normal(0.0, 2.0, image.shape)
    border = rng.integers(0, 4, (height, width, 3))

    masks = np.zeros((len(ALL_LESIONS), height, width), bool)
    masks[ALL_LESIONS.index("OD")] = od & disc
    rng = np.random.default_rng([seed, 1])
    allowed = disc & ~od & (distance < 0.9)
    defaults = {"MA": (0, 14), "HE": (0, 6), "EX": (0, 10), "SE": (0, 3)}
    for lesion in LESIONS:
        if lesion_counts is not None and lesion in lesion_counts:
            count = lesion_counts[lesion]
        else:
            low, high = defaults[lesion]
            count = 0 if rng.random() < 0.2 else int(rng.integers(max(1, low), high + 1))
        channel = masks[ALL_LESIONS.index(lesion)]
        ys, xs = np.nonzero(allowed)
        for _ in range(count):
            for _attempt in range(4):  # a lesion is drawn whole, in free space, or not at all
                occupied = cv2.dilate(masks[: len(LESIONS)].any(axis=0).astype(np.uint8), np.ones((5, 5), np.uint8))
                blob = _lesion_shape(rng, lesion, (height, width), ys, xs, unit)
                if not (blob & ~(allowed & ~occupied.astype(bool))).any():
                    channel |= blob
                    break
        if channel.any():
            colour = np.array(LESION_COLOURS[lesion], np.float64)
            strength = np.clip(cv2.GaussianBlur(channel.astype(np.float32), (0, 0), 1.0 + 2.0 * (lesion == "SE")), 0, 1)
            weight = np.where(channel, np.maximum(strength, 0.6 if lesion == "SE" else 0.8), 0.0)
            image = image * (1 - weight[..., None]) + colour * weight[..., None]

    image = np.where(disc[..., None], image, border)
    image = np.clip(image, 0, 255).astype(np.uint8)
    near_macula = np.hypot(xx - macula[0], yy - macula[1]) < 0.35 * radius
    dr, dme = synthetic_grades(masks, near_macula)
    return SyntheticFundus(image=image, masks=masks, dr=dr, dme=dme)


def synthetic_grades(masks: np.ndarray, near_macula: np.ndarray) -> tuple[int, int]:
    """DR grade and DME risk from the lesions drawn, loosely after the clinical scales:
    DR 0 no lesion, 1 microaneurysms only, 2 haemorrhages or exudates, 3 soft exudates with up to
    three haemorrhages, 4 soft exudates with more; DME 0 no hard exudate, 1 hard exudates away
    from the macula, 2 hard exudates within 0.35 disc radii of it."""
    present = {name: masks[ALL_LESIONS.index(name)] for name in LESIONS}
    haemorrhages = cv2.connectedComponents(present["HE"].astype(np.uint8), connectivity=8)[0] - 1
    if present["SE"].any():
        dr = 4 if haemorrhages > 3 else 3
    elif present["HE"].any() or present["EX"].any():
        dr = 2
    else:
        dr = 1 if present["MA"].any() else 0
    if not present["EX"].any():
        dme = 0
    else:
        dme = 2 if (present["EX"] & near_macula).any() else 1
    return dr, dme


def write_synthetic_dataset(
    out: str | Path,
    n_train: int = SynthOptions.train,
    n_test: int = SynthOptions.test,
    size: int = SynthOptions.side,
    seed: int = SynthOptions.seed,
    n_grading: int = 0,
) -> Path:
    """Write a synthetic data set in the generic layout (``train/`` and ``test/``) with a manifest.

    Images are lossless PNGs, so that the masks stay exact to the pixel.

    The manifest carries per-image lesion pixel and component counts and the training set's
    mean/std, as for a prepared real data set, so that every command accepts the result. Each
    split also gets ``grades.csv`` (DR, DME); ``n_grading`` > 0 adds that many images per split
    without masks under ``grading/`` (for SUNet's alternating training).
    """
    from edgeseg.data.folder import write_grades
    from edgeseg.data.prepare import EncodedSample, write_prepared_dataset
    from edgeseg.fileio import atomic_write_bytes, encode_image

    out = Path(out)
    items = []
    grades: dict[str, dict[str, tuple[int, int]]] = {"train": {}, "test": {}}
    for index in range(n_train + n_test):
        split = "train" if index < n_train else "test"
        fundus = make_fundus(size, seed=seed * 100_003 + index)
        stem = f"synth_{index:03d}"
        items.append(EncodedSample.from_arrays(stem, split, fundus.image, fundus.masks, image_suffix=".png"))
        grades[split][stem] = (fundus.dr, fundus.dme)
    for split in ("train", "test"):
        if n_grading:
            images = []
            for index in range(n_grading):
                fundus = make_fundus(size, seed=seed * 100_003 + 50_000 + index + (n_grading if split == "test" else 0))
                images.append((f"grade_{split}_{index:03d}", fundus))
            for stem, fundus in images:
                atomic_write_bytes(out / "grading" / split / "images" / f"{stem}.png", encode_image(fundus.image, ".png"))
            write_grades(out / "grading" / split, {stem: (fundus.dr, fundus.dme) for stem, fundus in images})
    for split in ("train", "test"):
        if grades[split]:
            write_grades(out / split, grades[split])
    return write_prepared_dataset(
        out,
        items,
        source={"name": "synthetic", "generator": "edgeseg.data.synthetic", "seed": seed, "size": size},
    )
