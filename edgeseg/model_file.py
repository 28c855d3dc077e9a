"""Model files on disk, read without torch: a run folder's model file and the model card in a
``.safetensors`` file's JSON header. Below both :mod:`edgeseg.checkpoint` (which writes and loads
models) and :mod:`edgeseg.inference` (which runs them)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

from edgeseg.errors import EdgesegError

CARD_KEY = "edgeseg.card"


def read_card_header(path: str | Path) -> dict:
    """The model card in a ``.safetensors`` file, from its JSON header alone (no tensor is read)."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            if length > 100_000_000:
                raise ValueError("header too large")
            header = json.loads(handle.read(length))
    except FileNotFoundError:
        raise EdgesegError(f"{path}: file not found") from None
    except (OSError, ValueError, struct.error, UnicodeDecodeError) as exc:
        raise EdgesegError(f"{path}: not a readable safetensors file ({exc}); re-export or re-train it") from None
    metadata = header.get("__metadata__") or {}
    if CARD_KEY not in metadata:
        raise EdgesegError(f"{path}: holds no edgeseg model card; is it an edgeseg model file?")
    return json.loads(metadata[CARD_KEY])


def resolve_model_file(path: str | Path) -> Path:
    """A model file, or a run folder (its ``best.safetensors``, else ``last.safetensors``)."""
    path = Path(path)
    if path.is_dir() and path.suffix.lower() != ".mlpackage":
        for name in ("best.safetensors", "last.safetensors"):
            if (path / name).is_file():
                return path / name
        raise EdgesegError(f"{path}: no best.safetensors or last.safetensors in this run folder")
    if not path.exists():
        raise EdgesegError(f"{path}: file not found")
    return path
