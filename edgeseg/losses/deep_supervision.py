"""Deep supervision: one loss applied to the main output and every side output.

U²-Net and U²-XS-Net (paper 003) weight the fused output and the six side outputs equally;
Red-Seg (paper 004) sums its three side losses and the fused loss per branch; HED does the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class DeepSupervision:
    """``loss(output, target)`` = w_main * base(output["logits"]) + sum_i w_i * base(output["side"][i])
    + ``aux_weight`` * base(output["aux"]).

    ``side_weights`` defaults to 1 for every side (equal weights). ``aux_weight`` is PSPNet's
    auxiliary-head weight (0.4, also Dual2Net's lambda). A plain tensor output (a model without
    side outputs) is scored by ``base`` alone.
    """

    def __init__(
        self,
        base: LossFn,
        main_weight: float = 1.0,
        side_weights: Sequence[float] | None = None,
        aux_weight: float = 0.4,
    ) -> None:
        self.base = base
        self.main_weight = main_weight
        self.side_weights = side_weights
        self.aux_weight = aux_weight

    def __call__(self, output: torch.Tensor | dict, target: torch.Tensor) -> torch.Tensor:
        if isinstance(output, torch.Tensor):
            return self.base(output, target)
        loss = self.main_weight * self.base(output["logits"], target)
        sides = output.get("side", [])
        weights = self.side_weights if self.side_weights is not None else [1.0] * len(sides)
        if len(weights) != len(sides):
            raise ValueError(f"{len(sides)} side outputs but {len(weights)} side weights")
        for weight, side in zip(weights, sides):
            loss = loss + weight * self.base(side, target)
        if "aux" in output:
            loss = loss + self.aux_weight * self.base(output["aux"], target)
        return loss
