"""Model files and resumable training state, in safetensors: nothing is ever unpickled.

- A **model file** (``best.safetensors``, ``last.safetensors``, the embedded default) holds the
  weights and, in its metadata, the **model card** (JSON): model name and options, lesion names,
  preprocessing, recipe, epoch, metrics, data credit. :func:`load_model` rebuilds the model from
  the card alone.
- A **resume file** (``resume.safetensors``) holds the weights plus optimizer state, gradient
  scaler state, random-number-generator states and the position in training (stage, epoch,
  iteration), so that a killed run continues exactly where it left off.

Every file is written to a temporary name and renamed into place (:func:`edgeseg.fileio.atomic_path`);
a crash never leaves a truncated file under a valid name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from edgeseg import NOTICE
from edgeseg.errors import EdgesegError
from edgeseg.fileio import atomic_path
from edgeseg.model_file import CARD_KEY, read_card_header, resolve_model_file

STATE_KEY = "edgeseg.state"
CARD_FORMAT = "edgeseg-model-v1"


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if hasattr(model, "module") else model


def model_tensors(model: nn.Module) -> dict[str, torch.Tensor]:
    """The model's state dict as contiguous CPU tensors (shared storage de-duplicated)."""
    return {key: value.detach().to("cpu").contiguous().clone() for key, value in _unwrap(model).state_dict().items()}


def save_model(path: str | Path, model: nn.Module, card: dict) -> Path:
    """Write weights + card atomically to ``path`` (a ``.safetensors`` file)."""
    path = Path(path)
    card = {"format": CARD_FORMAT, "notice": NOTICE, **card}
    with atomic_path(path) as tmp:
        save_file(model_tensors(model), str(tmp), metadata={CARD_KEY: json.dumps(card)})
    return path


def _safe_open(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    from safetensors import safe_open

    if not path.is_file():
        raise EdgesegError(f"{path}: file not found")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        return load_file(str(path)), metadata
    except (SafetensorError, OSError, ValueError) as exc:
        raise EdgesegError(f"{path}: not a readable safetensors file ({exc}); re-export or re-train it") from None


def read_card(path: str | Path) -> dict:
    """The model card stored in a model or resume file (or a run folder's model file)."""
    return read_card_header(resolve_model_file(path))


def load_model(path: str | Path, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """Rebuild the model described by the card in ``path`` and load its weights (eval mode)."""
    from edgeseg.models import create

    path = resolve_model_file(path)
    tensors, metadata = _safe_open(path)
    if CARD_KEY not in metadata:
        raise EdgesegError(f"{path}: holds no edgeseg model card; is it an edgeseg model file?")
    card = json.loads(metadata[CARD_KEY])
    model = create(card["model"], **card.get("model_options", {}))
    weights = {key[len("model."):]: value for key, value in tensors.items() if key.startswith("model.")} or tensors
    try:
        model.load_state_dict(weights)
    except RuntimeError as exc:
        raise EdgesegError(f"{path}: weights do not fit model {card['model']!r} ({str(exc).splitlines()[0]})") from None
    return model.to(device).eval(), card


def _flatten_optimizer(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, Any] = {}
    for parameter_id, values in state["state"].items():
        for name, value in values.items():
            key = f"optimizer.{parameter_id}.{name}"
            if isinstance(value, torch.Tensor):
                tensors[key] = value.detach().to("cpu").contiguous().clone()
            else:
                scalars[key] = value
    return tensors, {"scalars": scalars, "param_groups": state["param_groups"]}


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], saved: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in list(tensors.items()) + list(saved["scalars"].items()):
        if not key.startswith("optimizer."):
            continue
        _, parameter_id, name = key.split(".", 2)
        state.setdefault(int(parameter_id), {})[name] = value
    return {"state": state, "param_groups": saved["param_groups"]}


def save_resume(
    path: str | Path,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    position: dict[str, Any],
    card: dict,
    scaler_state: dict[str, Any] | None = None,
    extra_tensors: dict[str, torch.Tensor] | None = None,
) -> Path:
    """Write everything a resumed run needs into one safetensors file, atomically."""
    path = Path(path)
    tensors = {f"model.{key}": value for key, value in model_tensors(model).items()}
    optimizer_tensors, optimizer_meta = _flatten_optimizer(optimizer.state_dict())
    tensors.update(optimizer_tensors)
    tensors["rng.cpu"] = torch.get_rng_state()
    if torch.cuda.is_available():
        for index, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{index}"] = state
    tensors.update(extra_tensors or {})
    state = {"position": position, "optimizer": optimizer_meta, "scaler": scaler_state}
    card = {"format": CARD_FORMAT, "notice": NOTICE, **card}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={CARD_KEY: json.dumps(card), STATE_KEY: json.dumps(state)})
    return path


def load_resume(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any], dict]:
    """(model weights, state {position, optimizer, scaler}, card) from a resume file.

    Call :func:`restore_optimizer` and :func:`restore_rng` with the returned tensors and state.
    """
    path = Path(path)
    tensors, metadata = _safe_open(path)
    if STATE_KEY not in metadata:
        raise EdgesegError(f"{path}: not an edgeseg resume file")
    state = json.loads(metadata[STATE_KEY])
    state["_tensors"] = tensors
    weights = {key[len("model."):]: value for key, value in tensors.items() if key.startswith("model.")}
    return weights, state, json.loads(metadata[CARD_KEY])


def restore_optimizer(optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    optimizer.load_state_dict(_unflatten_optimizer(state["_tensors"], state["optimizer"]))


def restore_rng(state: dict[str, Any]) -> None:
    tensors = state["_tensors"]
    torch.set_rng_state(tensors["rng.cpu"])
    if torch.cuda.is_available():
        cuda_states = [tensors[key] for key in sorted(k for k in tensors if k.startswith("rng.cuda."))]
        if cuda_states:
            torch.cuda.set_rng_state_all(cuda_states)
