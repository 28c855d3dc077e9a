"""Parameters and multiply-accumulates of a PyTorch model at an input size.

MACs are counted with ``torch.utils.flop_counter`` on one forward pass (FLOPs / 2); the
result is cached per (model file, size) within a process.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=None)
def _count(path: str, size: int) -> dict:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from edgeseg.checkpoint import load_model
    from edgeseg.models import count_parameters

    model, _ = load_model(path)
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, size, size))
    return {"params": count_parameters(model), "gmacs": counter.get_total_flops() / 2 / 1e9}


def complexity(path: str | Path, size: int) -> dict:
    """``{"params": int, "gmacs": float}`` of the model file at ``path`` for a size x size input
    (empty when the file is not a PyTorch model on this machine)."""
    path = Path(path)
    if not path.is_file() or path.suffix != ".safetensors":
        return {}
    return _count(str(path.resolve()), int(size))
