"""The graded student: U²-XS-Net MT (paper 003) with a small grading head that reads its lesion
maps and gives the screening verdict, DR grade (5 classes), DME risk (3 classes) and a referral
probability (referable: DR grade 2 or higher, or DME risk 2), from one network on a phone.

The head sees only the student's four lesion probability maps, pooled to a ``grid`` x ``grid``
grid twice, by average (how much of each cell is lesion: areas) and by maximum (whether a cell
holds a lesion at all: microaneurysms a few pixels wide survive it), plus one fixed channel, the
distance of each cell from the square's centre. The field of view is centred in the square and
the macula lies near its centre, so this channel lets the head tell exudates near the macula
(DME risk 2: within one disc diameter of the fovea) from exudates far from it (risk 1), as the
IDRiD grading protocol does; left and right eyes are mirror images, and the distance is the same
in both. Three 3x3 convolutions with max-pooling, global average and max pooling, and a
two-layer perceptron give the 9 logits. Cost at 512 px: about 3.1 MMACs and 17,833 parameters, under 0.1 % of the
student's 13.1 GMACs.

The student is trained for segmentation and stays frozen while the head learns (its lesion test
figures stay valid); the head is trained on the pooled grids of the grading photographs
(:mod:`edgeseg.train.grading_head`), which is what :meth:`GradingHead.classify` takes.

Outputs (``task = "screening"``): eval ``{"lesion": (N, 4, H, W), "dr": (N, 5), "dme": (N, 3),
"referable": (N, 1)}``, all logits. SUNet (paper 002) grades the same two diseases from a
ResNet-34; this head grades from the maps a phone model already computes.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from edgeseg.models.base import LesionModel
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper
from edgeseg.models.u2net import u2xs



def radial_channel(grid: int) -> torch.Tensor:
    """(1, 1, grid, grid) distance of each cell centre from the square's centre, 1 at a side's middle."""
    centres = (torch.arange(grid, dtype=torch.float32) + 0.5) / grid * 2 - 1
    y, x = torch.meshgrid(centres, centres, indexing="ij")
    return torch.sqrt(x**2 + y**2)[None, None]


class GradingHead(nn.Module):
    """Lesion probabilities (N, L, S, S) -> DR (5), DME (3) and referable (1) logits."""

    def __init__(self, lesions: int = 4, grid: int = 32, width: int = 16, dropout: float = 0.3) -> None:
        super().__init__()
        self.grid = grid
        self.register_buffer("radius", radial_channel(grid))
        inputs = 2 * lesions + 1
        self.features = nn.Sequential(
            nn.Conv2d(inputs, width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(inplace=True),
        )
        self.classifier = nn.Sequential(
            nn.Linear(4 * width + 2 * lesions, 32), nn.ReLU(inplace=True), nn.Dropout(dropout), nn.Linear(32, 5 + 3 + 1),
        )

    def pool(self, probabilities: torch.Tensor) -> torch.Tensor:
        """(N, 2L, grid, grid): the maps pooled by average, then by maximum (the size must be a
        multiple of ``grid``)."""
        cell = probabilities.shape[-1] // self.grid
        return torch.cat([F.avg_pool2d(probabilities, cell), F.max_pool2d(probabilities, cell)], dim=1)

    def classify(self, grids: torch.Tensor) -> dict[str, torch.Tensor]:
        """Logits from pooled grids (what training caches)."""
        lesions = grids.shape[1] // 2
        radius = self.radius.expand(grids.shape[0], 1, self.grid, self.grid)
        hidden = self.features(torch.cat([grids, radius], dim=1))
        summary = torch.cat([
            hidden.mean(dim=(2, 3)), hidden.amax(dim=(2, 3)),
            torch.log(grids[:, :lesions].mean(dim=(2, 3)) + 1e-4),  # log lesion area share per lesion
            grids[:, lesions:].amax(dim=(2, 3)),  # largest probability per lesion
        ], dim=1)
        logits = self.classifier(summary)
        return {"dr": logits[:, :5], "dme": logits[:, 5:8], "referable": logits[:, 8:]}

    def forward(self, probabilities: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.classify(self.pool(probabilities))


class GradedStudent(LesionModel):
    """U²-XS-Net MT and its grading head; ``student`` and ``head`` are the parts."""

    task = "screening"

    def __init__(self, grid: int = 32, width: int = 16) -> None:
        student = u2xs(mode="mt")
        super().__init__(student.lesions)
        self.student = student
        self.head = GradingHead(len(self.lesions), grid, width)
        self.size_multiple = grid

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        output = self.student(x)
        logits = output["logits"] if isinstance(output, dict) else output
        grading = self.head(torch.sigmoid(logits))
        if self.training:
            return {**(output if isinstance(output, dict) else {}), "logits": logits, **grading}
        return {"lesion": logits, **grading}


@register_model(
    "u2xs_graded",
    "U²-XS-Net MT with a grading head on its lesion maps: DR grade, DME risk, referral",
    seed_paper("003", "with edgeseg's screening head (grades as paper 002 / IDRiD sub-challenge 2)"),
    smoke_options={"grid": 8, "width": 4},
    smoke_size=64,
)
def u2xs_graded(grid: int = 32, width: int = 16) -> GradedStudent:
    """The graded student: ``grid`` cells per side of the pooled maps, ``width`` channels in the head."""
    return GradedStudent(grid, width)
