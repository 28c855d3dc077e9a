"""One wrapper that makes any registered model look the same to export and benchmarks: one input
tensor (the normalised image, N x 3 x H x W) and probabilities out: one tensor for a segmentation
model, or the named outputs of a screening model (lesion maps and the grades)."""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.errors import EdgesegError
from edgeseg.outputs import DME_OUTPUT, DR_OUTPUT, LESION_OUTPUT, REFERABLE_OUTPUT


class NotExportableError(EdgesegError):
    """The model declares ``exportable = False``; the message says why."""


class ProbabilityModel(nn.Module):
    """Eval-mode model with probabilities out.

    Segmentation: ``sigmoid(logits)``, (N, C, H, W), channels ``lesions``. Grading (SUNet):
    ``concat(softmax(dr), softmax(dme))``, (N, 8), columns DR0-4 then DME0-2. Screening (the
    graded student): ``{"lesion_probs": (N, C, H, W), "dr_probs": (N, 5), "dme_probs": (N, 3),
    "referable_prob": (N, 1)}`` (:func:`edgeseg.outputs.output_names`, in this order).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model.eval()
        self.lesions = tuple(getattr(model, "lesions", ()))
        self.task = getattr(model, "task", "segmentation")

    def forward(self, image: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        output = self.model(image)
        if self.task == "screening":
            return {LESION_OUTPUT: torch.sigmoid(output["lesion"]), DR_OUTPUT: torch.softmax(output["dr"], dim=1),
                    DME_OUTPUT: torch.softmax(output["dme"], dim=1), REFERABLE_OUTPUT: torch.sigmoid(output["referable"])}
        if isinstance(output, dict):
            return torch.cat([torch.softmax(output["dr"], dim=1), torch.softmax(output["dme"], dim=1)], dim=1)
        return torch.sigmoid(output)


def export_ready(model: nn.Module) -> ProbabilityModel:
    """Wrap ``model`` for ``torch.export`` / ONNX / TFLite; refuses a non-exportable model."""
    if not getattr(model, "exportable", True):
        name = getattr(model, "model_name", type(model).__name__)
        raise NotExportableError(f"model {name!r} cannot be exported: {model.export_blocker}")
    return ProbabilityModel(model).eval()
