"""Parameter counts of the registered models next to the figures their papers print.

`edgeseg models` prints this table; ``docs/models.md`` is its Markdown output
(`edgeseg models --markdown`). Counts are taken on the ``meta`` device, so even the
250 M-parameter local-global networks are counted without allocating their weights.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from edgeseg.models.registry import create, list_models, model_entry


@dataclass(frozen=True)
class PaperFigure:
    """A configuration to count, the paper's figure for it, and why they differ (if they do)."""

    name: str
    options: dict[str, Any]
    paper: str
    note: str = ""


# Dual2Net's "M" is 2^20 parameters: only that unit makes VGG-16 + HED's 1x1 convs 14.0 M.
FIGURES: tuple[PaperFigure, ...] = (
    PaperFigure("u2xs", {"mode": "mt"}, "0.29 M", "exact: U²-Net topology with mid 8 / out 32 (anchors.md: 291,532)"),
    PaperFigure("u2xs", {"mode": "st", "lesion": "EX"}, "0.29 M", "one output channel (anchors.md: 286,237)"),
    PaperFigure("u2netp", {"mode": "st", "lesion": "EX"}, "1.13 M", "exact (Qin et al. 2020)"),
    PaperFigure("u2net", {"mode": "st", "lesion": "EX"}, "44.0 M (paper 003: 43.87 M)", "matches the reference U²-Net; paper 003 rounds differently"),
    PaperFigure("pspnet", {}, "49.0 M (2^20 units)",
                "46.68 Mi here: the paper's PSPNet has a 3-conv stem (+123,776) and a 1024->512 auxiliary head (+2,360,576); with both it is 49.04 Mi"),
    PaperFigure("dual2net", {"base": "pspnet"}, "75.3 M (2^20 units)", "72.94 Mi here; the same two differences give 75.31 Mi"),
    PaperFigure("deeplabv3", {}, "42.2 M (2^20 units)",
                "torchvision's deeplabv3_resnet50 with aux head (40.05 Mi); the paper's has the stem and head above and a smaller ASPP: 42.17 Mi"),
    PaperFigure("dual2net", {"base": "deeplabv3"}, "61.6 M (2^20 units)", "59.68 Mi here; with the same differences 61.55 Mi"),
    PaperFigure("hed", {}, "14.0 M (2^20 units)", "exact: VGG-16 convs + five 1x1 side convs + fusion = 14.03 Mi"),
    PaperFigure("dual2net", {"base": "hed"}, "26.4 M (2^20 units)", "exact: conv4-conv5, their sides and the fusion are per branch = 26.41 Mi"),
    PaperFigure("redseg", {}, "not given", "VGG-16 conv1-conv5 (14.71 M) + 6 side convs + 2 fusion convs"),
    PaperFigure("unet", {}, "~31 M (Ronneberger et al.)", "depth 4, 64 base channels, four outputs"),
    PaperFigure("localglobal", {"lesion": "EX"}, "not given",
                "GlobalNet depth 6 + LocalNet depth 3; widths capped at 1024 (literal doubling: 511 M, see edgeseg.models.unet)"),
    PaperFigure("localglobal", {"lesion": "HE"}, "not given", "GlobalNet depth 6 + LocalNet depth 6"),
    PaperFigure("localglobal", {"lesion": "SE"}, "not given", "GlobalNet depth 4 + LocalNet depth 6"),
    PaperFigure("localglobal", {"lesion": "MA"}, "not given", "GlobalNet depth 3 + LocalNet depth 3"),
    PaperFigure("localnet", {"lesion": "MA"}, "not given", "LocalNet alone, depth 3 (EX and MA)"),
    PaperFigure("localnet", {"lesion": "HE"}, "not given", "LocalNet alone, depth 6 (HE and SE), widths capped at 1024"),
    PaperFigure("localnet", {"lesion": "MA", "base_channels": 32, "max_channels": 512}, "not given",
                "half the paper's widths: the MA teacher trained on this CPU (docs/results.md)"),
    PaperFigure("localnet", {"lesion": "HE", "base_channels": 32, "max_channels": 512}, "not given",
                "half the paper's widths: the HE teacher trained on this CPU (docs/results.md)"),
    PaperFigure("sunet", {}, "not given", "ResNet-34 + 3 separations / 2 unions of width 256 (the paper gives neither)"),
)


def count_on_meta(name: str, options: dict[str, Any]) -> int:
    """Parameters of ``create(name, **options)``, counted without allocating weights."""
    with torch.device("meta"):
        model = create(name, **options)
    return sum(parameter.numel() for parameter in model.parameters())


def parameter_table() -> list[list[str]]:
    """Rows: model, options, parameters, paper's figure, note; then every registered model the
    figures do not mention, with its default options."""
    rows = []
    named = set()
    for figure in FIGURES:
        count = count_on_meta(figure.name, figure.options)
        options = ", ".join(f"{key}={value}" for key, value in figure.options.items()) or "defaults"
        rows.append([figure.name, options, f"{count:,}", figure.paper, figure.note])
        named.add(figure.name)
    for name in list_models():
        if name not in named:
            rows.append([name, "defaults", f"{count_on_meta(name, {}):,}", "", model_entry(name).description])
    return rows
