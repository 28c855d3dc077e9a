"""The inference path every consumer shares (predict, export verification, bench, distillation,
the apps' golden vectors).

The model's input contract, one home, the lowest layer (data preparation uses it too):

- :mod:`~edgeseg.inference.preprocessing`: the record (size, CLAHE, mean/std, crop, padding), its
  forward transform (photograph -> square + geometry) and its inverse (maps -> photograph);
- :mod:`~edgeseg.inference.fov`: the field of view (the retina's box and mask, "is this a fundus");
- :mod:`~edgeseg.inference.image_ops`: the image operations the record names (CLAHE, resize, pad,
  normalise, the mask resize that keeps microaneurysms).

Above the models:

- :mod:`~edgeseg.inference.formats`: the one table of model formats, each with its runner and exporter;
- :mod:`~edgeseg.inference.model_info`: what a model file says about itself (card or metadata);
- :mod:`~edgeseg.inference.runners`: one runner per format, one call for all (``open_runner``);
- :mod:`~edgeseg.inference.parity`: how two runners' outputs are compared, and the tolerances.

This file imports nothing, so that reading the contract never loads a runner; only the PyTorch
runner imports torch.
"""
