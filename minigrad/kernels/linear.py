"""linear's and matmul's kernels: the textbook ops' math with large 2-D products split among
minigrad's threads, each on single-threaded BLAS (``chunking.matmul``; see ``minigrad/kernels``)."""

import numpy as np

from ..ops.linalg import MatMul
from ..ops.linear import Linear
from . import chunking


def _threaded_product(a, b):
    """``a @ b``: a product of two matrices split among the threads, any other numpy's own."""
    return chunking.matmul(a, b) if a.ndim == b.ndim == 2 else np.matmul(a, b)


class ThreadedLinear(Linear):
    """``ops.linear.Linear``, its three matrix products split among minigrad's threads."""

    product = staticmethod(_threaded_product)


class ThreadedMatMul(MatMul):
    """``ops.linalg.MatMul``, its 2-D products split among minigrad's threads."""

    product = staticmethod(_threaded_product)
