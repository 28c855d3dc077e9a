"""The network as every inference runner and every exported file sees it: plain RGB pixels in,
probabilities out, in one wrapper.

Input: float32 RGB values 0-255 of the model's square (:mod:`edgeseg.inference.preprocessing`),
NCHW or NHWC. The data set's mean/std normalisation (U²-XS-Net, paper 003, "Pre-processing")
happens here, inside the graph, for the PyTorch runner and for every exported file alike, so no
consumer normalises and an int8 input needs one scale for all three channels: 0-255 quantizes
exactly (scale 1), where normalised channels of very different ranges would not
(``../shared/docs/toolchain.md``, "int8 input" trap). Output: the model's probabilities
(:func:`edgeseg.models.export_ready.to_probabilities`), the lesion maps in the input's layout,
named (``lesion_probs`` and, for a screening model, the grades) where a format needs names.
"""

from __future__ import annotations

import torch
from torch import nn

from edgeseg.inference.formats import LAYOUTS
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.models.export_ready import check_exportable, to_probabilities
from edgeseg.outputs import LESION_OUTPUT


class PixelsToProbabilities(nn.Module):
    """``model`` behind the contract's normalisation, with probabilities out.

    ``layout``: of the input and of the lesion maps out (NHWC for TFLite by default, and for ONNX
    and Core ML on request; the grades have no layout). ``named``: a segmentation model's one
    output also as ``{"lesion_probs": ...}`` (TFLite's signature names its outputs)."""

    def __init__(self, model: nn.Module, preprocessing: Preprocessing, layout: str = "nchw", named: bool = False) -> None:
        super().__init__()
        if layout not in LAYOUTS:
            raise ValueError(f"layout {layout!r}: one of {', '.join(LAYOUTS)}")
        check_exportable(model)
        self.model = model.eval()
        self.preprocessing, self.layout, self.named = preprocessing, layout, named
        self.lesions = tuple(getattr(model, "lesions", ()))
        self.task = getattr(model, "task", "segmentation")
        mean = torch.tensor(preprocessing.mean, dtype=torch.float32).view(1, 3, 1, 1) * 255.0
        scale = 1.0 / (torch.tensor(preprocessing.std, dtype=torch.float32).view(1, 3, 1, 1) * 255.0)
        self.register_buffer("mean", mean)
        self.register_buffer("scale", scale)

    def relaid(self, layout: str, named: bool = False) -> "PixelsToProbabilities":
        """The same network (shared, not copied) with another layout or naming."""
        return PixelsToProbabilities(self.model, self.preprocessing, layout, named).to(self.mean.device).eval()

    def probabilities(self, pixels: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        """The model's probabilities for NCHW ``pixels`` (0-255), normalised here."""
        return to_probabilities(self.model((pixels - self.mean) * self.scale), self.task)

    def forward(self, image: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        output = self.probabilities(image.permute(0, 3, 1, 2) if self.layout == "nhwc" else image)
        if self.layout == "nhwc":
            output = ({name: value.permute(0, 2, 3, 1) if name == LESION_OUTPUT else value for name, value in output.items()}
                      if isinstance(output, dict) else output.permute(0, 2, 3, 1))
        return {LESION_OUTPUT: output} if self.named and not isinstance(output, dict) else output
