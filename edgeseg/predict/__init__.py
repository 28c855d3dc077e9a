"""`edgeseg predict`: lesion maps, an overlay and a summary for fundus photographs, with any
model file (the embedded default unless given; see :mod:`edgeseg.embedded`).

Any size of photograph: the model's input contract is replayed (field-of-view crop, pad to
square, resize, CLAHE; normalisation happens inside the network), the network runs at its input
size, and the results are measured on the photograph's own pixels. Every input file is checked
before a model is loaded; torch is imported only when the model is a PyTorch file. See
:mod:`edgeseg.predict.pipeline` for the files written.
"""

from edgeseg.predict.inputs import check_images, collect_images, read_photograph
from edgeseg.predict.options import ModelOptions, PredictOptions
from edgeseg.predict.pipeline import predict_paths, write_outputs
from edgeseg.predict.predictor import Prediction, Predictor

__all__ = ["ModelOptions", "PredictOptions", "Prediction", "Predictor", "check_images", "collect_images", "predict_paths", "read_photograph",
           "write_outputs"]
