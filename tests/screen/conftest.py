"""Synthetic photographs for `edgeseg screen`, and bad files beside them."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from edgeseg.data.synthetic import make_fundus


def write_photographs(folder: Path, count: int) -> list[Path]:
    """``count`` small synthetic fundus photographs as JPEG (seeded: the same files every time)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(count):
        path = folder / f"photo_{seed:04d}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(make_fundus(160, seed=seed).image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(path)
    return paths


def write_bad_files(folder: Path, good: Path) -> dict[str, Path]:
    """An empty file, a truncated JPEG, a text file named .jpg and a grey picture."""
    bad = {"empty": folder / "bad_empty.jpg", "truncated": folder / "bad_truncated.jpg", "text": folder / "bad_text.jpg",
           "grey": folder / "bad_grey.png"}
    bad["empty"].write_bytes(b"")
    bad["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    bad["text"].write_text("not a photograph")
    cv2.imwrite(str(bad["grey"]), cv2.cvtColor(cv2.imread(str(good)), cv2.COLOR_BGR2GRAY))
    return bad


@pytest.fixture(scope="module")
def small_programme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], dict[str, Path]]:
    folder = tmp_path_factory.mktemp("programme")
    photographs = write_photographs(folder, 6)
    return folder, photographs, write_bad_files(folder, photographs[0])
