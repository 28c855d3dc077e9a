"""SUNet (paper 002): output contract, feature blending, lesion regulariser, class activation maps."""

from __future__ import annotations

import copy

import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.losses.sunet import sunet_loss
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.torch_module import PixelsToProbabilities
from edgeseg.models import count_parameters, create
from edgeseg.models.sunet import DiseaseClassifier


@pytest.fixture(scope="module")
def small():
    torch.manual_seed(0)
    return create("sunet", width=32)


def test_parameter_count_of_the_default_model():
    # ResNet-34 without fc 21,284,672; blending block (3 separations, 2 unions, width 256)
    # 7,475,712; DR head 591,365; DME head 590,851; LR-Net 394,564.
    model = create("sunet")
    assert count_parameters(model) == 30_337_164
    assert count_parameters(model.encoder) == 21_284_672
    assert model.task == "grading" and model.lesions == ("MA", "HE", "EX", "SE")


@pytest.mark.parametrize("steps", [1, 2, 4])
def test_blending_steps_build_separations_and_unions(steps):
    blending = create("sunet", width=8, blending_steps=steps).blending
    assert len(blending.lesion_layers) == len(blending.diagnosis_layers) == steps
    assert len(blending.unions) == steps - 1
    assert blending.lesion_compress.in_channels == steps * 8


def test_bad_blending_steps_is_a_clear_error():
    with pytest.raises(EdgesegError, match="blending_steps"):
        create("sunet", blending_steps=0)


def test_eval_outputs_and_cam_shapes(small):
    with torch.no_grad():
        output = small.eval()(torch.randn(2, 3, 72, 100))
    assert output["dr"].shape == (2, 5) and output["dme"].shape == (2, 3)
    assert output["lesion"].shape == (2, 4, 72, 100)
    assert output["cam"]["dr"].shape == (2, 5, 72, 100)
    assert output["cam"]["dme"].shape == (2, 3, 72, 100)


def test_train_output_carries_the_lesion_logits(small):
    small.train()
    output = small(torch.randn(2, 3, 64, 64))
    assert set(output) == {"logits", "dr", "dme", "lesion"}
    assert output["logits"] is output["lesion"] and output["lesion"].shape == (2, 4, 64, 64)
    loss = sunet_loss(output, torch.tensor([0, 4]), torch.tensor([2, 1]), torch.zeros(2, 4, 64, 64))
    loss.backward()
    assert small.lesion_regulariser.classifier.weight.grad is not None
    assert small.dme_classifier.linear.weight.grad is not None
    small.zero_grad()


def test_lesions_option_sets_the_channels():
    model = create("sunet", width=8, lesions="ex,se").eval()
    assert model.lesions == ("EX", "SE")
    with torch.no_grad():
        assert model(torch.randn(1, 3, 64, 64))["lesion"].shape == (1, 2, 64, 64)


def _dr_after_perturbing_the_first_lesion_layer(model, image):
    model = copy.deepcopy(model).eval()
    with torch.no_grad():
        before = model(image)["dr"]
        for parameter in model.blending.lesion_layers[0].parameters():
            parameter.add_(torch.randn_like(parameter))
        after = model(image)["dr"]
    return before, after


def test_union_blends_lesion_features_into_the_diagnosis():
    torch.manual_seed(0)
    image = torch.randn(1, 3, 64, 64)
    separate = create("sunet", width=8, blending_steps=1)
    before, after = _dr_after_perturbing_the_first_lesion_layer(separate, image)
    assert torch.equal(before, after)  # one separation, no union: D never sees L_0
    blended = create("sunet", width=8, blending_steps=2)
    before, after = _dr_after_perturbing_the_first_lesion_layer(blended, image)
    assert not torch.allclose(before, after)  # M_1 = U(L_0, D_0) feeds D_1


def test_cam_is_the_class_score_before_pooling():
    # With one feature map F and weights w_c >= 0: score_c - b_c = w_c max ReLU(F) = max CAM_c.
    torch.manual_seed(0)
    head = DiseaseClassifier(in_channels=3, width=1, classes=5)
    with torch.no_grad():
        head.linear.weight.abs_()
        x = torch.randn(2, 3, 6, 7)
        cam = head.activation_maps(x)
        scores = head(x)
    assert cam.shape == (2, 5, 6, 7)
    assert torch.allclose(scores - head.linear.bias, cam.amax(dim=(2, 3)), atol=1e-6)
    expected = head.linear.weight[None, :, :, None] * torch.relu(head.conv(x))
    assert torch.allclose(cam, expected, atol=1e-6)


def test_export_wrapper_gives_dr_then_dme_probabilities(small):
    with torch.no_grad():
        probabilities = PixelsToProbabilities(small, Preprocessing(64, False, (0, 0, 0), (1 / 255,) * 3))(torch.randn(2, 3, 64, 64))
    assert probabilities.shape == (2, 8)
    assert torch.allclose(probabilities[:, :5].sum(dim=1), torch.ones(2))
    assert torch.allclose(probabilities[:, 5:].sum(dim=1), torch.ones(2))
