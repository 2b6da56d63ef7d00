"""Utilities outside the autograd core: ``minigrad.utils.data`` (datasets and batching)."""

from . import data
