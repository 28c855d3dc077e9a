"""Dual2Net: a dual-branch network for hard exudate segmentation (paper 000, Sec. 3.2).

Two branches with partial weight sharing: the large-lesion branch L, trained with a uniform
pixel sampler, and the small-lesion branch S, trained with a re-balanced one (the loss is
:class:`edgeseg.losses.dsm.DSMDiceLoss`). Each branch is a base network, PSPNet (the paper's
main model), DeepLabv3 or HED. What the branches share, per ``base``:

- ``pspnet`` / ``deeplabv3``: everything but the last residual block of ResNet-50's last stage
  (``layer4``'s third bottleneck) and the head (PPM or ASPP with its classifier), as Sec. 3.2
  says. The auxiliary classifier sits on stage 3, inside the shared part, and is shared too:
  the paper learns only "the last residual block in the last stage and the PPM" separately, and
  its parameter counts (75.3 M and 61.6 M in units of 2^20) are reproduced only with one
  auxiliary head, as in the authors' public code (``CV-AC/DualNet-Lesion-Segmentation``). Each
  branch still reports ``"aux"`` computed on its own input, for Eqs. 7-8.
- ``hed``: conv1-conv3 and their side classifiers are shared; each branch owns conv4 and conv5
  (six convs), their two side classifiers and the fusion. HED has no residual block; the split
  is the one the paper's parameter count implies: Table 4 gives 26.4 M for dual HED against
  14.0 M for HED (x1.9, both in units of 2^20), which is exactly a second copy of conv4-conv5
  (12.98 M parameters), while a split at conv5's last conv would give x1.16; the authors'
  public code splits there too.

Training: :meth:`Dual2Net.forward_branches` takes the two independently drawn batches (X_L to
branch L, X_S to branch S, Sec. 3.3) and returns each branch's output dict (``"logits"`` and
``"aux"``, or ``"side"`` for HED). ``forward(x)`` in training mode feeds ``x`` to both branches
and returns ``{"logits", "branches": {"large", "small"}}``. Inference (Sec. 3.3): both branches
see the image and their probability maps are averaged; the model returns the logits of that
average (:func:`edgeseg.models.blocks.average_probability_logits`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.models.base import LesionModel
from edgeseg.models.blocks import average_probability_logits
from edgeseg.models.deeplabv3 import DeepLabV3, deeplabv3_parts
from edgeseg.models.hed import HED, hed_parts
from edgeseg.models.pspnet import PSPNet, pspnet_parts
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper

PartsBuilder = Callable[[int, bool, int], tuple[nn.Module, list[nn.Module]]]

# base -> (builder of the shared trunk and the branches, the base network's size multiple)
BASES: dict[str, tuple[PartsBuilder, int]] = {
    "pspnet": (pspnet_parts, PSPNet.size_multiple),
    "deeplabv3": (deeplabv3_parts, DeepLabV3.size_multiple),
    "hed": (hed_parts, HED.size_multiple),
}

BranchOutput = dict[str, torch.Tensor | list[torch.Tensor]]


class Dual2Net(LesionModel):
    """Two branches of ``base`` sharing a trunk; ``trunk``, ``large`` and ``small`` are the parts."""

    def __init__(self, lesions: Sequence[str] = ("EX",), base: str = "pspnet", pretrained: bool = False) -> None:
        super().__init__(lesions)
        if base not in BASES:
            raise EdgesegError(f"unknown Dual2Net base {base!r}; choose from {', '.join(BASES)}")
        build_parts, self.size_multiple = BASES[base]
        self.base = base
        self.trunk, (self.large, self.small) = build_parts(self.num_lesions, pretrained, 2)

    @property
    def has_vgg16(self) -> bool:
        return self.base == "hed"

    def load_hed_bsds(self, mean: Sequence[float], std: Sequence[float]) -> None:
        """HED-BSDS500's VGG-16 into the shared conv1-conv3 and both branches' conv4-conv5
        (:mod:`edgeseg.models.hed_bsds`); the side classifiers keep paper 000's N(0, 0.01) start."""
        from edgeseg.models.hed_bsds import load_vgg16

        if self.base != "hed":
            raise EdgesegError(f"hed-bsds weights fit Dual2Net on base 'hed', not {self.base!r}")
        for branch in (self.large, self.small):
            load_vgg16([*self.trunk.blocks, *branch.blocks], mean, std)

    def forward_branches(self, x_large: torch.Tensor, x_small: torch.Tensor) -> dict[str, BranchOutput | torch.Tensor]:
        """``x_large`` through branch L and ``x_small`` through branch S (the shared trunk runs
        once when both are the same tensor). Returns ``{"large": ..., "small": ..., "logits":
        ...}``, ``"logits"`` being the averaged-probability logits of the two branches (the
        inference output when both batches hold the same images)."""
        features_large, shared_large = self.trunk(x_large)
        if x_small is x_large:
            features_small, shared_small = features_large, shared_large
        else:
            features_small, shared_small = self.trunk(x_small)
        large = self.large(features_large, shared_large, x_large.shape[-2:])
        small = self.small(features_small, shared_small, x_small.shape[-2:])
        return {"large": large, "small": small, "logits": average_probability_logits(large["logits"], small["logits"])}

    def forward(
        self, x: torch.Tensor, x_small: torch.Tensor | None = None
    ) -> torch.Tensor | dict[str, torch.Tensor | dict[str, BranchOutput]]:
        """Eval: the branch-averaged logits of ``x``. Training: the branch outputs, on ``x`` for
        both branches, or on ``x`` (large) and ``x_small`` (small) when given — the form a DSM
        training step uses, so that DistributedDataParallel sees it as an ordinary forward."""
        if x_small is not None:
            return self.forward_branches(x, x_small)
        outputs = self.forward_branches(x, x)
        if self.training:
            return {"logits": outputs["logits"], "branches": {"large": outputs["large"], "small": outputs["small"]}}
        return outputs["logits"]


@register_model(
    "dual2net",
    "Dual2Net: two partially shared branches (large/small lesions) of PSPNet, DeepLabv3 or HED",
    seed_paper("000"),
    smoke_options={"lesions": ("HE", "EX"), "base": "pspnet"},
    smoke_size=64,
)
def dual2net(lesions: Sequence[str] = ("EX",), base: str = "pspnet", pretrained: bool | str = False) -> Dual2Net:
    """Dual2Net on ``base`` (``pspnet``, the paper's main model, ``deeplabv3`` or ``hed``) for
    ``lesions`` (default hard exudates, as paper 000); ``pretrained`` loads ImageNet weights
    into the backbone and into both copies of the unshared backbone block(s); ``"hed-bsds"`` loads
    HED-BSDS500's VGG-16 offline (base ``hed`` only, :mod:`edgeseg.models.pretrained`)."""
    return Dual2Net(lesions, base, pretrained)
