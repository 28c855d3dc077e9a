"""Reading images and masks robustly, and writing files so that nothing is ever half-written.

Every writer in edgeseg goes through :func:`atomic_path`: data is written to a temporary file in
the destination folder and renamed over the target only once complete, so an interrupted run
leaves either the old file or the new one, never a truncated one.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from edgeseg.errors import DataError

IMAGE_SUFFIXES: tuple[str, ...] = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
MASK_SUFFIXES: tuple[str, ...] = (".png", ".tif", ".tiff", ".bmp", ".gif")

_JPEG_EOI = b"\xff\xd9"
_UMASK = os.umask(0)
os.umask(_UMASK)
_PNG_IEND = b"IEND\xaeB`\x82"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; rename it onto ``target`` on success.

    On any exception the temporary file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the file the usual permissions
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (temporary file, then rename)."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def json_ready(obj: Any) -> Any:
    """``obj`` with NaN and infinite floats replaced by None (strict JSON has no NaN)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: json_ready(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_ready(value) for value in obj]
    return obj


def atomic_write_json(target: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as indented, strict JSON (NaN becomes null) to ``target`` atomically."""
    text = json.dumps(json_ready(obj), indent=2, allow_nan=False)
    atomic_write_bytes(target, (text + "\n").encode())


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file, turning a missing or malformed file into a one-line :class:`DataError`."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not valid JSON ({exc}); delete it and re-create it") from None


def read_bytes(path: Path) -> bytes:
    """A file's bytes; a missing, unreadable or empty file is a one-line :class:`DataError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, expected an image file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    if not data:
        raise DataError(f"{path}: empty file (0 bytes); re-copy or re-download it")
    return data


def truncation_problem(data: bytes) -> str | None:
    """Say why a JPEG or PNG byte string is truncated, or return None if it looks complete.

    OpenCV decodes a truncated JPEG without raising (it fills the missing rows with grey), so the
    end-of-image marker is checked explicitly.
    """
    if data[:3] == b"\xff\xd8\xff":
        tail = data[-64:].rstrip(b"\x00")
        if _JPEG_EOI not in tail:
            return "truncated JPEG (no end-of-image marker)"
    elif data[:8] == b"\x89PNG\r\n\x1a\n":
        if _PNG_IEND not in data[-64:]:
            return "truncated PNG (no IEND chunk)"
    return None


def portable_path(path: str | os.PathLike[str]) -> str:
    """``path`` relative to the working directory when it lies inside it (``edgeseg/weights/...``
    rather than this machine's ``/home/.../edgeseg/weights/...``), else as given: for paths that
    files record and that other machines read."""
    absolute = Path(path).absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_image(path: str | os.PathLike[str], data: bytes | None = None) -> np.ndarray:
    """Read a colour image as an RGB ``uint8`` array of shape (H, W, 3); from ``data``, the file's
    bytes already read, when given (not read again).

    Raises :class:`DataError` naming the file for a missing, empty, truncated, undecodable or
    grayscale image. 16-bit images are scaled to 8 bits; an alpha channel is dropped; a CMYK JPEG
    is decoded as browsers decode it (:func:`_cmyk_jpeg_to_rgb`). EXIF
    orientation is ignored so that images stay aligned with their masks.
    """
    path = Path(path)
    data = data or read_bytes(path)
    problem = truncation_problem(data)
    if problem:
        raise DataError(f"{path}: {problem}; re-copy or re-download the file")
    if _is_cmyk_jpeg(data):
        return _cmyk_jpeg_to_rgb(path, data)
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise DataError(f"{path}: not a readable image (corrupt or unsupported format)")
    if array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif array.dtype != np.uint8:
        raise DataError(f"{path}: unsupported pixel type {array.dtype}; save it as 8-bit RGB")
    if array.ndim == 2 or array.shape[2] == 1:
        raise DataError(
            f"{path}: grayscale image; edgeseg needs a colour (RGB) fundus photograph"
        )
    if array.shape[2] == 4:
        array = array[:, :, :3]
    return np.ascontiguousarray(cv2.cvtColor(array, cv2.COLOR_BGR2RGB))


def _is_cmyk_jpeg(data: bytes) -> bool:
    """Whether ``data`` is a JPEG whose frame has four components (CMYK or YCCK), from its SOF header."""
    if not data.startswith(b"\xff\xd8"):
        return False
    position = 2
    while position + 9 < len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame
            return data[position + 9] == 4
        position += 2 + length
    return False


def _cmyk_jpeg_to_rgb(path: Path, data: bytes) -> np.ndarray:
    """A CMYK JPEG decoded as browsers decode it (Chromium's pixels equal PIL's; OpenCV's differ by
    one level on every pixel, which moved lesion areas by several percent), so that ``edgeseg
    predict`` and the page give one answer for a photograph from a print workflow or a scanner."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return np.array(image.convert("RGB"))  # a writable copy
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        raise DataError(f"{path}: not a readable image (corrupt or unsupported format)") from None


def exif_orientation(path: str | os.PathLike[str], data: bytes | None = None) -> int:
    """The EXIF orientation tag (1-8) of an image file (or of its bytes ``data``); 1 (upright) when it has none."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data) if data else path) as image:
            value = image.getexif().get(0x0112, 1)
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def apply_orientation(image: np.ndarray, orientation: int) -> np.ndarray:
    """``image`` turned upright as its EXIF ``orientation`` says (as PIL's ``ImageOps.exif_transpose``
    and browsers do): 2 mirror, 3 half turn, 4 flip, 5 transpose, 6 quarter turn clockwise, 7
    transverse, 8 quarter turn counter-clockwise."""
    turned = {
        2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
        5: lambda a: a.transpose(1, 0, 2), 6: lambda a: np.rot90(a, -1), 7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
        8: lambda a: np.rot90(a, 1),
    }.get(orientation)
    return np.ascontiguousarray(turned(image)) if turned else image


def read_mask(path: str | os.PathLike[str], shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a lesion mask as a boolean (H, W) array; "any colour channel > 0" is lesion.

    Handles every encoding of the official IDRiD release: palette images with indices 0/1
    (the palette index is used, not its colour), RGBA images with the lesion in red (the alpha
    channel is ignored), and plain 0/255 grayscale PNGs. ``shape`` (H, W), when given, must match.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    data = read_bytes(path)
    problem = truncation_problem(data)
    if problem:
        raise DataError(f"{path}: {problem}; re-copy or re-download the mask")
    try:
        import io

        with Image.open(io.BytesIO(data)) as image:
            image.load()
            mode = image.mode
            array = np.asarray(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DataError(f"{path}: not a readable mask image ({exc})") from None
    if mode in ("RGBA", "LA", "PA"):
        array = array[..., :-1]
    mask = array > 0 if array.ndim == 2 else (array > 0).any(axis=-1)
    if shape is not None and mask.shape != tuple(shape):
        raise DataError(
            f"{path}: mask is {mask.shape[1]}x{mask.shape[0]} but its image is "
            f"{shape[1]}x{shape[0]}; masks must have their image's size"
        )
    return mask


def image_size(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(width, height) of an image from its header, without decoding the pixels."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            return image.size
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path}: not a readable image ({exc})") from None


def encode_image(image: np.ndarray, suffix: str, quality: int = 95) -> bytes:
    """Encode an RGB (H, W, 3) or grayscale (H, W) ``uint8`` array as JPEG or PNG bytes."""
    array = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    params: list[int] = []
    if suffix.lower() in (".jpg", ".jpeg"):
        params = [cv2.IMWRITE_JPEG_QUALITY, quality]
    elif suffix.lower() == ".png":
        params = [cv2.IMWRITE_PNG_COMPRESSION, 6]
    ok, buffer = cv2.imencode(suffix, array, params)
    if not ok:
        raise DataError(f"could not encode an image as {suffix}")
    return buffer.tobytes()


def encode_mask_png(mask: np.ndarray) -> bytes:
    """Encode a boolean mask as a 1-channel 0/255 PNG."""
    return encode_image(np.where(mask, 255, 0).astype(np.uint8), ".png")
