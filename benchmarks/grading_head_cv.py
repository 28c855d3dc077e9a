"""5-fold cross-validation of the graded student's head on the grading-training photographs only
(the test photographs are not read): how the recipe ``u2xs-graded`` chose its epochs and options.

Folds keep copies of one photograph together (:func:`edgeseg.data.grading.training_groups`). The
head learns from the student's pooled lesion maps, which a run of the recipe caches in its folder:

    edgeseg train --recipe u2xs-graded --data data/idrid1440-grading --out runs/u2xs-graded
    python benchmarks/grading_head_cv.py --data data/idrid1440-grading --grids runs/u2xs-graded/grids.safetensors \
        [--option width=8] [--option dropout=0.5] [--epochs 150]

Prints the mean over the folds of DR, DME and joint accuracy and the referable ROC AUC every 25
epochs. ``--features FILE`` (`benchmarks/student_features.py`) also feeds the student's pooled
En6 features to the head's classifier; ``--baseline-summaries DIR`` (the ``train`` summaries of
`benchmarks/grading_baseline.py`) scores the logistic-regression baseline on the same folds.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from edgeseg.data.datasets import open_split, read_manifest
from edgeseg.data.folder import read_grades, split_dir
from edgeseg.data.grading import grading_split, training_groups
from edgeseg.metrics.grading import grading_scores, roc_auc
from edgeseg.outputs import referable
from edgeseg.models.graded import GradingHead
from edgeseg.train.grading_head import DME_WEIGHT

FOLDS = 5


def folds_of(groups: list[str], seed: int = 0) -> np.ndarray:
    names = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(names))
    fold = {names[index]: rank % FOLDS for rank, index in enumerate(order)}
    return np.asarray([fold[group] for group in groups])


class HeadWithFeatures(GradingHead):
    """The grading head whose classifier also reads per-photograph features (standardised)."""

    def __init__(self, grid: int, width: int, dropout: float, features: int) -> None:
        super().__init__(4, grid, width, dropout)
        first = self.classifier[0]
        self.classifier[0] = torch.nn.Linear(first.in_features + features, first.out_features)
        self.extra: torch.Tensor | None = None

    def classify(self, grids: torch.Tensor) -> dict[str, torch.Tensor]:
        assert self.extra is not None and len(self.extra) == len(grids)
        hidden = self.features(torch.cat([grids, self.radius.expand(grids.shape[0], 1, self.grid, self.grid)], dim=1))
        summary = torch.cat([hidden.mean(dim=(2, 3)), hidden.amax(dim=(2, 3)), torch.log(grids[:, :4].mean(dim=(2, 3)) + 1e-4),
                             grids[:, 4:].amax(dim=(2, 3)), self.extra], dim=1)
        logits = self.classifier(summary)
        return {"dr": logits[:, :5], "dme": logits[:, 5:8], "referable": logits[:, 8:]}


def _classify(head: GradingHead, grids: torch.Tensor, features: np.ndarray | None, index) -> dict[str, torch.Tensor]:
    if features is not None:
        head.extra = torch.from_numpy(features[index])
    return head.classify(grids)


def cross_validate(grids, dr, dme, folds, epochs: int, width: int = 16, dropout: float = 0.3, lr: float = 3e-3,
                   weight_decay: float = 1e-3, batch: int = 32, features: np.ndarray | None = None) -> np.ndarray:
    """(checkpoints, 5) mean over folds of (epoch, DR acc, DME acc, joint acc, referable AUC)."""
    results = []
    for fold in range(FOLDS):
        train, held = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        torch.manual_seed(0)
        if features is not None:
            head = HeadWithFeatures(grids.shape[-1], width, dropout, features.shape[1])
        else:
            head = GradingHead(4, grids.shape[-1], width, dropout)
        optimizer = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=weight_decay)
        x = torch.from_numpy(grids[train])
        y_dr, y_dme = torch.from_numpy(dr[train]), torch.from_numpy(dme[train])
        y_ref = torch.from_numpy(referable(dr[train], dme[train]).astype(np.float32))
        generator = torch.Generator().manual_seed(0)
        history = []
        for epoch in range(epochs):
            head.train()
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(order), batch):
                index = order[start : start + batch]
                flip = torch.rand(len(index), generator=generator) < 0.5
                output = _classify(head, torch.where(flip[:, None, None, None], x[index].flip(-1), x[index]), features, train[index.numpy()])
                loss = (F.cross_entropy(output["dr"], y_dr[index]) + DME_WEIGHT * F.cross_entropy(output["dme"], y_dme[index])
                        + F.binary_cross_entropy_with_logits(output["referable"][:, 0], y_ref[index]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            if (epoch + 1) % 25 == 0:
                head.eval()
                with torch.no_grad():
                    output = _classify(head, torch.from_numpy(grids[held]), features, held)
                scores = grading_scores(dr[held], output["dr"].argmax(1).numpy(), dme[held], output["dme"].argmax(1).numpy())
                auc = roc_auc(referable(dr[held], dme[held]), torch.sigmoid(output["referable"][:, 0]).numpy())
                history.append((epoch + 1, scores.dr_accuracy, scores.dme_accuracy, scores.joint_accuracy, auc))
        results.append(history)
    return np.asarray(results).mean(axis=0)


def baseline_cross_validation(summaries: Path, stems: list[str], dr, dme, folds) -> np.ndarray:
    """(DR acc, DME acc, joint acc, referable AUC) of the logistic-regression baseline
    (`benchmarks/grading_baseline.py`, its 12 numbers per photograph) on the same folds."""
    from sklearn.linear_model import LogisticRegression

    from grading_baseline import features as summary_features

    x = np.array([summary_features(json.loads((summaries / f"{stem}.json").read_text()), stem) for stem in stems])
    rows = []
    for fold in range(FOLDS):
        train, held = folds != fold, folds == fold
        fitted = {name: LogisticRegression(C=1.0, max_iter=5000).fit(x[train], y[train]).predict_proba(x[held])
                  for name, y in (("dr", dr), ("dme", dme), ("referable", referable(dr, dme)))}
        scores = grading_scores(dr[held], fitted["dr"].argmax(1), dme[held], fitted["dme"].argmax(1))
        rows.append((scores.dr_accuracy, scores.dme_accuracy, scores.joint_accuracy,
                     roc_auc(referable(dr[held], dme[held]), fitted["referable"][:, 1])))
    return np.asarray(rows).mean(axis=0)


def main() -> None:
    from safetensors.numpy import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--grids", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=150)
    parser.add_argument("--features", type=Path, help="student features per photograph (benchmarks/student_features.py)")
    parser.add_argument("--baseline-summaries", type=Path, help="train summaries of benchmarks/grading_baseline.py")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="width, dropout, lr, weight_decay, batch")
    args = parser.parse_args()
    torch.set_num_threads(1)
    samples = open_split(args.data, grading_split("train"))
    grades = read_grades(split_dir(args.data, grading_split("train")))
    dr = np.asarray([grades[s.stem][0] for s in samples])
    dme = np.asarray([grades[s.stem][1] for s in samples])
    grids = load(args.grids.read_bytes())["grids"]
    _, groups = training_groups(read_manifest(args.data), [], [s.stem for s in samples])
    options = {key: json.loads(value) for key, value in (item.split("=", 1) for item in args.option)}
    folds = folds_of(groups)
    if args.baseline_summaries:
        dr_acc, dme_acc, joint, auc = baseline_cross_validation(args.baseline_summaries, [s.stem for s in samples], dr, dme, folds)
        print(f"baseline (logistic regression): DR {dr_acc:.3f}, DME {dme_acc:.3f}, joint {joint:.3f}, referable AUC {auc:.3f}")
    if args.features:
        from safetensors import safe_open

        with safe_open(str(args.features), framework="numpy") as handle:
            if handle.metadata().get("stems") != ",".join(s.stem for s in samples):
                raise SystemExit(f"{args.features}: written for other photographs; rerun benchmarks/student_features.py")
            raw = handle.get_tensor("en6")
        options["features"] = ((raw - raw.mean(0)) / (raw.std(0) + 1e-6)).astype(np.float32)
    for epoch, dr_acc, dme_acc, joint, auc in cross_validate(grids, dr, dme, folds, args.epochs, **options):
        print(f"epoch {epoch:.0f}: DR {dr_acc:.3f}, DME {dme_acc:.3f}, joint {joint:.3f}, referable AUC {auc:.3f}")


if __name__ == "__main__":
    main()
