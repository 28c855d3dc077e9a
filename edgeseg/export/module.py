"""The network as it is exported: :class:`edgeseg.inference.torch_module.PixelsToProbabilities`
(plain RGB pixels 0-255 in, the card's normalisation inside, probabilities out) in the file's
layout. Input ``image``; output ``lesion_probs`` (NCHW or NHWC), and for a screening model also
``dr_probs``, ``dme_probs`` and ``referable_prob`` (:func:`edgeseg.outputs.output_names`)."""

from __future__ import annotations

import torch

INPUT_NAME = "image"


def to_layout(batch: torch.Tensor, layout: str) -> torch.Tensor:
    """An NCHW batch in ``layout``."""
    return batch.permute(0, 2, 3, 1).contiguous() if layout == "nhwc" else batch
