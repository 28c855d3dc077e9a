"""edgeseg: diabetic-retinopathy lesion segmentation from research networks to smartphones.

Importing the package is cheap on purpose: it pulls in no numpy, OpenCV or torch. Sub-packages
(`edgeseg.data`, `edgeseg.metrics`, `edgeseg.export`, ...) load what they need when imported.
"""

from edgeseg.errors import DataError, EdgesegError
from edgeseg.lesions import ALL_LESIONS, LESION_NAMES, LESIONS, OPTIONAL_LESIONS

__version__ = "0.1.0"
NOTICE = "Research use only; not a medical device and not for diagnosis."

__all__ = [
    "ALL_LESIONS",
    "DataError",
    "EdgesegError",
    "LESIONS",
    "LESION_NAMES",
    "NOTICE",
    "OPTIONAL_LESIONS",
    "__version__",
]
