"""Training the graded student's head (:mod:`edgeseg.models.graded`) with the student frozen.

Recipe ``u2xs-graded``: the student (the embedded default unless ``--init``) runs once on every
graded photograph of a prepared folder (`edgeseg data prepare --idrid DIR --grading`:
``grading/train``), through the same preprocessing and runner as `edgeseg predict`; its four
lesion maps are pooled to the head's grids (:meth:`GradingHead.pool`) and kept in the run folder
(``grids.safetensors``, reused while the student file and the photographs are the same). The
head then learns from the grids alone, in seconds per epoch:

    L = CE(DR) + 0.5 CE(DME) + BCE(referable)

(DR and DME weighted 1 and 0.5 as paper 002's Eq. 5), Adam with weight decay, horizontal flips
(left and right eyes), a validation split carved from the grading-training photographs with
copies kept on one side (:func:`edgeseg.data.grading.training_groups`). The best epoch by
validation joint accuracy plus referable ROC AUC is kept; its referral threshold is the highest
at which the advice (the probability at the threshold, or referable grades:
:func:`edgeseg.outputs.advises_referral`) finds 0.9 or more of the validation's referable
photographs. The result
is a normal model file (``best.safetensors``): the student's weights, unchanged, and the head's.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from edgeseg.checkpoint import load_model, save_model
from edgeseg.data.datasets import open_split, read_manifest
from edgeseg.data.folder import read_grades, split_dir
from edgeseg.data.grading import grading_split, source_photographs, training_groups
from edgeseg.data.splits import split_grouped_train_val
from edgeseg.embedded import default_model_path
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_path, atomic_write_json, read_image
from edgeseg.inference.runners import open_runner
from edgeseg.lesions import LESIONS
from edgeseg.metrics.grading import grading_scores, referral_threshold, roc_auc
from edgeseg.outputs import referable
from edgeseg.models import create
from edgeseg.train.options import CONFIG, RunSummary, TrainOptions, resolve_recipe, saved_options

GRIDS = "grids.safetensors"
DME_WEIGHT = 0.5  # paper 002, Eq. 5
REFERRAL_SENSITIVITY = 0.9


def pool_grids(maps: np.ndarray, grid: int) -> np.ndarray:
    """(2L, grid, grid) float32: (L, S, S) probabilities pooled by average then by maximum, as
    :meth:`edgeseg.models.graded.GradingHead.pool` pools them in the network."""
    lesions, size, _ = maps.shape
    cells = maps.reshape(lesions, grid, size // grid, grid, size // grid)
    return np.concatenate([cells.mean(axis=(2, 4)), cells.max(axis=(2, 4))]).astype(np.float32)


def _fingerprint(student: Path, photographs: list[Path], grid: int) -> str:
    digest = hashlib.sha256(student.read_bytes())
    digest.update(json.dumps([[str(path) for path in photographs], grid]).encode())
    return digest.hexdigest()


def student_grids(student: Path, photographs: list[Path], grid: int, cache: Path, progress: bool = True) -> np.ndarray:
    """(N, 2L, grid, grid) pooled lesion maps of the student on ``photographs``, cached in ``cache``."""
    from safetensors import safe_open
    from safetensors.numpy import load, save
    from tqdm import tqdm

    fingerprint = _fingerprint(student, photographs, grid)
    if cache.is_file():
        with safe_open(str(cache), framework="numpy") as handle:
            if (handle.metadata() or {}).get("fingerprint") == fingerprint:
                return load(cache.read_bytes())["grids"]
    twin = student.with_suffix(".onnx")  # the embedded default's verified ONNX twin: the same maps, faster
    runner = open_runner(twin if twin.is_file() else student)
    contract = runner.info.preprocessing
    grids = []
    for path in tqdm(photographs, desc="student maps", unit="img", leave=False, disable=not progress):
        grids.append(pool_grids(runner.lesion_maps(contract.prepare(read_image(path)).square), grid))
    array = np.stack(grids)
    with atomic_path(cache) as tmp:
        tmp.write_bytes(save({"grids": array}, metadata={"fingerprint": fingerprint}))
    return array


def _labels(grades: dict, samples: list) -> tuple[np.ndarray, np.ndarray]:
    missing = [sample.stem for sample in samples if sample.stem not in grades]
    if missing:
        raise EdgesegError(f"no grade for {len(missing)} graded photograph(s), e.g. {missing[0]}; check grades.csv")
    dr = np.asarray([grades[sample.stem][0] for sample in samples])
    dme = np.asarray([grades[sample.stem][1] for sample in samples])
    return dr, dme


def evaluate_head(head: torch.nn.Module, grids: np.ndarray, dr: np.ndarray, dme: np.ndarray) -> dict:
    """DR, DME and joint accuracy, DR kappa and referable ROC AUC of ``head`` on ``grids``."""
    head.eval()
    with torch.no_grad():
        output = head.classify(torch.from_numpy(grids))
    dr_pred, dme_pred = output["dr"].argmax(1).numpy(), output["dme"].argmax(1).numpy()
    scores = grading_scores(dr, dr_pred, dme, dme_pred)
    probability = torch.sigmoid(output["referable"][:, 0]).numpy()
    truth = referable(dr, dme)
    return {"dr_accuracy": scores.dr_accuracy, "dme_accuracy": scores.dme_accuracy, "joint_accuracy": scores.joint_accuracy,
            "dr_kappa": scores.dr_kappa, "referable_auc": roc_auc(truth, probability) if 0 < truth.sum() < len(truth) else math.nan,
            "referable_probabilities": probability, "referable_truth": truth, "referable_by_grades": referable(dr_pred, dme_pred)}


def train_head(options: TrainOptions) -> RunSummary:
    """Train the head of recipe ``u2xs-graded``."""
    recipe = resolve_recipe(options)
    stage = recipe.stages[0]
    if options.threads:
        torch.set_num_threads(options.threads)
    out = Path(options.out)
    if (out / "best.safetensors").exists():
        raise EdgesegError(f"{out}: already holds a run; choose a new --out (the head retrains in minutes from the cached maps)")
    student_path = Path(options.init) if options.init else default_model_path()
    student, student_card = load_model(student_path)
    if tuple(student_card["lesions"]) != LESIONS or student_card["model"] != "u2xs":
        raise EdgesegError(f"--init {student_path}: the graded student needs a U²-XS-Net MT model (MA, HE, EX, SE)")
    samples = open_split(options.data, grading_split("train"))
    dr, dme = _labels(read_grades(split_dir(options.data, grading_split("train"))), samples)
    manifest = read_manifest(options.data)
    _, groups = training_groups(manifest, [], [sample.stem for sample in samples])
    try:  # before the minutes of student maps: a split that cannot be made fails at once
        train_index, val_index = split_grouped_train_val(groups, options.val_fraction, options.seed, options.val_fold)
    except ValueError as exc:
        raise EdgesegError(f"{options.data}: {exc} (graded photographs)") from None
    torch.manual_seed(options.seed)
    model = create(recipe.model, **recipe.model_options)
    model.student.load_state_dict(student.state_dict())
    grid = model.head.grid
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / CONFIG, saved_options(options))
    photographs = source_photographs(manifest, grading_split("train"), samples)
    grids = student_grids(student_path, photographs, grid, out / GRIDS, options.progress)
    head = model.head
    optimizer = torch.optim.Adam(head.parameters(), lr=stage.optimizer.lr, weight_decay=stage.optimizer.weight_decay)
    x, y_dr, y_dme = torch.from_numpy(grids[train_index]), torch.from_numpy(dr[train_index]), torch.from_numpy(dme[train_index])
    y_ref = torch.from_numpy(referable(dr[train_index], dme[train_index]).astype(np.float32))
    generator = torch.Generator().manual_seed(options.seed)
    started = time.monotonic()
    best = {"score": -math.inf}
    log = []
    for epoch in range(stage.epochs):
        head.train()
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(order), recipe.batch_size):
            batch = order[start : start + recipe.batch_size]
            flip = torch.rand(len(batch), generator=generator) < 0.5  # left and right eyes
            inputs = torch.where(flip[:, None, None, None], x[batch].flip(-1), x[batch])
            output = head.classify(inputs)
            loss = (F.cross_entropy(output["dr"], y_dr[batch]) + DME_WEIGHT * F.cross_entropy(output["dme"], y_dme[batch])
                    + F.binary_cross_entropy_with_logits(output["referable"][:, 0], y_ref[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        scores = evaluate_head(head, grids[val_index], dr[val_index], dme[val_index])
        auc = scores["referable_auc"]
        score = scores["joint_accuracy"] + (auc if math.isfinite(auc) else 0.0)  # AUC is undefined on a one-class split
        log.append({"epoch": epoch + 1, "loss": float(loss.detach()), **{k: v for k, v in scores.items() if not isinstance(v, np.ndarray)}})
        if score > best["score"]:
            best = {"score": score, "epoch": epoch + 1, "scores": scores, "head": {k: v.clone() for k, v in head.state_dict().items()}}
    head.load_state_dict(best["head"])
    validation = {k: float(v) for k, v in best["scores"].items() if not isinstance(v, np.ndarray)}
    threshold = referral_threshold(best["scores"]["referable_truth"], best["scores"]["referable_probabilities"], REFERRAL_SENSITIVITY,
                                   best["scores"]["referable_by_grades"])
    card = {
        "model": model.model_name, "model_options": model.build_options, "lesions": list(model.lesions), "task": model.task,
        "recipe": recipe.name, "recipe_description": recipe.description, "paper": recipe.paper,
        "preprocessing": student_card["preprocessing"], "position": {"epoch": best["epoch"]},
        "metrics": {key: value for key, value in student_card.get("metrics", {}).items()},
        "grading": {"referable_threshold": round(threshold, 4), "referral_sensitivity_on_validation": REFERRAL_SENSITIVITY,
                    "validation": validation, "validation_images": len(val_index), "training_images": len(train_index),
                    "photographs": "source" if all(path.parent.name != "images" for path in photographs) else "prepared copies"},
        "student": {"file": student_path.name, "test_aupr": student_card.get("test_aupr"), "recipe": student_card.get("recipe")},
        "test_aupr": student_card.get("test_aupr"),
        "data": {"name": Path(options.data).name, "credit": (manifest or {}).get("credit", student_card.get("data", {}).get("credit", ""))},
        "training": saved_options(options),
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    save_model(out / "best.safetensors", model.eval(), card)
    atomic_write_json(out / "log.json", log)
    return RunSummary(out, best["epoch"], validation, (time.monotonic() - started) / stage.epochs, stage.epochs)
