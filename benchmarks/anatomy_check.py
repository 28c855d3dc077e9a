"""How well the optic-disc locator and the fovea estimate of `edgeseg.screening.anatomy` do on
IDRiD's 81 segmentation photographs, whose optic discs are annotated (their foveae are not: the
fovea is judged by eye on a contact sheet, and by its distance from the field of view's centre,
since IDRiD's photographs are centred on the macula).

Per photograph, through the embedded default's preprocessing (the model's square after CLAHE and
its field of view, as `edgeseg predict` locates them): whether the located disc centre lies on the
annotated disc, its distance from the annotated disc's centre in disc diameters, the annotated
disc's diameter (of a circle of its area) over the field of view's width (the constant
``DISC_DIAMETER_SHARE`` is its mean on the 54 training photographs), and the fovea's distance from
the field of view's centre. Writes ``--out/anatomy.json`` and ``--out/anatomy.png`` (the disc
circle, the fovea and the 1-DD circle on the 27 test photographs).

    python benchmarks/anatomy_check.py --idrid ../shared/data/IDRiD --out benchmarks/results-findings
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from edgeseg.embedded import default_model_path
from edgeseg.fileio import atomic_write_bytes, atomic_write_json, read_image
from edgeseg.inference.model_info import read_info
from edgeseg.predict.verdict import square_field
from edgeseg.screening.anatomy import field_width, locate_anatomy

SEGMENTATION = "A. Segmentation"
SPLITS = {"train": "a. Training Set", "test": "b. Testing Set"}


def read_disc(path: Path) -> np.ndarray:
    mask = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return (mask.max(axis=2) if mask.ndim == 3 else mask) > 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idrid", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    preprocessing = read_info(default_model_path()).preprocessing
    rows, tiles = [], []
    for split, folder in SPLITS.items():
        for image_path in sorted((args.idrid / SEGMENTATION / "1. Original Images" / folder).glob("*.jpg")):
            image = read_image(image_path)
            prepared = preprocessing.prepare(image)
            field = square_field(prepared.field_of_view, preprocessing, prepared.geometry)
            anatomy = locate_anatomy(prepared.square, field)
            disc_path = args.idrid / SEGMENTATION / "2. All Segmentation Groundtruths" / folder / "5. Optic Disc" / f"{image_path.stem}_OD.tif"
            disc = preprocessing.masks_to_square(read_disc(disc_path)[None].astype(np.uint8), prepared.geometry)[0] > 0
            ys, xs = np.nonzero(disc)
            true_diameter = 2 * np.sqrt(disc.sum() / np.pi)
            columns = np.flatnonzero(field.any(axis=0))
            rows_ = np.flatnonzero(field.any(axis=1))
            centre = ((columns[0] + columns[-1]) / 2, (rows_[0] + rows_[-1]) / 2)
            rows.append({
                "stem": image_path.stem, "split": split,
                "disc_hit": bool(disc[int(anatomy.disc_y), int(anatomy.disc_x)]),
                "disc_error_dd": float(np.hypot(anatomy.disc_x - xs.mean(), anatomy.disc_y - ys.mean()) / true_diameter),
                "disc_share_of_field": float(true_diameter / field_width(field)),
                "fovea_from_field_centre_dd": float(np.hypot(anatomy.fovea_x - centre[0], anatomy.fovea_y - centre[1]) / anatomy.disc_diameter),
            })
            if split == "test":
                tile = cv2.cvtColor(prepared.square, cv2.COLOR_RGB2BGR)
                disc_centre, fovea = (int(anatomy.disc_x), int(anatomy.disc_y)), (int(anatomy.fovea_x), int(anatomy.fovea_y))
                cv2.circle(tile, disc_centre, int(anatomy.disc_diameter / 2), (255, 255, 255), 2)
                cv2.circle(tile, fovea, int(anatomy.disc_diameter), (160, 255, 255), 2)
                cv2.drawMarker(tile, fovea, (160, 255, 255), cv2.MARKER_CROSS, 24, 2)
                cv2.putText(tile, image_path.stem, (12, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (255, 255, 255), 2)
                tiles.append(cv2.resize(tile, (256, 256), interpolation=cv2.INTER_AREA))
            print(f"{image_path.stem}: disc {'on' if rows[-1]['disc_hit'] else 'OFF'} the annotation "
                  f"({rows[-1]['disc_error_dd']:.2f} DD), fovea {rows[-1]['fovea_from_field_centre_dd']:.2f} DD from the centre", flush=True)
    summary = {}
    for split in SPLITS:
        part = [row for row in rows if row["split"] == split]
        shares = np.array([row["disc_share_of_field"] for row in part])
        fovea = np.array([row["fovea_from_field_centre_dd"] for row in part])
        summary[split] = {"photographs": len(part), "disc_hits": sum(row["disc_hit"] for row in part),
                          "disc_misses": [row["stem"] for row in part if not row["disc_hit"]],
                          "median_disc_error_dd": float(np.median([row["disc_error_dd"] for row in part])),
                          "disc_share_mean": float(shares.mean()), "disc_share_sd": float(shares.std()),
                          "fovea_from_centre_dd_median": float(np.median(fovea)), "fovea_from_centre_dd_max": float(fovea.max())}
        print(split, summary[split])
    atomic_write_json(args.out / "anatomy.json", {"summary": summary, "photographs": rows})
    blank = np.zeros_like(tiles[0])
    grid = [np.hstack(tiles[i : i + 7] + [blank] * (7 - len(tiles[i : i + 7]))) for i in range(0, len(tiles), 7)]
    atomic_write_bytes(args.out / "anatomy.png", cv2.imencode(".png", np.vstack(grid))[1].tobytes())


if __name__ == "__main__":
    main()
