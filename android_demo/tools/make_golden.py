"""Regenerate the golden vectors that the Android library's JVM tests compare against.

    python android_demo/tools/make_golden.py [FOLDER]

FOLDER defaults to ``android_demo/fundus-core/src/test/resources/golden/``. Everything comes from
edgeseg's core Python (no export extra) and from synthetic images only:

- ``metadata.json``: the metadata of a 128 px NHWC TFLite export, built by ``build_metadata`` as
  ``edgeseg export`` builds it (the creation time and version pinned so that reruns are equal);
- ``model.tflite``: placeholder bytes standing in for the flatbuffer, with that metadata appended
  by ``embed_tflite``, exactly as an export appends it;
- ``photograph/``, ``small/``, ``wide/``: one photograph each, in the layout ``export/golden.py``
  writes: ``input.png``, the model input ``input_f32.bin.gz`` (float32 little-endian NHWC, from
  ``Preprocessing.image_to_square`` and ``square_to_input``; gzip keeps the test data small) and
  ``golden.json`` (field-of-view box, square side and padding). ``photograph/`` is
  ``golden_photograph`` and also holds ``output_f32.bin.gz``, a deterministic probability map
  standing in for a model's output, and its ``lesion_summary``. ``small/`` is enlarged to the
  model size (``INTER_LINEAR``), ``photograph/`` and ``wide/`` are shrunk (``INTER_AREA``), and
  ``wide/`` is wider than 512 px, so its field of view is found on an area-resized work copy;
- ``opencv/``: OpenCV's own results for the operations ported to Java (resize at integer,
  fractional and mixed scales, 8-bit Lab both ways, CLAHE) on small images, listed in
  ``cases.json``.

``tests/android/test_golden_fresh.py`` reruns this script and fails when the Python side changed
without the goldens being regenerated.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import cv2
import numpy as np

from edgeseg.data.synthetic import make_fundus
from edgeseg.export.golden import golden_photograph, lesion_summary
from edgeseg.export.metadata import build_metadata, embed_tflite
from edgeseg.export.runtime import output_to_maps, square_to_input
from edgeseg.fileio import encode_image
from edgeseg.train.preprocessing import Preprocessing

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "fundus-core" / "src" / "test" / "resources" / "golden"
SIZE = 128
LAYOUT = "nhwc"
LESIONS = ("MA", "HE", "EX", "SE")
THRESHOLDS = {"MA": 0.3, "HE": 0.45, "EX": 0.6, "SE": 0.2}
# A stand-in for a flatbuffer: the interpreter never sees it, the metadata reader must skip it.
PLACEHOLDER_MODEL = b"\x1c\x00\x00\x00TFL3" + bytes(range(256)) * 3


def metadata() -> dict:
    """The metadata of a 128 px fp32 NHWC TFLite export with CLAHE, as ``edgeseg export`` builds it."""
    card = {
        "model": "golden",
        "lesions": list(LESIONS),
        "preprocessing": {"size": SIZE, "clahe": True, "mean": [0.489437, 0.249502, 0.090705], "std": [0.322544, 0.173538, 0.090523]},
        "metrics": {"thresholds": THRESHOLDS},
        "data": {"credit": "synthetic images (edgeseg.data.synthetic)"},
    }
    data = build_metadata(card, source="android_demo/tools/make_golden.py", target="tflite", precision="fp32", layout=LAYOUT, size=SIZE)
    return {**data, "created": "2026-01-01T00:00:00+00:00", "edgeseg_version": "golden", "file": "model.tflite"}


def photographs() -> dict[str, np.ndarray]:
    """Synthetic photographs whose squares are shrunk and enlarged, found on small and large images."""
    small = np.pad(make_fundus(96, seed=11).image, ((9, 23), (31, 4), (0, 0)))
    wide = cv2.resize(make_fundus(136, seed=12).image, (544, 544), interpolation=cv2.INTER_NEAREST)
    wide = np.pad(wide, ((5, 11), (48, 8), (0, 0)))
    return {"photograph": golden_photograph(160), "small": small, "wide": wide}


def probability_maps(size: int) -> np.ndarray:
    """(L, size, size) float32 maps of cone-shaped blobs: deterministic (only +, -, *, / and max),
    zero away from the blobs (small files), with blobs that touch, overlap or stay below threshold."""
    rng = np.random.default_rng(20261123)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    maps = np.zeros((len(LESIONS), size, size))
    for index in range(len(LESIONS)):
        for _ in range(14):
            cx, cy = rng.uniform(0, size, 2)
            radius = rng.uniform(1.0, 9.0)
            peak = rng.uniform(0.15, 1.0)
            blob = peak * np.maximum(0.0, 1.0 - ((xx - cx) ** 2 + (yy - cy) ** 2) / radius**2)
            maps[index] = np.maximum(maps[index], blob)
    return maps.astype(np.float32)


def write_photograph(folder: Path, image: np.ndarray, preprocessing: Preprocessing, meta: dict, with_output: bool) -> None:
    """One photograph's golden vectors in the layout of ``export/golden.py: write_golden``."""
    folder.mkdir(parents=True, exist_ok=True)
    box, (top, left), side = preprocessing.geometry(image)
    model_input = square_to_input(preprocessing.image_to_square(image), LAYOUT)
    (folder / "input.png").write_bytes(encode_image(image, ".png"))
    (folder / "input_f32.bin.gz").write_bytes(gzip.compress(model_input.astype("<f4").tobytes(), mtime=0))
    golden = {
        "model_file": meta["file"],
        "precision": meta["precision"],
        "layout": LAYOUT,
        "lesions": list(LESIONS),
        "image": {"file": "input.png", "width": int(image.shape[1]), "height": int(image.shape[0])},
        "field_of_view_box": box.as_list(),
        "square": {"side": int(side), "pad_top": int(top), "pad_left": int(left), "size": SIZE, "clahe": preprocessing.clahe},
        "input": {"file": "input_f32.bin.gz", "shape": list(model_input.shape), "dtype": "float32", "byte_order": "little", "compression": "gzip"},
        "thresholds": meta["thresholds"],
    }
    if with_output:
        output = probability_maps(SIZE)[None].transpose(0, 2, 3, 1)
        (folder / "output_f32.bin.gz").write_bytes(gzip.compress(np.ascontiguousarray(output).astype("<f4").tobytes(), mtime=0))
        golden["output"] = {"file": "output_f32.bin.gz", "shape": list(output.shape), "dtype": "float32", "byte_order": "little", "compression": "gzip"}
        golden["lesion_summary"] = lesion_summary(output_to_maps(output, LAYOUT), LESIONS, meta["thresholds"])
    write_json(folder / "golden.json", golden)


def write_opencv_cases(folder: Path) -> None:
    """OpenCV's results for each operation the Java library ports, on small deterministic images."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    image = rng.integers(0, 256, (48, 60, 3), dtype=np.uint8)
    write_png(folder / "resize_input.png", image)
    resizes = []
    # 2x, 3x and 4x integer shrinks, a fractional shrink, an enlargement, and INTER_AREA with one
    # side enlarged (OpenCV then interpolates bilinearly); what resize_image can ask for.
    for width, height, interpolation in [(30, 24, "area"), (20, 16, "area"), (15, 12, "area"), (37, 29, "area"),
                                         (97, 71, "linear"), (80, 30, "area")]:
        flag = cv2.INTER_AREA if interpolation == "area" else cv2.INTER_LINEAR
        name = f"resize_{interpolation}_{width}x{height}.png"
        write_png(folder / name, cv2.resize(image, (width, height), interpolation=flag))
        resizes.append({"input": "resize_input.png", "width": width, "height": height, "interpolation": interpolation, "expected": name})

    levels = np.arange(16, dtype=np.uint8) * 17
    chart = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(64, 64, 3)
    write_png(folder / "lab_chart.png", chart)
    write_png(folder / "lab_rgb2lab.png", cv2.cvtColor(chart, cv2.COLOR_RGB2LAB))
    write_png(folder / "lab_lab2rgb.png", cv2.cvtColor(chart, cv2.COLOR_LAB2RGB))

    yy, xx = np.mgrid[0:75, 0:100]
    plane = ((xx * 3 + yy * 2) % 200 + rng.integers(0, 40, (75, 100))).astype(np.uint8)
    write_png(folder / "clahe_input.png", np.repeat(plane[..., None], 3, axis=2))
    clahes = []
    for clip_limit, tiles in [(2.0, 8), (4.0, 3)]:
        name = f"clahe_{clip_limit}_{tiles}.png"
        equalised = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles)).apply(plane)
        write_png(folder / name, np.repeat(equalised[..., None], 3, axis=2))
        clahes.append({"input": "clahe_input.png", "clip_limit": clip_limit, "tiles": tiles, "expected": name})

    write_json(folder / "cases.json", {
        "resize": resizes,
        "lab": {"input": "lab_chart.png", "rgb_to_lab": "lab_rgb2lab.png", "lab_to_rgb": "lab_lab2rgb.png"},
        "clahe": clahes,
    })


def write_png(path: Path, rgb: np.ndarray) -> None:
    path.write_bytes(encode_image(rgb, ".png"))


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2) + "\n")


def main(folder: Path = DEFAULT_FOLDER) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = metadata()
    write_json(folder / "metadata.json", meta)
    (folder / "model.tflite").write_bytes(PLACEHOLDER_MODEL)
    embed_tflite(folder / "model.tflite", meta)
    preprocessing = Preprocessing.from_dict(meta["preprocessing"] | {"clahe": meta["preprocessing"]["clahe"]["enabled"]})
    for name, image in photographs().items():
        write_photograph(folder / name, image, preprocessing, meta, with_output=name == "photograph")
    write_opencv_cases(folder / "opencv")
    return folder


if __name__ == "__main__":
    print(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER))
