"""Training recipes: one per paper, with the paper's hyper-parameters as defaults.

A recipe names a model (and its options), the input preprocessing, the augmentation, and one
or more **stages** (Red-Seg: Top-k then squared error; local-global: pre-training, fusion,
fine-tuning), each with its loss, optimizer, schedule, number of epochs and training step.
`edgeseg train --list-recipes` prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from edgeseg.data.augment import TrainAugment
from edgeseg.errors import EdgesegError
from edgeseg.papers import seed_paper
from edgeseg.train.schedules import Schedule


@dataclass(frozen=True)
class Optimizer:
    """``adam`` or ``sgd`` (momentum) with L2 weight decay."""

    name: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    momentum: float = 0.9


@dataclass(frozen=True)
class Stage:
    """One phase of training. ``step`` names how a batch becomes a loss (see
    :mod:`edgeseg.train.steps`); ``trainable`` names the part of the model that learns
    (None: all of it)."""

    name: str
    epochs: int
    loss: str
    optimizer: Optimizer
    schedule: Schedule = field(default_factory=Schedule)
    step: str = "standard"
    loss_options: dict[str, Any] = field(default_factory=dict)
    trainable: str | None = None


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    paper: str
    model: str
    model_options: dict[str, Any]
    stages: tuple[Stage, ...]
    size: int
    batch_size: int
    clahe: bool = False
    augment: TrainAugment = field(default_factory=TrainAugment)
    val_every: int = 5
    data: str = "segmentation"
    crop_sampling: str = "per-image"  # how lesion-centred crops pick a lesion type: see CROP_SAMPLINGS

    @property
    def epochs(self) -> int:
        return sum(stage.epochs for stage in self.stages)

    def with_epochs(self, epochs: int) -> "Recipe":
        """This recipe shortened or lengthened to ``epochs`` in total, stages kept in proportion
        (each at least one epoch). Step schedules keep the paper's absolute epochs: U²-XS-Net's
        decay starts at epoch 115 whatever the length, so a shorter run keeps its initial rate
        (measured: decaying early, at 29 % of a 100-epoch run, stalls the smallest lesions);
        ``--schedule stretched`` scales them with the run instead (a longer run at equal cost)."""
        if epochs < 1:
            raise EdgesegError("--epochs must be at least 1")
        total = self.epochs
        stages = tuple(replace(stage, epochs=max(1, round(stage.epochs * epochs / total))) for stage in self.stages)
        if len(stages) == 1:
            stages = (replace(stages[0], epochs=epochs),)
        return replace(self, stages=stages)


# How lesion-centred crops (--crop) pick a lesion type: "per-image" draws uniformly among the types
# present in the image; "balanced" weights them by 1 / the number of training images holding them
# (edgeseg.train.datasets.balanced_lesion_weights), so rare types are centred on as often as common ones.
CROP_SAMPLINGS = ("per-image", "balanced")

RECIPES: dict[str, Recipe] = {}


def add_recipe(recipe: Recipe) -> Recipe:
    if recipe.name in RECIPES:
        raise ValueError(f"recipe {recipe.name!r} defined twice")
    RECIPES[recipe.name] = recipe
    return recipe


def get_recipe(name: str) -> Recipe:
    if name not in RECIPES:
        import difflib

        close = difflib.get_close_matches(name, RECIPES, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise EdgesegError(f"unknown recipe {name!r}; `edgeseg train --list-recipes` lists them.{hint}")
    return RECIPES[name]


def list_recipes() -> list[Recipe]:
    return [RECIPES[name] for name in sorted(RECIPES)]


# --- U²-XS-Net and U²-Net (paper 003) -------------------------------------------------------
# 400 epochs, Adam lr 1e-3, weight decay 1e-4, from epoch 115 x 0.75 every 15 epochs; 512x512,
# CLAHE, data-set mean/std; rotation up to 90 degrees, shifts +-10 %, scaling +-40 %, flips.
# Batch size is not given in the paper; 4 fits a 512x512 U²-Net on an 11 GB GPU.
_U2_STAGE = Stage(
    "train",
    400,
    "u2xs",
    Optimizer("adam", 1e-3, weight_decay=1e-4),
    Schedule("step", start=115, every=15, factor=0.75),
)
_U2_AUGMENT = TrainAugment(affine_probability=1.0, max_angle=90.0, max_shift=0.1, scale_range=(0.6, 1.4))
_U2_PAPER = seed_paper("003")

for _model, _label in (("u2xs", "U²-XS-Net"), ("u2net", "U²-Net")):
    for _mode, _options, _what in (
        ("st", {"mode": "st", "lesion": "EX"}, "one lesion (--lesion, default EX)"),
        ("dt", {"mode": "dt", "group": "red"}, "a lesion pair (--group red=MA+HE | white=EX+SE)"),
        ("mt", {"mode": "mt"}, "all four lesions"),
    ):
        if _model == "u2net" and _mode == "dt":
            continue
        _recipe = add_recipe(
            Recipe(
                name=f"{_model}-{_mode}",
                description=f"{_label} {_mode.upper()} mode, {_what}: focal-BCE + Dice, deep supervision, 512 px, CLAHE",
                paper=_U2_PAPER,
                model=_model,
                model_options=_options,
                stages=(_U2_STAGE,),
                size=512,
                batch_size=4,
                clahe=True,
                augment=_U2_AUGMENT,
                val_every=5,
            )
        )
        if _model == "u2xs":  # the student of `edgeseg distill`
            add_recipe(
                replace(
                    _recipe,
                    name=f"distill-{_model}-{_mode}",
                    description=f"{_label} {_mode.upper()} student distilled from --teacher runs: its loss on the masks plus "
                    "the same loss on the teachers' probabilities",
                    paper=_U2_PAPER + "; knowledge distillation after Hinton et al. 2015",
                    stages=(replace(_U2_STAGE, step="distill"),),
                )
            )


# --- Dual2Net and its single-branch baselines (paper 000) ------------------------------------
# SGD lr 0.03 poly 0.9, momentum 0.9, weight decay 5e-4, batch 2, 40 epochs on IDRiD at
# 1440 px (the paper resizes IDRiD to 1440x960; edgeseg pads the field of view to a square),
# ImageNet-initialised backbone (--pretrained where torchvision can fetch it), hard exudates.
# HED trains with lr 2e-4 as in the authors' public code: VGG-16 has no batch norm and
# diverges at 0.03.
_DUAL_PAPER = seed_paper("000")
_DUAL_AUGMENT = TrainAugment(affine_probability=0.0)  # 90/180/270-degree rotations and flips only
for _base in ("pspnet", "deeplabv3", "hed"):
    _optimizer = Optimizer("sgd", 2e-4 if _base == "hed" else 0.03, weight_decay=5e-4, momentum=0.9)
    add_recipe(
        Recipe(
            name=f"dual2net-{_base}",
            description=f"Dual2Net on {_base}: two images per iteration, uniform + re-balanced samplers, DSM Dice loss",
            paper=_DUAL_PAPER,
            model="dual2net",
            model_options={"base": _base, "lesions": ("EX",)},
            stages=(Stage("train", 40, "dsm", _optimizer, Schedule("poly", power=0.9), step="dual"),),
            size=1440,
            batch_size=2,
            augment=_DUAL_AUGMENT,
            val_every=2,
        )
    )
    for _loss, _what in (("cbce", "class-balanced BCE"), ("dice", "Dice")):
        add_recipe(
            Recipe(
                name=f"{_base}-{_loss}",
                description=f"single-branch {_base} with {_what} (Dual2Net's {_loss.upper()} baseline)",
                paper=_DUAL_PAPER,
                model=_base,
                model_options={"lesions": ("EX",)},
                stages=(Stage("train", 40, _loss, _optimizer, Schedule("poly", power=0.9)),),
                size=1440,
                batch_size=2,
                augment=_DUAL_AUGMENT,
                val_every=2,
            )
        )


# --- Red-Seg (paper 004) -------------------------------------------------------------------
# Stage 1: Top-k weighted CE, 300 epochs; stage 2: squared error from stage 1, lr / 10, 20
# epochs. SGD momentum 0.9, batch 1, IDRiD downsampled 4x (1072 px). The Caffe losses are sums
# (lr 1e-8, weight decay 5e-4); edgeseg's losses are means over the 1072 x 712 pixels, so the
# same steps need lr x 763 264 = 7.6e-3 and weight decay / 763 264 (negligible: 0).
_REDSEG_SGD = Optimizer("sgd", 7.6e-3, weight_decay=0.0, momentum=0.9)
add_recipe(
    Recipe(
        name="redseg",
        description="Red-Seg: VGG-16 with MA and HE branches, Top-k weighted CE (300 epochs) then squared error (20 epochs)",
        paper=seed_paper("004"),
        model="redseg",
        model_options={},
        stages=(
            Stage("topk", 300, "topk", _REDSEG_SGD, step="topk"),
            Stage("squared-error", 20, "squared_error", replace(_REDSEG_SGD, lr=7.6e-4)),
        ),
        size=1072,
        batch_size=1,
        augment=_DUAL_AUGMENT,
        val_every=10,
    )
)


# --- The graded student (U²-XS-Net MT + grading head) -----------------------------------------
# The student is frozen (the embedded default unless --init); the head learns from its pooled
# lesion maps of the grading-training photographs (edgeseg.train.grading_head). Adam 3e-3, weight
# decay 1e-3, 75 epochs of 32 photographs per batch: chosen by 5-fold cross-validation on the grading-
# training photographs (benchmarks/grading_head_cv.py: validation joint accuracy peaks at 50-75 epochs).
add_recipe(
    Recipe(
        name="u2xs-graded",
        description="grading head on the frozen U²-XS-Net MT student: DR grade, DME risk, referral (needs data prepare --grading)",
        paper=seed_paper("003", "with edgeseg's screening head (grades as paper 002 / IDRiD sub-challenge 2)"),
        model="u2xs_graded",
        model_options={},
        stages=(Stage("head", 75, "grading_head", Optimizer("adam", 3e-3, weight_decay=1e-3)),),
        size=512,
        batch_size=32,
        data="student-maps",
    )
)


# --- SUNet (paper 002) ---------------------------------------------------------------------
# L_total = L_R + 1 * L_DR + 0.5 * L_DME, batches with lesion masks alternating with graded
# batches without. The paper gives no optimiser, resolution or epochs; these are edgeseg's
# choices: Adam 1e-4, 512 px, 60 epochs, batch 8.
add_recipe(
    Recipe(
        name="sunet",
        description="SUNet: ResNet-34 + feature blending, DR (5) and DME (3) grading with a lesion regulariser",
        paper=seed_paper("002"),
        model="sunet",
        model_options={},
        stages=(Stage("train", 60, "sunet", Optimizer("adam", 1e-4, weight_decay=1e-4), step="grading"),),
        size=512,
        batch_size=8,
        val_every=2,
        data="grading",
    )
)


# --- Mutually local-global U-Nets (paper 001) -----------------------------------------------
# Pre-train GlobalNet (whole image at 640 px) and LocalNet (256 px full-resolution patches),
# Adam lr 2e-4 with polynomial decay; train the fusion module for 10 epochs with the rest
# frozen (lr 2e-4); fine-tune everything for 60 epochs (lr 1e-4). The paper does not give the
# pre-training length: 40 epochs each here. Only 90-degree rotations and flips, which keep the
# global and local views aligned. "Full resolution" is the prepared data's resolution, resized
# to the recipe's size (1440 px; the paper centre-crops 2816x3328 at the original 4288x2848).
_LG_ADAM = Optimizer("adam", 2e-4)
_LG_POLY = Schedule("poly", power=0.9)
add_recipe(
    Recipe(
        name="localglobal",
        description="mutually local-global U-Nets for one lesion (--lesion, default EX): pre-train, fuse, fine-tune",
        paper=seed_paper("001"),
        model="localglobal",
        model_options={"lesion": "EX"},
        stages=(
            Stage("pretrain-global", 40, "wce_global", _LG_ADAM, _LG_POLY, step="localglobal", trainable="global"),
            Stage("pretrain-local", 40, "wce_local", _LG_ADAM, _LG_POLY, step="localglobal", trainable="local"),
            Stage("fusion", 10, "localglobal", _LG_ADAM, _LG_POLY, step="localglobal", trainable="fusion"),
            Stage("finetune", 60, "localglobal", Optimizer("adam", 1e-4), _LG_POLY, step="localglobal"),
        ),
        size=1440,
        batch_size=2,
        augment=_DUAL_AUGMENT,
        val_every=5,
    )
)


# --- LocalNet alone (paper 001's single-net baseline) ---------------------------------------
# The U-Net LocalNet of the local-global paper, trained by itself on 256 px lesion-biased patches
# of the 1440 px images with its weighted cross-entropy (Eq. 2) and the pre-training optimiser
# (Adam 2e-4, polynomial decay). Its single-net augmentation: rotations at any angle and zoom.
# Batch size and epochs are not given in the paper: batch 4 patches, 40 epochs as the
# local-global recipe's pre-training (one patch per training image per epoch).
add_recipe(
    Recipe(
        name="localnet",
        description="LocalNet of the local-global U-Nets alone, one lesion (--lesion, default EX): 256 px patches, weighted CE",
        paper=seed_paper("001"),
        model="localnet",
        model_options={"lesion": "EX"},
        stages=(Stage("train", 40, "wce", _LG_ADAM, _LG_POLY),),
        size=1440,
        batch_size=4,
        augment=TrainAugment(affine_probability=1.0, max_angle=180.0, max_shift=0.0, scale_range=(0.8, 1.2), crop=256),
        val_every=5,
    )
)
