"""A Core ML file cannot run on Linux, so its spec is checked: the check must catch a file exported
without the card's normalisation (issue #35: nothing checked a Core ML file's numbers here). The
file has every other operation and the right interface; only its first constants differ."""

from __future__ import annotations

import pytest

pytest.importorskip("coremltools")

from edgeseg.checkpoint import load_model  # noqa: E402
from edgeseg.export.coreml_export import export_coreml  # noqa: E402
from edgeseg.export.job import ExportJob  # noqa: E402
from edgeseg.export.metadata import build_metadata  # noqa: E402
from edgeseg.export.verify import check_coreml_spec  # noqa: E402
from edgeseg.inference.model_info import info_from_card  # noqa: E402
from edgeseg.inference.torch_module import PixelsToProbabilities  # noqa: E402
from edgeseg.inference.preprocessing import Preprocessing  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_a_core_ml_file_without_its_normalisation_fails_the_spec_check(tiny_model_file, tmp_path, precision):
    model, card = load_model(tiny_model_file)
    info = info_from_card(tiny_model_file, card)
    metadata = build_metadata(card, str(tiny_model_file), "coreml", precision, "nchw")
    verdicts = {}
    for name, module in (("whole", PixelsToProbabilities(model, info.preprocessing)), ("bare", PixelsToProbabilities(model, Preprocessing(info.preprocessing.size, False, (0, 0, 0), (1 / 255,) * 3)))):
        path = export_coreml(ExportJob(module.eval(), precision, "nchw", metadata), tmp_path / f"{name}.mlpackage")
        verdicts[name] = check_coreml_spec(path, metadata)
    assert verdicts["whole"].passed, verdicts["whole"].reason
    assert not verdicts["bare"].passed and "not normalised as the card says" in verdicts["bare"].reason
