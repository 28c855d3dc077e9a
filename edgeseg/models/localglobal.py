"""Mutually local-global U-Nets (paper 001, Yan et al.): one model per lesion.

Three parts (Section 2.1, Fig. 1):

- **GlobalNet**: a :class:`~edgeseg.models.unet.UNet` on the whole image downsampled to
  ``global_size`` x ``global_size`` (640). Pooling layers: 6 for EX and HE, 4 for SE, 3 for MA.
- **LocalNet**: a U-Net on ``patch_size`` x ``patch_size`` (256) full-resolution patches. Pooling
  layers: 3 for EX and MA, 6 for HE and SE.
- **Fusion**: GlobalNet's last decoder map f_g (before its output conv) is rescaled and cropped
  to the patch's region (:func:`crop_global_features`), concatenated to LocalNet's last decoder
  map f_l, and two 3x3 convs and one 1x1 conv give the patch's segmentation
  (:class:`FusionHead`).

Whole-image inference (eval-mode ``forward``): GlobalNet runs once on the downsampled image; the
image is tiled by :func:`patch_boxes` (stride ``stride``, default ``patch_size``: no overlap
except that the last row and column of patches are aligned to the image border); patches go
through LocalNet and the fusion ``patch_batch`` at a time, and :class:`PatchStitcher` writes the
fused logits into a full-resolution map, averaging logits where patches overlap. Only
``patch_batch`` patches' activations exist at any time: a 2848x4288 IDRiD image with the paper's
widths peaks at about 3.7 GiB on the CPU for EX, two thirds of it the 0.5 G parameters of the
depth-6 GlobalNet (``benchmarks/localglobal_memory.py``).

Training (Section 2.2) uses :meth:`LocalGlobalUNet.forward_patches` on the downsampled whole
images plus patches cut at full resolution and their boxes; the losses are in
:mod:`edgeseg.losses.weighted_ce`. The paper's centre crop of IDRiD to 2816x3328 belongs to the
data pipeline, not to the model.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.ops import roi_align

from edgeseg.errors import EdgesegError
from edgeseg.models.base import LesionModel, resolve_lesions
from edgeseg.models.blocks import ConvBNReLU
from edgeseg.models.registry import register_model
from edgeseg.papers import seed_paper
from edgeseg.models.unet import UNet


class PoolingDepths(NamedTuple):
    """Number of pooling layers of GlobalNet and LocalNet for one lesion."""

    global_depth: int
    local_depth: int


# Paper 001, Section 2.1: GlobalNet 6 (EX, HE), 4 (SE), 3 (MA); LocalNet 3 (EX, MA), 6 (HE, SE).
POOLING_DEPTHS: dict[str, PoolingDepths] = {
    "EX": PoolingDepths(6, 3),
    "HE": PoolingDepths(6, 6),
    "SE": PoolingDepths(4, 6),
    "MA": PoolingDepths(3, 3),
}

TRAINING_OUTPUTS = ("logits", "global", "local")
"""The outputs of :meth:`LocalGlobalUNet.forward_patches`: fused, GlobalNet's and LocalNet's logits."""

Box = tuple[int, int, int, int]
"""A patch's region ``(top, left, bottom, right)`` in full-resolution pixels, bottom/right excluded."""


def _axis_starts(size: int, patch: int, stride: int) -> list[int]:
    """Starts of patches along one axis: every ``stride`` pixels, the last one flush with the end."""
    starts = list(range(0, size - patch, stride))
    return starts + [size - patch]


def patch_boxes(height: int, width: int, patch: int, stride: int) -> list[Box]:
    """Boxes of ``patch`` x ``patch`` patches covering a ``height`` x ``width`` image, row-major.

    Patches start every ``stride`` pixels (``stride <= patch``, so nothing is skipped); the last
    row and column are shifted to end at the border, so every box lies inside the image and
    neighbours overlap only where the size is not a multiple of ``stride``.
    """
    if patch < 1 or not 0 < stride <= patch:
        raise EdgesegError(f"need 0 < stride <= patch, got patch {patch}, stride {stride}")
    if patch > height or patch > width:
        raise EdgesegError(f"patch {patch} is larger than the image ({height}x{width})")
    return [
        (top, left, top + patch, left + patch)
        for top in _axis_starts(height, patch, stride)
        for left in _axis_starts(width, patch, stride)
    ]


def extract_patches(images: torch.Tensor, boxes: list[Box], image_index: list[int]) -> torch.Tensor:
    """Cut ``boxes[k]`` out of ``images[image_index[k]]``: (N, C, H, W) -> (K, C, patch, patch)."""
    pairs = zip(image_index, boxes, strict=True)
    return torch.stack([images[index, :, top:bottom, left:right] for index, (top, left, bottom, right) in pairs])


class PatchStitcher:
    """Accumulates patch outputs into a (batch, channels, height, width) map, averaging where
    patches overlap; the map takes the dtype and device of ``like``."""

    def __init__(self, batch: int, channels: int, height: int, width: int, like: torch.Tensor) -> None:
        self.total = like.new_zeros(batch, channels, height, width)
        self.count = like.new_zeros(batch, 1, height, width)

    def add(self, patches: torch.Tensor, boxes: list[Box], image_index: list[int]) -> None:
        """Add ``patches`` (K, C, h, w), patch k at ``boxes[k]`` of image ``image_index[k]``."""
        for patch, index, (top, left, bottom, right) in zip(patches, image_index, boxes, strict=True):
            self.total[index, :, top:bottom, left:right] += patch
            self.count[index, :, top:bottom, left:right] += 1

    def result(self) -> torch.Tensor:
        """The averaged map (N, C, H, W); pixels no patch covered are an error."""
        if bool((self.count == 0).any()):
            raise EdgesegError("the patches do not cover the whole image")
        return self.total / self.count


def stitch_patches(patches: torch.Tensor, boxes: list[Box], image_index: list[int], batch: int, height: int, width: int) -> torch.Tensor:
    """The (batch, C, height, width) map whose patch ``boxes[k]`` of image ``image_index[k]`` is
    ``patches[k]``, overlaps averaged: the inverse of :func:`extract_patches`."""
    stitcher = PatchStitcher(batch, patches.shape[1], height, width, patches)
    stitcher.add(patches, boxes, image_index)
    return stitcher.result()


def downsample_image(images: torch.Tensor, size: int) -> torch.Tensor:
    """GlobalNet's input: the whole image resized to ``size`` x ``size`` (paper 001, Section 2.2),
    bilinear with antialiasing (area-like when shrinking). Training data should use the same."""
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def crop_global_features(
    global_features: torch.Tensor,
    boxes: torch.Tensor,
    image_index: torch.Tensor,
    image_size: tuple[int, int],
    output_size: int,
) -> torch.Tensor:
    """Rescale and crop f_g to each patch's region (paper 001, "Feature Fusion").

    ``global_features`` (N, C, h, w) was computed on the whole (H, W) = ``image_size`` image
    resized to (h, w); ``boxes`` (K, 4) are (top, left, bottom, right) in full-resolution pixels.
    The result (K, C, output_size, output_size) equals bilinearly upsampling f_g to (H, W)
    (``align_corners=False``) and cropping each box, but never builds the full-resolution map
    (C x 2848 x 4288 floats would be 3 GB): ``roi_align`` with ``aligned=True`` and one sample
    per bin samples f_g at exactly those coordinates. Differentiable in f_g, so the local loss
    also trains GlobalNet ("mutually" enhanced).
    """
    height, width = image_size
    scale_y = global_features.shape[-2] / height
    scale_x = global_features.shape[-1] / width
    boxes = boxes.to(global_features.dtype)
    rois = torch.stack(
        [
            image_index.to(global_features.dtype),
            boxes[:, 1] * scale_x,
            boxes[:, 0] * scale_y,
            boxes[:, 3] * scale_x,
            boxes[:, 2] * scale_y,
        ],
        dim=1,
    )
    return roi_align(global_features, rois, (output_size, output_size), spatial_scale=1.0, sampling_ratio=1, aligned=True)


class FusionHead(nn.Sequential):
    """concat(f_l, f_g) -> conv3x3-BN-ReLU -> conv3x3-BN-ReLU -> conv1x1 (paper 001, "Feature
    Fusion": "two 3x3 and one 1x1 convolution layers"); ``width`` channels in between (the paper
    gives none: the U-Nets' ``base_channels``)."""

    def __init__(self, in_channels: int, width: int, classes: int = 1) -> None:
        super().__init__(ConvBNReLU(in_channels, width), ConvBNReLU(width, width), nn.Conv2d(width, classes, 1))


class LocalGlobalUNet(LesionModel):
    """GlobalNet + LocalNet + fusion for one lesion; see the module docstring."""

    exportable = False
    export_blocker = (
        "whole-image inference tiles the image into a size-dependent number of patches in a Python "
        "loop and stitches them; export its GlobalNet and LocalNet (plain 'unet' models) instead"
    )

    def __init__(
        self,
        lesion: str = "EX",
        base_channels: int = 64,
        global_size: int = 640,
        patch_size: int = 256,
        stride: int | None = None,
        patch_batch: int = 4,
        max_channels: int = 1024,
    ) -> None:
        super().__init__(resolve_lesions([lesion]))
        name = self.lesions[0]
        if name not in POOLING_DEPTHS:
            raise EdgesegError(f"localglobal has pooling depths for {', '.join(POOLING_DEPTHS)} only, got {name}")
        if patch_batch < 1:
            raise EdgesegError(f"patch_batch must be positive, got {patch_batch}")
        self.depths = POOLING_DEPTHS[name]
        self.global_size = global_size
        self.patch_size = patch_size
        self.stride = patch_size if stride is None else stride
        self.patch_batch = patch_batch
        self.global_net = UNet(self.lesions, self.depths.global_depth, base_channels, max_channels=max_channels)
        self.local_net = UNet(self.lesions, self.depths.local_depth, base_channels, max_channels=max_channels)
        fused_channels = self.global_net.feature_channels + self.local_net.feature_channels
        self.fusion = FusionHead(fused_channels, base_channels)

    def stage_parameters(self, part: str) -> list[nn.Parameter]:
        """Parameters of one part for staged training (paper 001, Section 2.3): ``global``
        (GlobalNet), ``local`` (LocalNet) or ``fusion`` (the fusion module)."""
        parts = {"global": self.global_net, "local": self.local_net, "fusion": self.fusion}
        if part not in parts:
            raise EdgesegError(f"unknown part {part!r}; choose from {', '.join(parts)}")
        return list(parts[part].parameters())

    def fuse_patches(
        self,
        global_features: torch.Tensor,
        patches: torch.Tensor,
        boxes: torch.Tensor,
        image_index: torch.Tensor,
        image_size: tuple[int, int],
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(fused logits, LocalNet logits) of ``patches`` (K, 3, p, p), given f_g of the images."""
        local_features, local_logits = self.local_net.features(patches)
        cropped = crop_global_features(global_features, boxes, image_index, image_size, patches.shape[-1])
        fused = self.fusion(torch.cat([local_features, cropped], dim=1))
        return fused, local_logits

    def forward_patches(
        self,
        global_image: torch.Tensor,
        patches: torch.Tensor,
        boxes: torch.Tensor,
        image_size: tuple[int, int],
        image_index: torch.Tensor | None = None,
        outputs: tuple[str, ...] = TRAINING_OUTPUTS,
    ) -> dict[str, torch.Tensor]:
        """Training step of the fused net (paper 001, Fig. 1).

        ``global_image`` (N, 3, g, g): the whole images resized by :func:`downsample_image`;
        ``patches`` (K, 3, p, p): cut at full resolution from images of size ``image_size``
        (H, W) at ``boxes`` (K, 4) = (top, left, bottom, right); ``image_index`` (K,) says which
        image each patch comes from (default: patch k from image k, so K == N).

        Returns ``logits`` (K, 1, p, p) the fused patch logits (L_local of Eq. 1), ``global``
        (N, 1, g, g) GlobalNet's logits (L_global) and ``local`` (K, 1, p, p) LocalNet's own
        logits (its pre-training output).

        ``outputs`` names the outputs the caller's loss uses, and only the parts they need run:
        ``("global",)`` runs GlobalNet alone (its pre-training), ``("local",)`` LocalNet alone
        (its pre-training); any set with ``logits`` runs all three parts and returns all three.
        """
        unknown = set(outputs) - set(TRAINING_OUTPUTS)
        if unknown or not outputs:
            raise EdgesegError(f"outputs must be a non-empty subset of {', '.join(TRAINING_OUTPUTS)}, got {outputs!r}")
        if "logits" not in outputs:
            parts = {"global": (self.global_net, global_image), "local": (self.local_net, patches)}
            return {name: parts[name][0].features(parts[name][1])[1] for name in outputs}
        if image_index is None:
            if patches.shape[0] != global_image.shape[0]:
                raise EdgesegError(
                    f"{patches.shape[0]} patches for {global_image.shape[0]} images: pass image_index to say which image each patch is from"
                )
            image_index = torch.arange(patches.shape[0], device=patches.device)
        global_features, global_logits = self.global_net.features(global_image)
        fused, local_logits = self.fuse_patches(global_features, patches, boxes, image_index, image_size)
        return {"logits": fused, "global": global_logits, "local": local_logits}

    def segment_image(self, images: torch.Tensor, stitch_local: bool = True) -> dict[str, torch.Tensor]:
        """Whole-image segmentation by tiling (paper 001: "conduct segmentation on patches and
        stitch the outputs"), ``patch_batch`` patches at a time.

        Returns ``logits`` (N, 1, H, W) the stitched fused logits, ``global`` (N, 1, g, g)
        GlobalNet's logits and, with ``stitch_local``, ``local`` (N, 1, H, W) the stitched
        LocalNet logits. Images smaller than a patch are zero-padded at the bottom and right and
        the outputs cropped back.
        """
        height, width = images.shape[-2:]
        padded_height, padded_width = max(height, self.patch_size), max(width, self.patch_size)
        if (padded_height, padded_width) != (height, width):
            images = F.pad(images, (0, padded_width - width, 0, padded_height - height))
        image_size = (padded_height, padded_width)
        global_features, global_logits = self.global_net.features(downsample_image(images, self.global_size))
        boxes = patch_boxes(padded_height, padded_width, self.patch_size, self.stride)
        jobs = [(index, box) for index in range(images.shape[0]) for box in boxes]
        fused_map = PatchStitcher(images.shape[0], self.num_lesions, padded_height, padded_width, images)
        local_map = PatchStitcher(images.shape[0], self.num_lesions, padded_height, padded_width, images) if stitch_local else None
        for start in range(0, len(jobs), self.patch_batch):
            chunk_index = [index for index, _ in jobs[start : start + self.patch_batch]]
            chunk_boxes = [box for _, box in jobs[start : start + self.patch_batch]]
            patches = extract_patches(images, chunk_boxes, chunk_index)
            fused, local_logits = self.fuse_patches(
                global_features,
                patches,
                torch.tensor(chunk_boxes, device=images.device),
                torch.tensor(chunk_index, device=images.device),
                image_size,
            )
            fused_map.add(fused, chunk_boxes, chunk_index)
            if local_map is not None:
                local_map.add(local_logits, chunk_boxes, chunk_index)
        output = {"logits": fused_map.result()[..., :height, :width], "global": global_logits}
        if local_map is not None:
            output["local"] = local_map.result()[..., :height, :width]
        return output

    def forward(
        self,
        x: torch.Tensor,
        patches: torch.Tensor | None = None,
        boxes: torch.Tensor | None = None,
        image_size: tuple[int, int] | None = None,
        image_index: torch.Tensor | None = None,
        outputs: tuple[str, ...] = TRAINING_OUTPUTS,
    ) -> torch.Tensor | dict[str, torch.Tensor]:
        """Eval: stitched fused logits (N, 1, H, W) of whole images, computed without gradients.

        Train with ``patches``: :meth:`forward_patches` (``x`` is then the downsampled whole
        image; ``outputs`` as there), the form a training step uses so that
        DistributedDataParallel sees an ordinary forward. Train without: the tiling of eval with gradients (the dict of
        :meth:`segment_image`), which holds every patch's activations.
        """
        if patches is not None:
            return self.forward_patches(x, patches, boxes, image_size, image_index, outputs)
        if self.training:
            return self.segment_image(x)
        with torch.no_grad():
            return self.segment_image(x, stitch_local=False)["logits"]


@register_model(
    "localglobal",
    "Mutually local-global U-Nets: GlobalNet (640 px) + LocalNet (256 px patches) + fusion, one lesion",
    seed_paper("001"),
    smoke_options={"lesion": "EX", "base_channels": 4, "global_size": 64, "patch_size": 32},
    smoke_size=64,
)
def localglobal(
    lesion: str = "EX",
    base_channels: int = 64,
    global_size: int = 640,
    patch_size: int = 256,
    stride: int | None = None,
    patch_batch: int = 4,
    max_channels: int = 1024,
) -> LocalGlobalUNet:
    """The fused model for ``lesion`` (EX, HE, SE or MA; the paper's per-lesion pooling depths).
    ``stride`` between patches defaults to ``patch_size``; ``patch_batch`` patches run at once in
    whole-image inference; U-Net widths are capped at ``max_channels`` (see :mod:`edgeseg.models.unet`)."""
    return LocalGlobalUNet(lesion, base_channels, global_size, patch_size, stride, patch_batch, max_channels)


@register_model(
    "localnet",
    "LocalNet alone: the U-Net of the mutually local-global U-Nets, trained on full-resolution patches, one lesion",
    seed_paper("001"),
    smoke_options={"lesion": "MA", "base_channels": 4},
)
def localnet(lesion: str = "EX", base_channels: int = 64, max_channels: int = 1024) -> UNet:
    """Paper 001's LocalNet used alone (its "LocalNet" baseline row): a U-Net with the paper's
    local pooling depth for ``lesion`` (3 for EX and MA, 6 for HE and SE, Section 2.1), trained
    on full-resolution patches. A whole image runs in one fully convolutional pass instead of
    stitched patches (the U-Net pads it to a multiple of 2^depth). ``base_channels`` and
    ``max_channels`` set the widths (64 and 1024 in the paper; see :mod:`edgeseg.models.unet`)."""
    if lesion not in POOLING_DEPTHS:
        raise EdgesegError(f"LocalNet lesion must be one of {', '.join(POOLING_DEPTHS)}, got {lesion!r}")
    return UNet((lesion,), depth=POOLING_DEPTHS[lesion].local_depth, base_channels=base_channels, max_channels=max_channels)
