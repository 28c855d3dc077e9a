"""The model zoo: every seed architecture behind one registry and one factory.

>>> from edgeseg import models
>>> student = models.create("u2xs", mode="mt")      # U²-XS-Net, four lesions
>>> models.list_models()                            # every registered name

See :mod:`edgeseg.models.base` for the output contract every model follows.
"""

from edgeseg.models.base import LesionModel, lesions_for_mode, resolve_lesions
from edgeseg.models.export_ready import NotExportableError, check_exportable, to_probabilities
from edgeseg.models.registry import ModelEntry, create, list_models, model_entry, register_model


def count_parameters(model) -> int:
    """Number of parameters of ``model`` (trainable or not)."""
    return sum(parameter.numel() for parameter in model.parameters())


__all__ = [
    "LesionModel",
    "ModelEntry",
    "NotExportableError",
    "check_exportable",
    "count_parameters",
    "create",
    "lesions_for_mode",
    "list_models",
    "model_entry",
    "register_model",
    "resolve_lesions",
    "to_probabilities",
]
