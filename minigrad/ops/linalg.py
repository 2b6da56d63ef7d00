"""Matrix products: ``matmul`` / ``@`` for 1-D to batched N-D operands."""

import numpy as np

from ..autograd.function import Function


class MatMul(Function):
    """out = a @ b                     ∂L/∂a = grad @ bᵀ      ∂L/∂b = aᵀ @ grad

    (ᵀ swaps the last two axes.) A 1-D ``a`` acts as a row (1, n) and a 1-D ``b`` as a column
    (n, 1), and that axis is removed again; batch axes broadcast, and the engine sums their
    gradients back to each input's batch shape.
    """

    def forward(self, a, b):
        check_matmul_shapes(a.shape, b.shape)
        self.backward_name = _torch_name(a.ndim, b.ndim)
        self.a_ndim, self.b_ndim = a.ndim, b.ndim
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return np.matmul(a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        if self.a_ndim == 1:
            grad = np.expand_dims(grad, -2)  # out gets its row axis back: (..., 1, p)
        if self.b_ndim == 1:
            grad = np.expand_dims(grad, -1)  # and its column axis: (..., m, 1)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            b2 = b[:, None] if self.b_ndim == 1 else b  # (..., n, p)
            grad_a = grad @ np.swapaxes(b2, -1, -2)  # (..., m, p) @ (..., p, n) = (..., m, n)
            grad_a = grad_a.squeeze(-2) if self.a_ndim == 1 else grad_a
        if self.needs_input_grad[1]:
            a2 = a[None, :] if self.a_ndim == 1 else a  # (..., m, n)
            grad_b = np.swapaxes(a2, -1, -2) @ grad  # (..., n, m) @ (..., m, p) = (..., n, p)
            grad_b = grad_b.squeeze(-1) if self.b_ndim == 1 else grad_b
        return grad_a, grad_b


def _torch_name(a_ndim, b_ndim):
    if a_ndim == 1 and b_ndim == 1:
        return "DotBackward0"
    if a_ndim == 2 and b_ndim == 1:
        return "MvBackward0"
    if a_ndim <= 2 and b_ndim <= 2:
        return "MmBackward0"
    return "BmmBackward0"


def check_matmul_shapes(a_shape, b_shape):
    """Raise torch's RuntimeError when the inner dimensions of a matrix product differ."""
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a_shape)}D and {len(b_shape)}D"
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    if inner_a == inner_b:
        return
    if len(a_shape) == 1 and len(b_shape) == 1:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to have the "
            f"same number of elements, but got {a_shape[0]} and {b_shape[0]} elements respectively"
        )
    rows = int(np.prod(a_shape[:-1])) if len(a_shape) > 1 else 1
    a_text = f"{rows}x{inner_a}"
    b_text = f"{b_shape[0]}x1" if len(b_shape) == 1 else f"{b_shape[-2]}x{b_shape[-1]}"
    raise RuntimeError(
        f"mat1 and mat2 shapes cannot be multiplied ({a_text} and {b_text}); "
        f"the last dimension of the first ({inner_a}) must equal the "
        f"{'first' if len(b_shape) == 1 else 'second-to-last'} dimension of the second ({inner_b})"
    )


def matmul(input, other):
    return MatMul.apply(input, other)
