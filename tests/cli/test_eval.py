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
    error = capsys.readouterr().err
    assert f"{bad}: map is 64x64 but its image is 128x128, and no synth_007.json" in error and error.count("\n") == 1


def test_unknown_lesion_is_rejected(synthetic_root, tmp_path, capsys):
    (tmp_path / "pred").mkdir()
    assert main(["eval", str(tmp_path / "pred"), "--data", str(synthetic_root), "--lesions", "MA,XX"]) == 1
    assert "unknown lesion XX" in capsys.readouterr().err


# --- edgeseg eval --grading ------------------------------------------------------------------
from edgeseg.outputs import referable


@pytest.fixture()
def prepared_grading(fake_idrid, tmp_path):
    """The miniature IDRiD prepared with --grading: 2 grading-test photographs, IDRiD_001 and
    IDRiD_002, both copies of grading-training ones (the fake reuses their seeds), so leaky."""
    out = tmp_path / "prepared"
    assert main(["data", "prepare", "--idrid", str(fake_idrid), "--out", str(out), "--longest-side", "96", "--workers", "1", "--grading"]) == 0
    return out


def _verdicts(folder, verdicts):
    folder.mkdir(parents=True, exist_ok=True)
    for stem, (dr, dme, probability) in verdicts.items():
        (folder / f"{stem}.json").write_text(json.dumps({"dr_grade": dr, "dme_risk": dme, "referable_prob": probability}))
    return folder


def _row(output, name):
    return next(line.split() for line in output.splitlines() if line.startswith(name))


def test_grading_eval_scores_all_and_leak_free(synthetic_graded, tmp_path, capsys):
    root, grades = synthetic_graded
    stems = sorted(grades)
    wrong = stems[0]
    verdicts = {stem: (grades[stem][0], grades[stem][1], 0.9 if referable([grades[stem][0]], [grades[stem][1]])[0] else 0.1)
                for stem in stems}
    verdicts[wrong] = ((grades[wrong][0] + 1) % 5, grades[wrong][1], verdicts[wrong][2])
    folder = _verdicts(tmp_path / "verdicts", verdicts)
    assert main(["eval", "--grading", str(folder), "--data", str(root), "--json", str(tmp_path / "s.json"),
                 "--plot", str(tmp_path / "cm.png")]) == 0
    output = capsys.readouterr().out
    row = _row(output, "all")
    assert int(row[1]) == len(stems) and float(row[2]) == pytest.approx(1 - 1 / len(stems), abs=1e-3)
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["all"]["dme_accuracy"] == 1.0 and scores["leaky"] == {}  # no manifest: nothing leaky
    assert scores["all"]["confusion"]["dr"][grades[wrong][0]][(grades[wrong][0] + 1) % 5] == 1
    assert (tmp_path / "cm.png").stat().st_size > 1000


@pytest.fixture()
def synthetic_graded(tmp_path):
    from edgeseg.data.folder import read_grades
    from edgeseg.data.synthetic import write_synthetic_dataset

    root = write_synthetic_dataset(tmp_path / "graded", 2, 2, 64, seed=3, n_grading=6)
    return root, read_grades(root / "grading" / "test")


def test_grading_eval_leaves_the_leaky_photographs_out(prepared_grading, tmp_path, capsys):
    folder = _verdicts(tmp_path / "verdicts", {"IDRiD_001": (1, 1, 0.2), "IDRiD_002": (0, 0, 0.3)})
    assert main(["eval", "--grading", str(folder), "--data", str(prepared_grading), "--json", str(tmp_path / "s.json")]) == 0
    output = capsys.readouterr().out
    assert "leaky (a copy in training data): IDRiD_001, IDRiD_002" in output
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["all"]["images"] == 2 and scores["all"]["dr_accuracy"] == 0.5 and scores["leak_free"] == {"images": 0}


def test_grading_eval_reads_one_json_file(synthetic_graded, tmp_path, capsys):
    root, grades = synthetic_graded
    mapping = {stem: {"dr_grade": dr, "dme_risk": dme, "referable_prob": None} for stem, (dr, dme) in grades.items()}
    (tmp_path / "mapping.json").write_text(json.dumps(mapping))
    listing = [{"image": f"/photos/{stem}.jpg", **verdict} for stem, verdict in mapping.items()]
    (tmp_path / "list.json").write_text(json.dumps(listing))
    for name in ("mapping.json", "list.json"):
        assert main(["eval", "--grading", str(tmp_path / name), "--data", str(root)]) == 0
        output = capsys.readouterr().out
        assert "no referable_prob: the ROC figures are left out" in output
        assert _row(output, "all")[2:5] == ["1.000", "1.000", "1.000"]


def test_grading_eval_names_a_missing_or_bad_verdict(synthetic_graded, tmp_path, capsys):
    root, grades = synthetic_graded
    stems = sorted(grades)
    folder = _verdicts(tmp_path / "verdicts", {stem: (0, 0, 0.5) for stem in stems[1:]})
    assert main(["eval", "--grading", str(folder), "--data", str(root)]) == 1
    error = capsys.readouterr().err
    assert f"no verdict for {stems[0]}" in error and error.count("\n") == 1
    (folder / f"{stems[0]}.json").write_text(json.dumps({"lesions": {}}))
    assert main(["eval", "--grading", str(folder), "--data", str(root)]) == 1
    assert "no grading verdict (expected the keys dr_grade, dme_risk, referable_prob)" in capsys.readouterr().err
    (folder / f"{stems[0]}.json").write_text(json.dumps({"dr_grade": 7, "dme_risk": 0, "referable_prob": 0.5}))
    assert main(["eval", "--grading", str(folder), "--data", str(root)]) == 1
    assert "dr_grade must be an integer 0-4" in capsys.readouterr().err


def test_eval_needs_maps_or_verdicts_not_both(synthetic_root, tmp_path, capsys):
    assert main(["eval", "--data", str(synthetic_root)]) == 2
    assert main(["eval", str(tmp_path), "--grading", str(tmp_path), "--data", str(synthetic_root)]) == 2
    assert "give either PRED_DIR" in capsys.readouterr().err


def test_grading_eval_leaves_out_and_names_the_photographs_the_quality_gate_stopped(synthetic_graded, tmp_path, capsys):
    root, grades = synthetic_graded
    stems = sorted(grades)
    folder = _verdicts(tmp_path / "verdicts", {stem: (grades[stem][0], grades[stem][1], 0.5) for stem in stems})
    stopped = stems[0]
    (folder / f"{stopped}.json").write_text(json.dumps({"image": f"{stopped}.png", "gradable": False, "retake": ["blurred"]}))
    assert main(["eval", "--grading", str(folder), "--data", str(root), "--json", str(tmp_path / "s.json")]) == 0
    assert "1 photograph(s) ungradable by predict's image-quality gate" in capsys.readouterr().out
    scores = json.loads((tmp_path / "s.json").read_text())
    assert scores["ungradable"] == [stopped] and scores["all"]["images"] == len(stems) - 1


def test_grading_eval_scores_the_referral_advice_predict_gives(tmp_path, capsys):
    """With `refer` in every verdict (predict writes it), the advice's sensitivity and
    specificity are scored: one referable photograph missed, one other referred."""
    grades = {"p1": (0, 0), "p2": (1, 1), "p3": (1, 0), "p4": (2, 0), "p5": (4, 1), "p6": (0, 2)}  # p4-p6 referable
    (tmp_path / "grades.csv").write_text("image,dr,dme\n" + "".join(f"{s},{dr},{dme}\n" for s, (dr, dme) in grades.items()))
    refer = {"p1": True, "p2": False, "p3": False, "p4": False, "p5": True, "p6": True}
    folder = tmp_path / "verdicts"
    folder.mkdir()
    for stem, (dr, dme) in grades.items():
        (folder / f"{stem}.json").write_text(json.dumps({"dr_grade": dr, "dme_risk": dme, "referable_prob": 0.5, "refer": refer[stem]}))
    assert main(["eval", "--grading", str(folder), "--data", str(tmp_path / "grades.csv"), "--json", str(tmp_path / "s.json")]) == 0
    scores = json.loads((tmp_path / "s.json").read_text())["all"]
    assert scores["referral_sensitivity"] == pytest.approx(2 / 3) and scores["referral_specificity"] == pytest.approx(2 / 3)
    assert scores["confusion"]["referral"] == [[2, 1], [1, 2]]
    assert "advice sens" in capsys.readouterr().out
    (folder / "p1.json").write_text(json.dumps({"dr_grade": 0, "dme_risk": 0, "referable_prob": 0.5, "refer": "yes"}))
    assert main(["eval", "--grading", str(folder), "--data", str(tmp_path / "grades.csv")]) == 1
    assert "refer must be true, false or null" in capsys.readouterr().err
