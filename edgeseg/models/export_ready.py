"""What makes any registered model look the same to inference and export: whether it can be
exported at all, and its raw outputs turned into probabilities (one tensor for a segmentation
model, the named outputs of a screening model). The one wrapper that applies them is
:class:`edgeseg.inference.torch_module.PixelsToProbabilities`."""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.outputs import DME_OUTPUT, DR_OUTPUT, LESION_OUTPUT, REFERABLE_OUTPUT


class NotExportableError(EdgesegError):
    """The model declares ``exportable = False``; the message says why."""


def check_exportable(model: nn.Module) -> None:
    """Refuse a model that declares itself not exportable (for ``torch.export`` / ONNX / TFLite)."""
    if not getattr(model, "exportable", True):
        name = getattr(model, "model_name", type(model).__name__)
        raise NotExportableError(f"model {name!r} cannot be exported: {model.export_blocker}")


def to_probabilities(output: torch.Tensor | dict[str, torch.Tensor], task: str) -> torch.Tensor | dict[str, torch.Tensor]:
    """A model's raw ``output`` as probabilities.

    Segmentation: ``sigmoid(logits)``, (N, C, H, W), channels ``lesions``. Grading (SUNet):
    ``concat(softmax(dr), softmax(dme))``, (N, 8), columns DR0-4 then DME0-2. Screening (the
    graded student): ``{"lesion_probs": (N, C, H, W), "dr_probs": (N, 5), "dme_probs": (N, 3),
    "referable_prob": (N, 1)}`` (:func:`edgeseg.outputs.output_names`, in this order).
    """
    if task == "screening":
        return {LESION_OUTPUT: torch.sigmoid(output["lesion"]), DR_OUTPUT: torch.softmax(output["dr"], dim=1),
                DME_OUTPUT: torch.softmax(output["dme"], dim=1), REFERABLE_OUTPUT: torch.sigmoid(output["referable"])}
    if isinstance(output, dict):
        return torch.cat([torch.softmax(output["dr"], dim=1), torch.softmax(output["dme"], dim=1)], dim=1)
    return torch.sigmoid(output)
