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
    assert "images (of 1)" in out  # the one validation image of 6 (default --val-fraction 0.15) holds HE
    assert "Note: HE is in only 1 of the 1 validation images" in out
    from edgeseg.checkpoint import read_card

    assert read_card(tmp_path / "r")["lesions"] == ["HE"]


def test_a_fold_run_points_to_the_mean_of_the_folds(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "u2xs-st", "--lesion", "HE", "--data", str(synthetic_root), "--out", str(tmp_path / "r"),
                 "--epochs", "1", "--size", "64", "--batch-size", "2", "--max-iterations", "1", "--device", "cpu",
                 "--val-fold", "1/2", "--precise-bn-images", "0"])
    assert code == 0
    out = capsys.readouterr().out
    assert "images (of 3)" in out
    assert "select on the mean of all 2 folds' runs: python benchmarks/fold_curves.py" in out
    assert "--val-fold K/N runs, give it more" not in out


def test_model_options_and_precise_bn_images_reach_the_run(synthetic_root, tmp_path):
    import json

    from edgeseg.checkpoint import read_card

    code = main(["train", "--recipe", "localnet", "--lesion", "MA", "--model-option", "base_channels=4",
                 "--model-option", "max_channels=16", "--precise-bn-images", "3", "--data", str(synthetic_root),
                 "--out", str(tmp_path / "r"), "--epochs", "1", "--size", "64", "--crop", "32", "--batch-size", "2",
                 "--max-iterations", "1", "--device", "cpu"])
    assert code == 0
    card = read_card(tmp_path / "r")
    assert card["model"] == "localnet"
    assert card["model_options"] == {"lesion": "MA", "base_channels": 4, "max_channels": 16}
    assert json.loads((tmp_path / "r" / "config.json").read_text())["precise_bn_images"] == 3


def test_malformed_model_option_is_a_clear_error(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "localnet", "--model-option", "base_channels", "--data", str(synthetic_root),
                 "--out", str(tmp_path / "r")])
    assert code == 1
    assert "--model-option 'base_channels': expected KEY=VALUE" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_unknown_model_option_names_the_model(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "localnet", "--model-option", "widht=4", "--data", str(synthetic_root),
                 "--out", str(tmp_path / "r"), "--epochs", "1", "--size", "64", "--device", "cpu"])
    assert code == 1
    assert "model 'localnet'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()  # regression: a config.json left here made the corrected command refuse the folder
    code = main(["train", "--recipe", "localnet", "--model-option", "base_channels=4", "--data", str(synthetic_root),
                 "--out", str(tmp_path / "r"), "--epochs", "1", "--size", "64", "--crop", "32", "--batch-size", "2",
                 "--max-iterations", "1", "--device", "cpu"])
    assert code == 0


def test_a_run_stopped_before_its_first_checkpoint_starts_again(synthetic_root, tmp_path, capsys):
    # regression: --resume refused (no resume.safetensors) and a new start refused (config.json present)
    run = tmp_path / "r"
    run.mkdir()
    (run / "config.json").write_text("{}")
    arguments = ["train", "--recipe", "u2xs-st", "--data", str(synthetic_root), "--out", str(run), "--epochs", "1",
                 "--size", "64", "--batch-size", "2", "--max-iterations", "1", "--device", "cpu"]
    assert main(["train", "--resume", str(run)]) == 1
    assert "start it again without --resume" in capsys.readouterr().err
    assert main(arguments) == 0
    assert main(arguments) == 1  # now it holds weights: never overwritten
    assert "already holds a run" in capsys.readouterr().err


def test_val_fold_chooses_the_validation_images(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "u2xs-st", "--lesion", "HE", "--data", str(synthetic_root), "--out", str(tmp_path / "r"),
                 "--epochs", "1", "--size", "64", "--batch-size", "2", "--max-iterations", "1", "--device", "cpu",
                 "--val-fold", "1/2"])
    assert code == 0
    assert "images (of 3)" in capsys.readouterr().out  # half of the 6 training images, not 15 %
    from edgeseg.checkpoint import read_card

    assert read_card(tmp_path / "r")["training"]["val_fold"] == "1/2"


def test_malformed_val_fold_is_a_clear_error(synthetic_root, tmp_path, capsys):
    import pytest

    with pytest.raises(SystemExit):
        main(["train", "--recipe", "u2xs-mt", "--data", str(synthetic_root), "--val-fold", "6/5"])
    assert "K between 1 and N" in capsys.readouterr().err


def test_more_folds_than_images_is_a_clear_error(synthetic_root, tmp_path, capsys):
    code = main(["train", "--recipe", "u2xs-st", "--data", str(synthetic_root), "--out", str(tmp_path / "r"),
                 "--epochs", "1", "--size", "64", "--device", "cpu", "--val-fold", "1/7"])
    assert code == 1
    assert "7 folds need at least 7 training images, not 6" in capsys.readouterr().err


def test_crop_sampling_choices_are_the_recipes():
    from edgeseg.cli import build_parser
    from edgeseg.train.recipes import CROP_SAMPLINGS

    train_parser = build_parser()._subparsers._group_actions[0].choices["train"]
    action = next(action for action in train_parser._actions if "--crop-sampling" in action.option_strings)
    assert tuple(action.choices) == CROP_SAMPLINGS


def test_every_declared_option_is_on_the_command_with_the_declared_default_and_choices():
    """The train options are declared once (TrainOptions fields made with ``option``): the command
    has a flag for each, passing nothing gives the declared defaults, and choices come along."""
    import argparse
    import dataclasses

    from edgeseg.cli.train import add_training_arguments, training_options
    from edgeseg.options import option_fields
    from edgeseg.train import TrainOptions

    parser = argparse.ArgumentParser()
    add_training_arguments(parser)
    flags = {action.dest: action for action in parser._actions}
    declared = {field.name: field for field, _ in option_fields(TrainOptions)}
    assert len(declared) >= 20 and set(declared) <= set(flags)
    options = training_options(parser.parse_args(["--data", "d"]), "u2xs-mt")
    for field in dataclasses.fields(TrainOptions):
        if field.name in declared:
            assert getattr(options, field.name) == field.default, field.name
            assert tuple(flags[field.name].choices or ()) == tuple(field.metadata["choices"] or ()), field.name
    given = training_options(parser.parse_args(["--data", "d", "--crop-sampling", "balanced", "--amp", "--workers", "2"]), "u2xs-mt")
    assert (given.crop_sampling, given.amp, given.workers) == ("balanced", True, 2)
