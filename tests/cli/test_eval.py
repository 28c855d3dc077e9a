"""`edgeseg eval` on saved probability maps."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from edgeseg.cli import main
from edgeseg.data.folder import read_folder
from edgeseg.lesions import LESIONS


def _write_maps(root, out, make):
    for sample in read_folder(root, "test"):
        height, width = cv2.imread(str(sample.image)).shape[:2]
        truth = sample.load_masks((height, width))
        for index, lesion in enumerate(LESIONS):
            make(out, sample.stem, lesion, truth[index])


def _png(out, stem, lesion, truth):
    out.mkdir(exist_ok=True)
    cv2.imwrite(str(out / f"{stem}_{lesion}.png"), truth.astype(np.uint8) * 255)


def _constant_npy(out, stem, lesion, truth):
    (out / lesion).mkdir(parents=True, exist_ok=True)
    np.save(out / lesion / f"{stem}_{lesion}.npy", np.full(truth.shape, 0.42, np.float32))


def _table(output):
    rows = {}
    for line in output.splitlines():
        parts = line.split()
        if parts and parts[0] in LESIONS:
            rows[parts[0]] = parts
    return rows


def test_ground_truth_maps_score_one(synthetic_root, tmp_path, capsys):
    _write_maps(synthetic_root, tmp_path / "pred", _png)
    assert main(["eval", str(tmp_path / "pred"), "--data", str(synthetic_root), "--region"]) == 0
    rows = _table(capsys.readouterr().out)
    for lesion in LESIONS:
        assert rows[lesion][4] == "1.0000", rows[lesion]


def test_constant_maps_score_the_prevalence(synthetic_root, tmp_path, capsys):
    _write_maps(synthetic_root, tmp_path / "pred", _constant_npy)
    report = tmp_path / "scores.json"
    assert main(["eval", str(tmp_path / "pred"), "--data", str(synthetic_root), "--json", str(report)]) == 0
    rows = _table(capsys.readouterr().out)
    scores = {entry["lesion"]: entry for entry in json.loads(report.read_text())["lesions"]}
    for lesion in LESIONS:
        assert rows[lesion][3] == rows[lesion][4]  # printed AUPR equals printed prevalence
        assert scores[lesion]["aupr_ap"] == pytest.approx(scores[lesion]["prevalence"])


def test_missing_prediction_exits_1(synthetic_root, tmp_path, capsys):
    (tmp_path / "pred").mkdir()
    assert main(["eval", str(tmp_path / "pred"), "--data", str(synthetic_root)]) == 1
    assert "no prediction for synth_006 MA" in capsys.readouterr().err


def test_wrong_size_map_names_the_file(synthetic_root, tmp_path, capsys):
    pred = tmp_path / "pred"
    _write_maps(synthetic_root, pred, _png)
    bad = pred / "synth_007_HE.png"
    cv2.imwrite(str(bad), np.zeros((64, 64), np.uint8))
    assert main(["eval", str(pred), "--data", str(synthetic_root)]) == 1
    assert f"{bad}: map is 64x64 but its image synth_007.png is 128x128" in capsys.readouterr().err


def test_unknown_lesion_is_rejected(synthetic_root, tmp_path, capsys):
    (tmp_path / "pred").mkdir()
    assert main(["eval", str(tmp_path / "pred"), "--data", str(synthetic_root), "--lesions", "MA,XX"]) == 1
    assert "unknown lesion XX" in capsys.readouterr().err
