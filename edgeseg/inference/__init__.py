"""The inference path every consumer shares (predict, export verification, bench, distillation,
the apps' golden vectors): below them, above the models.

- :mod:`~edgeseg.inference.preprocessing`: the model's input contract, its forward transform
  (photograph -> square + geometry) and its inverse (maps -> photograph);
- :mod:`~edgeseg.inference.formats`: the one table of model formats;
- :mod:`~edgeseg.inference.model_info`: what a model file says about itself (card or metadata);
- :mod:`~edgeseg.inference.runners`: one runner per format, one call for all (``open_runner``);
- :mod:`~edgeseg.inference.parity`: how two runners' outputs are compared, and the tolerances.

Only the PyTorch runner imports torch.
"""

from edgeseg.inference.formats import FORMATS, Format, format_of
from edgeseg.inference.model_info import ModelInfo, read_info, read_metadata
from edgeseg.inference.preprocessing import PreparedImage, Preprocessing, SquareGeometry
from edgeseg.inference.runners import Runner, open_runner

__all__ = ["FORMATS", "Format", "ModelInfo", "PreparedImage", "Preprocessing", "Runner", "SquareGeometry", "format_of", "open_runner",
           "read_info", "read_metadata"]
