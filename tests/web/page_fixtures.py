"""What the browser tests need: the embedded default exported to TFLite (cached between runs,
keyed by the embedded weights, since the conversion takes minutes), a test photograph (IDRiD
test image 55, else a synthetic one) and the bad inputs the page must handle."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import cv2
import numpy as np

from tests.conftest import real_idrid_root

BIG = "96 megapixels"
BIG_SIZE = (12000, 7970)
IDRID_TEST_55 = Path("A. Segmentation") / "1. Original Images" / "b. Testing Set" / "IDRiD_55.jpg"


def edgeseg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the edgeseg CLI in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "edgeseg", *args], cwd=cwd, capture_output=True, text=True, timeout=900)


def embedded_weights_key() -> str:
    """A digest of the embedded default's files: a new default invalidates the cached export."""
    digest = hashlib.sha256()
    for path in sorted(Path(str(resources.files("edgeseg") / "weights")).glob("*.safetensors")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def exported_default(cache: Path) -> Path:
    """The embedded default as fp32 TFLite: $EDGESEG_WEB_MODEL, else a cached export, else a new one."""
    if os.environ.get("EDGESEG_WEB_MODEL"):
        return Path(os.environ["EDGESEG_WEB_MODEL"])
    folder = cache / embedded_weights_key()
    found = sorted(folder.glob("*_fp32.tflite"))
    if found:
        return found[0]
    done = edgeseg("export", "--target", "tflite", "--precision", "fp32", "--no-verify", "--out", str(folder))
    found = sorted(folder.glob("*_fp32.tflite"))
    assert done.returncode == 0 and found, f"exporting the embedded default failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return found[0]


def screening_photograph(folder: Path) -> tuple[Path, str]:
    """IDRiD test image 55 (4288x2848 JPEG) when IDRiD is here, else a synthetic 1536 px photograph."""
    idrid = real_idrid_root() / IDRID_TEST_55
    if idrid.is_file():
        return idrid, "IDRiD test image 55"
    done = edgeseg("data", "synth", "--out", str(folder / "synth"), "--train", "1", "--test", "1", "--side", "1536")
    assert done.returncode == 0, done.stderr
    return sorted((folder / "synth" / "test" / "images").iterdir())[0], "a synthetic photograph (IDRiD is not on this machine)"


def bad_inputs(folder: Path, photograph: Path) -> dict[str, Path]:
    """A non-image file, a grayscale photograph, a non-fundus photograph and a 12000x7970 one (95.6 megapixels)."""
    image = cv2.imread(str(photograph))
    paths = {name: folder / file for name, file in
             (("not an image", "notes.txt"), ("grayscale", "grey.jpg"), ("not a fundus", "landscape.jpg"), (BIG, "big96.jpg"))}
    paths["not an image"].write_text("These are notes, not a photograph.\n")
    cv2.imwrite(str(paths["grayscale"]), cv2.cvtColor(cv2.resize(image, (1072, 712), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2GRAY))
    height, width = 900, 1200
    rows = np.arange(height)[:, None, None]
    sky = np.broadcast_to(np.array([200, 170, 90]) - rows * np.array([100, 60, 0]) // height, (height, width, 3))
    field = np.broadcast_to(np.array([40, 140, 60]) - rows * np.array([0, 40, 0]) // height, (height, width, 3))
    landscape = np.where(rows < height * 0.55, sky, field).astype(np.uint8)  # BGR: a blue sky over a green field
    cv2.circle(landscape, (900, 200), 70, (120, 230, 250), -1)
    cv2.imwrite(str(paths["not a fundus"]), landscape)
    # 12000x7970 (the largest figures a camera gives) with the retina's shape kept (a square synthetic
    # photograph stretched to 3:2 would be an ellipse, which the image-quality gate rightly stops):
    # enlarged, then framed in black
    width, height = BIG_SIZE
    scale = min(width / image.shape[1], height / image.shape[0])
    enlarged = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)), interpolation=cv2.INTER_LINEAR)
    big = np.zeros((height, width, 3), np.uint8)
    top, left = (height - enlarged.shape[0]) // 2, (width - enlarged.shape[1]) // 2
    big[top:top + enlarged.shape[0], left:left + enlarged.shape[1]] = enlarged
    cv2.imwrite(str(paths[BIG]), big, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return paths


def camera_photographs(folder: Path, photograph: Path) -> dict[str, Path]:
    """The photograph as cameras and scanners write it (issue #32): a CMYK JPEG (OpenCV decodes
    it one level off on every pixel, browsers and PIL alike), and a JPEG stored sideways with EXIF
    orientation 6 (turn a quarter clockwise), whose upright pixels are the photograph's."""
    from PIL import Image

    with Image.open(photograph) as image:
        rgb = image.convert("RGB")
    paths = {"CMYK JPEG": folder / "cmyk.jpg", "EXIF-rotated JPEG": folder / "rotated.jpg"}
    rgb.convert("CMYK").save(paths["CMYK JPEG"], "JPEG", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6
    rgb.transpose(Image.Transpose.ROTATE_90).save(paths["EXIF-rotated JPEG"], "JPEG", quality=95, exif=exif.tobytes())
    return paths


def unpack(path: Path, width: int, height: int) -> np.ndarray:
    """A mask the page wrote packed 8 pixels a byte (most significant bit first)."""
    return np.unpackbits(np.fromfile(path, np.uint8))[: width * height].reshape(height, width).astype(bool)
