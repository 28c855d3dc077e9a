"""Build a miniature official-IDRiD folder from synthetic images, with the release's traps:
palette TIFF masks with indices 0/1, one RGBA mask with the lesion in red and alpha 255,
missing masks (all-negative), and grading CSVs with trailing empty columns and a header with a
trailing space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from edgeseg.data.idrid import GRADING_CSV, GRADING_DIR, LESION_DIRS, OVERLAP_CSV, SEGMENTATION_DIR, SPLIT_DIRS
from edgeseg.data.synthetic import make_fundus
from edgeseg.lesions import ALL_LESIONS

SIZE = (208, 320)  # (H, W): the 2848x4288 aspect ratio, much smaller
TRAIN, TEST = ["IDRiD_01", "IDRiD_02", "IDRiD_03"], ["IDRiD_55", "IDRiD_56"]


def _palette_tif(mask: np.ndarray, path: Path) -> None:
    image = Image.fromarray(mask.astype(np.uint8)).convert("P")
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.save(path, compression="tiff_lzw")


def _rgba_tif(mask: np.ndarray, path: Path) -> None:
    rgba = np.zeros((*mask.shape, 4), np.uint8)
    rgba[..., 0] = np.where(mask, 255, 0)
    rgba[..., 3] = 255
    Image.fromarray(rgba).save(path, compression="tiff_lzw")


def build_fake_idrid(root: Path) -> Path:
    seg_images = root / SEGMENTATION_DIR / "1. Original Images"
    seg_truth = root / SEGMENTATION_DIR / "2. All Segmentation Groundtruths"
    for split, stems in (("train", TRAIN), ("test", TEST)):
        (seg_images / SPLIT_DIRS[split]).mkdir(parents=True)
        for index, stem in enumerate(stems):
            fundus = make_fundus(SIZE, seed=100 + index + 10 * (split == "test"), lesion_counts={"MA": 6, "HE": 2, "EX": 3, "SE": 1})
            Image.fromarray(fundus.image).save(seg_images / SPLIT_DIRS[split] / f"{stem}.jpg", quality=95)
            for lesion_index, lesion in enumerate(ALL_LESIONS):
                if lesion == "SE" and index == 0:
                    continue  # no SE annotation: all-negative
                folder = seg_truth / SPLIT_DIRS[split] / LESION_DIRS[lesion]
                folder.mkdir(parents=True, exist_ok=True)
                writer = _rgba_tif if (split == "test" and lesion == "EX" and index == 1) else _palette_tif
                writer(fundus.masks[lesion_index], folder / f"{stem}_{lesion}.tif")
    grading_images = root / GRADING_DIR / "1. Original Images"
    labels = root / GRADING_DIR / "2. Groundtruths"
    labels.mkdir(parents=True)
    for split, count in (("train", 4), ("test", 2)):
        (grading_images / SPLIT_DIRS[split]).mkdir(parents=True)
        lines = ["Image name,Retinopathy grade,Risk of macular edema ,,,"]
        for number in range(1, count + 1):
            stem = f"IDRiD_{number:03d}"
            fundus = make_fundus((104, 160), seed=500 + number)
            Image.fromarray(fundus.image).save(grading_images / SPLIT_DIRS[split] / f"{stem}.jpg", quality=90)
            lines.append(f"{stem},{number % 5},{number % 3},,,")
        (labels / GRADING_CSV[split]).write_text("\n".join(lines) + "\n,,,,,\n")
    (root / OVERLAP_CSV).write_text(
        "seg_image,seg_split,nearest_grading_image,corr,second_best_corr,dr_grade,dme_risk\n"
        "IDRiD_55,test,train/IDRiD_002,0.9999,0.98,2,1\n"
        "IDRiD_56,test,train/IDRiD_003,0.9700,0.96,1,0\n"
    )
    return root


# Copies between the parts, planted for `data prepare --grading` (tests/data/test_grading.py): the
# fake's grading-test photographs reuse the training ones' seeds; only test IDRiD_001 stays a copy
# (of train IDRiD_001), test IDRiD_002 becomes a new photograph.
PLANTED_OVERLAP = (
    "seg_image,seg_split,nearest_grading_image,corr,second_best_corr,dr_grade,dme_risk\n"
    "IDRiD_01,train,train/IDRiD_003,0.9999,0.98,3,0\n"  # graded with train IDRiD_003's labels
    "IDRiD_02,train,test/IDRiD_002,0.9998,0.98,2,2\n"  # a grading-test photograph: withheld, leaky
    "IDRiD_03,train,train/IDRiD_004,0.9500,0.94,4,1\n"  # not a copy
    "IDRiD_55,test,train/IDRiD_002,0.9999,0.98,2,2\n"  # a segmentation-test photograph in grading training
    "IDRiD_56,test,train/IDRiD_003,0.9700,0.96,1,0\n"
)


def plant_grading_copies(root: Path) -> Path:
    """Make the fake IDRiD at ``root`` hold the copies :data:`PLANTED_OVERLAP` describes."""
    test_image = root / GRADING_DIR / "1. Original Images" / SPLIT_DIRS["test"] / "IDRiD_002.jpg"
    Image.fromarray(make_fundus((104, 160), seed=900).image).save(test_image, quality=90)
    (root / OVERLAP_CSV).write_text(PLANTED_OVERLAP)
    return root
