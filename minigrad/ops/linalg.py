"""Matrix products: ``matmul`` / ``@`` for 1-D to batched N-D operands.

This is the plain version; ``minigrad/kernels/linear.py`` splits large 2-D products among
minigrad's threads (unless kernels are switched off, see ``minigrad/kernels``).
"""

import numpy as np

from .. import kernels
from ..autograd.function import Function
from .arithmetic import with_out
from .checks import check_matmul_dtypes, check_matmul_shapes
from .names import matmul_backward_name


class MatMul(Function):
    """out = a @ b                     ∂L/∂a = grad @ bᵀ      ∂L/∂b = aᵀ @ grad
    where ᵀ swaps the last two axes

    A 1-D ``a`` acts as a row (1, n) and a 1-D ``b`` as a column (n, 1), and that axis is
    removed again; batch axes broadcast, and the engine sums their gradients back to each
    input's batch shape.
    """

    def forward(self, a, b):
        check_matmul_shapes(a.shape, b.shape)
        check_matmul_dtypes(a.dtype, b.dtype)
        self.backward_name = matmul_backward_name(a.shape, b.shape, self.needs_input_grad[0])
        self.a_ndim, self.b_ndim = a.ndim, b.ndim
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return self.product(a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        if self.b_ndim == 1:
            grad = np.expand_dims(grad, -1)  # out gets its column axis back: (..., m) → (..., m, 1)
        if self.a_ndim == 1:
            grad = np.expand_dims(grad, -2)  # and its row axis: (..., p) → (..., 1, p)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            b2 = b[:, None] if self.b_ndim == 1 else b  # (..., n, p)
            grad_a = self.product(grad, np.swapaxes(b2, -1, -2))  # (..., m, p) @ (..., p, n) = (..., m, n)
            grad_a = grad_a.squeeze(-2) if self.a_ndim == 1 else grad_a
        if self.needs_input_grad[1]:
            a2 = a[None, :] if self.a_ndim == 1 else a  # (..., m, n)
            grad_b = self.product(np.swapaxes(a2, -1, -2), grad)  # (..., n, m) @ (..., m, p) = (..., n, p)
            grad_b = grad_b.squeeze(-1) if self.b_ndim == 1 else grad_b
        return grad_a, grad_b

    @staticmethod
    def product(a, b):
        """The matrix product itself: numpy's (the kernel splits large ones among threads)."""
        return np.matmul(a, b)


def matmul(input, other, *, out=None):
    if out is not None:
        return with_out("matmul", lambda: _matmul_into(input, other, out), out, input, other)
    return kernels.fast_version_of(MatMul).apply(input, other)


def _matmul_into(input, other, out):
    """The product for ``matmul(..., out=out)``, where torch wants out of the result's own dtype."""
    result = matmul(input, other)
    if result.dtype != out.dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {result.dtype.c_name}, but got {out.dtype.c_name} instead")
    return result
