"""Losses of the seed papers, each citing its paper and equation."""

from edgeseg.losses.bce import class_balanced_bce, focal_bce
from edgeseg.losses.deep_supervision import DeepSupervision
from edgeseg.losses.dice import dice_loss, soft_dice
from edgeseg.losses.u2xs import lesion_weights, u2xs_loss

__all__ = [
    "DeepSupervision",
    "class_balanced_bce",
    "dice_loss",
    "focal_bce",
    "lesion_weights",
    "soft_dice",
    "u2xs_loss",
]
