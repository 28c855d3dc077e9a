"""Every registered model, built with its smoke options on a tiny input: forward in train and
eval mode, backward, the output contract, and torch.export of the export-ready wrapper."""

from __future__ import annotations

import pytest
import torch

from edgeseg.errors import EdgesegError
from edgeseg.inference.preprocessing import Preprocessing
from edgeseg.inference.torch_module import PixelsToProbabilities
from edgeseg.models import NotExportableError, check_exportable, create, list_models, model_entry

MODELS = list_models()


def _build(name: str):
    entry = model_entry(name)
    torch.manual_seed(0)
    model = create(name, **entry.smoke_options)
    size = entry.smoke_size
    multiple = model.size_multiple
    size = max(multiple, size // multiple * multiple)
    return model, torch.randn(2, 3, size, size)


def test_registry_lists_the_seed_architectures():
    expected = {"u2xs", "u2netp", "u2net", "redseg", "hed", "pspnet", "deeplabv3", "dual2net", "unet", "localglobal", "sunet"}
    assert expected <= set(MODELS)


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(EdgesegError, match="unknown model 'u2sx'.*u2xs.*Did you mean 'u2xs'"):
        create("u2sx")


def test_bad_option_is_a_clear_error():
    with pytest.raises(EdgesegError, match="model 'u2xs'"):
        create("u2xs", colour="blue")


@pytest.mark.parametrize("name", MODELS)
def test_train_mode_forward_and_backward(name):
    model, x = _build(name)
    model.train()
    output = model(x)
    assert isinstance(output, dict) and "logits" in output
    loss = sum(value.float().mean() for value in _tensors(output))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert any(g is not None and g.abs().sum() > 0 for g in grads)


def _tensors(output):
    for value in output.values():
        if isinstance(value, torch.Tensor):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                yield from _tensors({"x": item}) if isinstance(item, dict) else [item]
        elif isinstance(value, dict):
            yield from _tensors(value)


@pytest.mark.parametrize("name", MODELS)
def test_eval_output_contract(name):
    model, x = _build(name)
    model.eval()
    with torch.no_grad():
        output = model(x)
    if model.task in ("grading", "screening"):
        assert output["dr"].shape == (2, 5) and output["dme"].shape == (2, 3)
        assert output["lesion"].shape[:2] == (2, model.num_lesions)
        if model.task == "screening":
            assert output["referable"].shape == (2, 1) and output["lesion"].shape == (2, model.num_lesions, *x.shape[-2:])
    else:
        assert isinstance(output, torch.Tensor)
        assert output.shape == (2, model.num_lesions, *x.shape[-2:])
        assert torch.isfinite(output).all()
    assert model.model_name == name


@pytest.mark.parametrize("name", MODELS)
def test_torch_export_of_the_inference_wrapper(name):
    model, x = _build(name)
    if not model.exportable:
        assert model.export_blocker
        with pytest.raises(NotExportableError, match=name):
            check_exportable(model)
        return
    wrapper = PixelsToProbabilities(model, Preprocessing(x.shape[-1], False, (0, 0, 0), (1 / 255,) * 3))  # pixels as they are
    exported = torch.export.export(wrapper, (x[:1],))
    with torch.no_grad():
        expected = wrapper(x[:1])
        actual = exported.module()(x[:1])
    pairs = [(actual[key], value) for key, value in expected.items()] if isinstance(expected, dict) else [(actual, expected)]
    for mine, theirs in pairs:
        assert torch.allclose(mine, theirs, atol=1e-5)
        assert float(theirs.min()) >= 0 and float(theirs.max()) <= 1
