"""An exponential moving average of the weights (``edgeseg train --ema DECAY``).

After every optimizer step the average moves towards the trained weights,
``w_avg <- decay * w_avg + (1 - decay) * w`` (Polyak & Juditsky 1992; the "model EMA" of timm and
of the EfficientNet recipe), for the parameters and the BatchNorm statistics alike. When it is on,
validation, ``best.safetensors`` and ``last.safetensors`` hold the average, not the weights the
optimizer is moving: the average damps the swings between validations that a small validation
split shows (U²-XS-Net's SE, ``docs/results.md``). ``resume.safetensors`` keeps both, so a
resumed run continues the same average.

PyTorch's :class:`torch.optim.swa_utils.AveragedModel` does the averaging.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from edgeseg.checkpoint import model_tensors
from edgeseg.errors import EdgesegError

PREFIX = "ema."
COUNT = "ema_count"


class WeightAverage:
    """The moving average of ``model``'s weights; :attr:`module` is a model of the same kind."""

    def __init__(self, model: nn.Module, decay: float) -> None:
        if not 0.0 <= decay < 1.0:
            raise EdgesegError(f"--ema {decay}: the decay per optimizer step must be in [0, 1), e.g. 0.998")
        self._averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)

    @property
    def module(self) -> nn.Module:
        """The averaged model (validated, and saved as ``best``/``last``)."""
        return self._averaged.module

    def update(self, model: nn.Module) -> None:
        """Move the average one step towards ``model`` (the first call copies it)."""
        self._averaged.update_parameters(model)

    def tensors(self) -> dict[str, torch.Tensor]:
        """The average's state, for the resume file."""
        tensors = {PREFIX + key: value for key, value in model_tensors(self.module).items()}
        tensors[COUNT] = self._averaged.n_averaged.detach().to("cpu").clone()
        return tensors

    def restore(self, tensors: dict[str, torch.Tensor]) -> None:
        """Load the average from a resume file's tensors. A file without one (a run that turns
        ``--ema`` on at this resume) leaves the average to start from the current weights."""
        if COUNT not in tensors:
            return
        self.module.load_state_dict({key[len(PREFIX):]: value for key, value in tensors.items() if key.startswith(PREFIX)})
        self._averaged.n_averaged.copy_(tensors[COUNT])
