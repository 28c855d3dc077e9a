from __future__ import annotations

from edgeseg.cli import main
from edgeseg.train import list_recipes


def test_list_recipes_prints_every_recipe(capsys):
    assert main(["train", "--list-recipes"]) == 0
    out = capsys.readouterr().out
    for recipe in list_recipes():
        assert recipe.name in out


def test_recipe_and_data_are_required(capsys):
    assert main(["train", "--recipe", "u2xs-mt"]) == 1
    assert "--recipe and --data are required" in capsys.readouterr().err


def test_unknown_recipe_suggests_the_closest(synthetic_root, tmp_path, capsys):
    assert main(["train", "--recipe", "u2xs-mtt", "--data", str(synthetic_root), "--out", str(tmp_path / "r")]) == 1
    assert "Did you mean 'u2xs-mt'" in capsys.readouterr().err


def test_resume_without_a_checkpoint_is_a_clear_error(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path)]) == 1
    assert "no resume.safetensors to resume from" in capsys.readouterr().err


def test_train_reports_seconds_per_epoch(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "u2xs-st", "--lesion", "HE", "--data", str(synthetic_root), "--out", str(tmp_path / "r"),
                 "--epochs", "1", "--size", "64", "--batch-size", "2", "--max-iterations", "1", "--device", "cpu"])
    assert code == 0
    out = capsys.readouterr().out
    assert "s per epoch" in out and "best.safetensors" in out
    from edgeseg.checkpoint import read_card

    assert read_card(tmp_path / "r")["lesions"] == ["HE"]
