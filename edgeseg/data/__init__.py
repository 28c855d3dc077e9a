"""Fundus data: readers (official IDRiD layout, generic folders), preparation, checks,
transforms and a synthetic fundus generator. Needs numpy and OpenCV, never torch."""

from edgeseg.data.check import CheckReport, check_dataset
from edgeseg.data.datasets import open_split, read_manifest
from edgeseg.data.folder import read_folder
from edgeseg.data.idrid import idrid_overlap, is_idrid, read_idrid_grading, read_idrid_segmentation
from edgeseg.data.prepare import prepare_dataset
from edgeseg.data.samples import GradingSample, SegSample
from edgeseg.data.synthetic import make_fundus, write_synthetic_dataset

__all__ = [
    "CheckReport",
    "GradingSample",
    "SegSample",
    "check_dataset",
    "idrid_overlap",
    "is_idrid",
    "make_fundus",
    "open_split",
    "prepare_dataset",
    "read_folder",
    "read_idrid_grading",
    "read_idrid_segmentation",
    "read_manifest",
    "write_synthetic_dataset",
]
