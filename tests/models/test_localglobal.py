"""Mutually local-global U-Nets: per-lesion depths, patch tiling and stitching, the rescale-and-crop
of f_g, training and whole-image forwards, and the bounded memory of whole-image inference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from edgeseg.errors import EdgesegError
from edgeseg.models import NotExportableError, check_exportable, count_parameters, create
from edgeseg.models.localglobal import (
    POOLING_DEPTHS,
    crop_global_features,
    downsample_image,
    extract_patches,
    patch_boxes,
    stitch_patches,
)

REPO = Path(__file__).resolve().parents[2]


def _small(**options):
    torch.manual_seed(0)
    defaults = {"base_channels": 4, "global_size": 64, "patch_size": 32}
    return create("localglobal", **{**defaults, **options})


@pytest.mark.parametrize(
    "lesion, global_depth, local_depth",
    [("EX", 6, 3), ("HE", 6, 6), ("SE", 4, 6), ("MA", 3, 3)],  # paper 001, Section 2.1
)
def test_per_lesion_pooling_depths_of_the_paper(lesion, global_depth, local_depth):
    with torch.device("meta"):
        model = create("localglobal", lesion=lesion.lower())
    assert model.lesions == (lesion,)
    assert (model.global_net.depth, model.local_net.depth) == (global_depth, local_depth)
    assert POOLING_DEPTHS[lesion] == (global_depth, local_depth)


@pytest.mark.parametrize(
    "lesion, global_net, local_net",
    [
        ("EX", 125_773_057, 7_785_729),  # depth-6 widths capped at 1024 (edgeseg.models.unet)
        ("HE", 125_773_057, 125_773_057),
        ("SE", 31_384_833, 125_773_057),
        ("MA", 7_785_729, 7_785_729),
    ],
)
def test_parameter_counts_with_the_paper_widths(lesion, global_net, local_net):
    with torch.device("meta"):
        model = create("localglobal", lesion=lesion)
    fusion = 9 * 128 * 64 + 2 * 64 + 9 * 64 * 64 + 2 * 64 + 64 + 1  # bias-free 3x3 convs + BN, 1x1 conv + bias
    assert count_parameters(model.global_net) == global_net
    assert count_parameters(model.local_net) == local_net
    assert count_parameters(model.fusion) == fusion == 110_913
    assert count_parameters(model) == global_net + local_net + fusion


def test_lesion_without_paper_depths_is_a_clear_error():
    with pytest.raises(EdgesegError, match="EX, HE, SE, MA"):
        create("localglobal", lesion="OD")


def test_not_exportable_but_its_unets_are():
    model = _small()
    assert not model.exportable and "patches" in model.export_blocker
    with pytest.raises(NotExportableError):
        check_exportable(model)
    assert model.global_net.exportable and model.local_net.exportable


# --- patch tiling and stitching --------------------------------------------------------------


def test_patch_boxes_by_hand():
    # height 5, width 7, patch 3, stride 3: rows start at 0 and 5-3=2; columns at 0, 3 and 7-3=4
    assert patch_boxes(5, 7, 3, 3) == [
        (0, 0, 3, 3), (0, 3, 3, 6), (0, 4, 3, 7),
        (2, 0, 5, 3), (2, 3, 5, 6), (2, 4, 5, 7),
    ]  # fmt: skip
    assert patch_boxes(4, 4, 2, 1) == [(top, left, top + 2, left + 2) for top in range(3) for left in range(3)]
    assert patch_boxes(256, 512, 256, 256) == [(0, 0, 256, 256), (0, 256, 256, 512)]


@pytest.mark.parametrize("height, width, patch, stride", [(2848, 4288, 256, 256), (600, 900, 256, 128), (33, 35, 8, 5)])
def test_patch_boxes_cover_the_image_and_stay_inside(height, width, patch, stride):
    boxes = patch_boxes(height, width, patch, stride)
    covered = torch.zeros(height, width, dtype=torch.int32)
    for top, left, bottom, right in boxes:
        assert 0 <= top and bottom <= height and 0 <= left and right <= width
        assert (bottom - top, right - left) == (patch, patch)
        covered[top:bottom, left:right] += 1
    assert bool((covered > 0).all())
    if (height, width, stride) == (2848, 4288, 256):
        assert len(boxes) == 12 * 17  # ceil(2848 / 256) rows, ceil(4288 / 256) columns


@pytest.mark.parametrize("height, width, patch, stride", [(10, 10, 11, 11), (10, 10, 4, 5), (10, 10, 4, 0)])
def test_bad_tilings_are_clear_errors(height, width, patch, stride):
    with pytest.raises(EdgesegError):
        patch_boxes(height, width, patch, stride)


@pytest.mark.parametrize("stride", [8, 5, 3])
def test_stitching_reconstructs_an_image_exactly_from_its_patches(stride):
    # Integer-valued floats: sums of up to 9 overlapping copies and their division are exact.
    generator = torch.Generator().manual_seed(0)
    images = torch.randint(-1000, 1000, (2, 3, 21, 30), generator=generator).float()
    boxes = patch_boxes(21, 30, 8, stride)
    index = [0] * len(boxes) + [1] * len(boxes)
    patches = extract_patches(images, boxes + boxes, index)
    assert patches.shape == (2 * len(boxes), 3, 8, 8)
    assert torch.equal(stitch_patches(patches, boxes + boxes, index, 2, 21, 30), images)


def test_stitching_averages_overlaps_and_refuses_gaps():
    ones = torch.ones(1, 1, 2, 2)
    stitched = stitch_patches(torch.cat([ones, 3 * ones]), [(0, 0, 2, 2), (0, 1, 2, 3)], [0, 0], 1, 2, 3)
    assert stitched[0, 0].tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    with pytest.raises(EdgesegError, match="cover"):
        stitch_patches(ones[:1], [(0, 0, 2, 2)], [0], 1, 2, 3)


# --- fusion ------------------------------------------------------------------------------------


def test_global_features_are_rescaled_then_cropped_to_each_patch():
    # f_g of a 40x60 image computed at 10x12: crop == (upsample f_g to 40x60, then cut the box).
    torch.manual_seed(0)
    features = torch.randn(2, 5, 10, 12)
    boxes = [(0, 0, 16, 16), (24, 44, 40, 60), (7, 13, 23, 29)]
    image_index = [1, 0, 1]
    cropped = crop_global_features(features, torch.tensor(boxes), torch.tensor(image_index), (40, 60), 16)
    full = F.interpolate(features, size=(40, 60), mode="bilinear", align_corners=False)
    expected = extract_patches(full, boxes, image_index)
    assert cropped.shape == (3, 5, 16, 16)
    assert torch.allclose(cropped, expected, atol=1e-5)


def test_forward_patches_outputs_and_gradients_reach_both_nets():
    model = _small().train()
    images = torch.randn(2, 3, 96, 80)
    boxes = [(0, 0, 32, 32), (64, 48, 96, 80)]
    patches = extract_patches(images, boxes, [0, 1])
    output = model.forward_patches(downsample_image(images, 64), patches, torch.tensor(boxes), (96, 80))
    assert output["logits"].shape == (2, 1, 32, 32)
    assert output["local"].shape == (2, 1, 32, 32)
    assert output["global"].shape == (2, 1, 64, 64)
    output["logits"].sum().backward()  # the fused loss alone trains GlobalNet, LocalNet and fusion
    for part in (model.global_net.encoder, model.local_net.encoder, model.fusion):
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters())


def test_forward_patches_needs_image_index_when_patches_outnumber_images():
    model = _small()
    with pytest.raises(EdgesegError, match="image_index"):
        model.forward_patches(torch.randn(1, 3, 64, 64), torch.randn(2, 3, 32, 32), torch.zeros(2, 4), (64, 64))


def test_whole_image_inference_is_the_stitched_fused_patches():
    model = _small(stride=24).eval()
    image = torch.randn(1, 3, 64, 80)
    with torch.no_grad():
        logits = model(image)
        boxes = patch_boxes(64, 80, 32, 24)
        patches = extract_patches(image, boxes, [0] * len(boxes))
        fused = model.forward_patches(
            downsample_image(image, 64), patches, torch.tensor(boxes), (64, 80), torch.zeros(len(boxes), dtype=torch.long)
        )["logits"]
    assert logits.shape == (1, 1, 64, 80)
    assert torch.allclose(logits, stitch_patches(fused, boxes, [0] * len(boxes), 1, 64, 80), atol=1e-5)


def test_training_forward_tiles_the_whole_image_with_gradients():
    model = _small().train()
    output = model(torch.randn(2, 3, 64, 96))
    assert output["logits"].shape == (2, 1, 64, 96) and output["logits"].requires_grad
    assert output["local"].shape == (2, 1, 64, 96)
    assert output["global"].shape == (2, 1, 64, 64)


def test_images_smaller_than_a_patch_are_padded_and_cropped_back():
    model = _small().eval()
    assert model(torch.randn(1, 3, 20, 50)).shape == (1, 1, 20, 50)


def test_whole_image_inference_runs_patches_in_bounded_batches():
    # 600x900 with the paper's global and patch sizes (small widths): 3 x 4 patches of 256,
    # at most patch_batch of them through LocalNet at once, without autograd.
    model = create("localglobal", lesion="MA", base_channels=4, patch_batch=3).eval()
    batch_sizes = []
    first_block = model.local_net.encoder[0]
    first_block.register_forward_hook(lambda module, inputs, output: batch_sizes.append(inputs[0].shape[0]))
    logits = model(torch.randn(1, 3, 600, 900))
    assert logits.shape == (1, 1, 600, 900) and not logits.requires_grad
    assert batch_sizes == [3, 3, 3, 3]
    assert torch.isfinite(logits).all()


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_idrid_size_inference_with_paper_widths_stays_under_4_gib():
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "localglobal_memory.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["height"] == 2848 and summary["width"] == 4288 and summary["base_channels"] == 64
    assert summary["peak_rss_mb"] < 4096, result.stdout


@pytest.mark.parametrize("lesion", sorted(POOLING_DEPTHS))
def test_localnet_alone_is_the_local_unet_of_the_paper(lesion):
    model = create("localnet", lesion=lesion, base_channels=4).eval()
    assert model.lesions == (lesion,)
    assert model.depth == POOLING_DEPTHS[lesion].local_depth  # paper 001, Section 2.1
    with torch.no_grad():
        assert model(torch.rand(1, 3, 70, 90)).shape == (1, 1, 70, 90)  # any whole-image size


def test_localnet_rejects_an_unknown_lesion():
    with pytest.raises(EdgesegError, match="LocalNet lesion must be one of"):
        create("localnet", lesion="OD")
