"""`edgeseg screen` in this process (issue #34): one row per photograph, the same summaries and
verdict as `edgeseg predict`, a row with its error for each bad file, manifests with carried
columns, and a second run that screens only what the table lacks."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.csv
import pyarrow.parquet as pq
import pytest

from edgeseg.cli import main


def read(folder):
    return pq.read_table(folder).to_pylist()


def test_the_table_has_predicts_summaries_and_an_error_row_per_bad_file(small_programme, tmp_path, capsys):
    folder, photographs, bad = small_programme
    out = tmp_path / "table"
    assert main(["screen", str(folder), "--out", str(out), "--batch", "5"]) == 0
    printed = capsys.readouterr().out
    rows = {row["path"]: row for row in read(out)}
    assert len(rows) == len(photographs) + len(bad) and len(list(out.glob("part-*.parquet"))) == 2  # 10 rows in parts of 5
    assert f"Screened {len(photographs) + len(bad)} photographs" in printed and f"{len(bad)} error" in printed
    for name, path in bad.items():
        row = rows[str(path)]
        assert row["error"] and row["error"].startswith(str(path)), (name, row["error"])
        assert row["dr_grade"] is None and row["gradable"] is None
    predicted = tmp_path / "predict"
    assert main(["predict", *map(str, photographs), "--out", str(predicted), "--no-maps"]) == 0
    for path in photographs:
        row, summary = rows[str(path)], json.loads((predicted / f"{path.stem}.json").read_text())
        assert row["error"] is None and row["gradable"] == summary["gradable"] and len(row["sha256"]) == 64
        for lesion, entry in summary.get("lesions", {}).items():
            assert row[f"{lesion}_components"] == entry["components"] and row[f"{lesion}_area_share"] == entry["area_share_of_fov"]
        if "verdict" in summary:
            assert (row["dr_grade"], row["dme_risk"], row["refer"]) == (summary["dr_grade"], summary["dme_risk"], summary["verdict"]["refer"])
            assert row["referable_prob"] == pytest.approx(summary["referable_prob"], abs=1e-12)
            assert row["findings"] == "; ".join(summary["findings"]["words"])


def test_a_second_run_screens_only_what_the_table_lacks(small_programme, tmp_path, capsys):
    folder, photographs, _ = small_programme
    out = tmp_path / "table"
    assert main(["screen", str(photographs[0].parent / "photo_000[0-3].jpg"), "--out", str(out)]) == 0
    first = read(out)
    assert len(first) == 4  # photo_0000 .. photo_0003
    capsys.readouterr()
    assert main(["screen", str(folder), "--out", str(out)]) == 0
    assert "4 already in" in capsys.readouterr().out
    rows = read(out)
    paths = [row["path"] for row in rows]
    assert len(paths) == len(set(paths)) == len(list(folder.iterdir())), "a photograph got two rows or none"
    assert not list(out.glob(".*.tmp")), "a part was left half-written"
    capsys.readouterr()
    assert main(["screen", str(folder), "--out", str(out)]) == 0  # bad files included: nothing is screened twice
    assert f"{len(paths)} already in" in capsys.readouterr().out and len(read(out)) == len(paths)


def test_maps_and_overlays_are_written_on_request(small_programme, tmp_path):
    folder, photographs, _ = small_programme
    maps = tmp_path / "maps"
    assert main(["screen", str(photographs[0]), "--out", str(tmp_path / "table"), "--maps", str(maps)]) == 0
    stem = photographs[0].stem
    assert (maps / f"{stem}_overlay.jpg").is_file() and (maps / f"{stem}_MA.png").is_file()
    summary = json.loads((maps / f"{stem}.json").read_text())
    assert read(tmp_path / "table")[0]["MA_components"] == summary["lesions"]["MA"]["components"]


def test_a_manifest_carries_its_columns(small_programme, tmp_path):
    folder, photographs, _ = small_programme
    manifest = tmp_path / "manifest.csv"
    pyarrow.csv.write_csv(pa.table({"path": [str(p) for p in photographs[:3]], "patient": ["p1", "p1", "p2"], "eye": ["left", "right", "left"]}),
                          manifest)
    out = tmp_path / "table"
    assert main(["screen", str(manifest), "--out", str(out)]) == 0
    rows = sorted(read(out), key=lambda row: row["path"])
    assert [(row["patient"], row["eye"]) for row in rows] == [("p1", "left"), ("p1", "right"), ("p2", "left")]


@pytest.mark.parametrize("source, message", [("nowhere", "no such folder, manifest or file"), ("manifest_without_path.csv", "no 'path' column")])
def test_bad_sources_are_named(tmp_path, capsys, source, message):
    (tmp_path / "manifest_without_path.csv").write_text("file,eye\na.jpg,left\n")
    assert main(["screen", str(tmp_path / source), "--out", str(tmp_path / "table")]) == 1
    assert message in capsys.readouterr().err
