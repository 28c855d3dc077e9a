"""Devices and multi-process training (torchrun + DistributedDataParallel).

`torchrun --nproc-per-node N -m edgeseg train ...` sets RANK / WORLD_SIZE / LOCAL_RANK; each
process then trains on its slice of every global batch (:func:`edgeseg.train.datasets.micro_batch`).
The backend is NCCL on CUDA and gloo on the CPU (which is how it is tested here).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from edgeseg.errors import EdgesegError


@dataclass(frozen=True)
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1


def select_device(requested: str, local_rank: int = 0) -> torch.device:
    """``auto``: CUDA when available, else the CPU; ``cuda`` without a GPU is an error."""
    if requested == "auto":
        requested = "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda"):
        if not torch.cuda.is_available():
            raise EdgesegError("--device cuda: no CUDA GPU is visible; use --device cpu or auto")
        return torch.device("cuda", local_rank if requested == "cuda" else int(requested.split(":")[1]))
    if requested != "cpu":
        raise EdgesegError(f"unknown device {requested!r}; choose auto, cpu or cuda")
    return torch.device("cpu")


def init_distributed(device_type: str) -> Distributed:
    """Join the process group torchrun describes in the environment (no-op for one process)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return Distributed()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        backend = "nccl" if device_type == "cuda" else "gloo"
        if device_type == "cuda":
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend=backend)
    return Distributed(rank, world_size, local_rank)


def barrier(info: Distributed) -> None:
    if info.enabled:
        dist.barrier()


def shutdown(info: Distributed) -> None:
    if info.enabled and dist.is_initialized():
        dist.destroy_process_group()
