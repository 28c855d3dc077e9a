"""The photographs `edgeseg predict` is given: folders expanded, every file checked before any
model is loaded, so that a bad file costs a fraction of a second and leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from edgeseg.inference.fov import FieldOfView
from edgeseg.errors import DataError
from edgeseg.fileio import IMAGE_SUFFIXES, apply_orientation, exif_orientation, image_size, read_bytes, read_image, truncation_problem

# (longest side at least, OpenCV's reduced decode): the check needs no more than ~512 px.
REDUCED_DECODES = ((4096, cv2.IMREAD_REDUCED_COLOR_8), (2048, cv2.IMREAD_REDUCED_COLOR_4), (1024, cv2.IMREAD_REDUCED_COLOR_2))


def collect_images(inputs: list[str | Path]) -> list[Path]:
    """Expand folders to the images inside them; keep files as given (checked by :func:`check_image`)."""
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


def check_image(path: Path) -> None:
    """Raise :class:`DataError` naming ``path`` when it is missing, empty, truncated, not an image,
    grayscale or not a colour fundus photograph. Decodes at a reduced scale (a few milliseconds for
    a 12-megapixel JPEG); `predict` checks again at full resolution when it reads the photograph."""
    data = read_bytes(Path(path))
    problem = truncation_problem(data)
    if problem:
        raise DataError(f"{path}: {problem}; re-copy or re-download the file")
    try:
        side = max(image_size(path))
    except DataError:
        side = 0  # not an image PIL knows: OpenCV decides below
    flag = next((flag for least, flag in REDUCED_DECODES if side >= least), cv2.IMREAD_COLOR)
    reduced = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    if reduced is None:
        raise DataError(f"{path}: not a readable image (corrupt or unsupported format)")
    if reduced.ndim == 2:
        reduced = cv2.cvtColor(reduced, cv2.COLOR_GRAY2BGR)
    field_of_view = FieldOfView.find(cv2.cvtColor(reduced, cv2.COLOR_BGR2RGB))
    problem = field_of_view.problem() or field_of_view.too_small(side / max(reduced.shape[:2]) if side else 1.0)
    if problem:
        raise DataError(f"{path}: {problem}")


def check_images(paths: list[Path]) -> None:
    """:func:`check_image` on every path; the error names the first bad file and counts the others."""
    problems = []
    for path in paths:
        try:
            check_image(path)
        except DataError as exc:
            problems.append(str(exc))
    if problems:
        more = f" (and {len(problems) - 1} more bad file(s); nothing was predicted)" if len(problems) > 1 else ""
        raise DataError(problems[0] + more)


def read_photograph(path: Path, data: bytes | None = None) -> tuple[np.ndarray, FieldOfView]:
    """The photograph (RGB uint8, upright as its EXIF orientation says, as a phone's browser shows
    it) and its field of view, found once; a non-fundus image is refused. ``data``: the file's
    bytes when already read."""
    image = apply_orientation(read_image(path, data), exif_orientation(path, data))
    field_of_view = FieldOfView.find(image)
    problem = field_of_view.problem() or field_of_view.too_small()
    if problem:
        raise DataError(f"{path}: {problem}")
    return image, field_of_view
