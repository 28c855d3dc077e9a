"""edgeseg: diabetic-retinopathy lesion segmentation from research networks to smartphones.

Importing the package is cheap on purpose: it pulls in no numpy, OpenCV or torch. Sub-packages
(`edgeseg.data`, `edgeseg.metrics`, `edgeseg.export`, ...) load what they need when imported.
"""

import os as _os

from edgeseg.errors import DataError, EdgesegError
from edgeseg.lesions import ALL_LESIONS, LESION_NAMES, LESIONS, OPTIONAL_LESIONS

__version__ = "0.1.0"

_checkout = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if _os.path.isfile(_os.path.join(_checkout, "pyproject.toml")) and _os.path.isfile(
    _os.path.join(_checkout, "export", "__init__.py")
):
    # Imported from a source checkout (e.g. `python -m pytest` in the repository, which puts the
    # checkout ahead of site-packages): the top-level `export/` folder is `edgeseg.export`, as
    # pyproject's package-dir maps it in an installed copy.
    __path__.append(_checkout)

__all__ = [
    "ALL_LESIONS",
    "DataError",
    "EdgesegError",
    "LESIONS",
    "LESION_NAMES",
    "OPTIONAL_LESIONS",
    "__version__",
]
