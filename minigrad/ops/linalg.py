"""Matrix products: ``matmul`` / ``@`` for 1-D to batched N-D operands."""

import numpy as np

from .. import chunking, dtypes
from ..autograd.function import Function
from ._arguments import broadcast_shape


class MatMul(Function):
    """out = a @ b                     ∂L/∂a = grad @ bᵀ      ∂L/∂b = aᵀ @ grad

    (ᵀ swaps the last two axes.) A 1-D ``a`` acts as a row (1, n) and a 1-D ``b`` as a column
    (n, 1), and that axis is removed again; batch axes broadcast, and the engine sums their
    gradients back to each input's batch shape.
    """

    def forward(self, a, b):
        check_matmul_shapes(a.shape, b.shape)
        check_matmul_dtypes(a.dtype, b.dtype)
        self.backward_name = matmul_backward_name(a.shape, b.shape, self.needs_input_grad[0])
        self.a_ndim, self.b_ndim = a.ndim, b.ndim
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return product(a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        if self.b_ndim == 1:
            grad = np.expand_dims(grad, -1)  # out gets its column axis back: (..., m) → (..., m, 1)
        if self.a_ndim == 1:
            grad = np.expand_dims(grad, -2)  # and its row axis: (..., p) → (..., 1, p)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            b2 = b[:, None] if self.b_ndim == 1 else b  # (..., n, p)
            grad_a = product(grad, np.swapaxes(b2, -1, -2))  # (..., m, p) @ (..., p, n) = (..., m, n)
            grad_a = grad_a.squeeze(-2) if self.a_ndim == 1 else grad_a
        if self.needs_input_grad[1]:
            a2 = a[None, :] if self.a_ndim == 1 else a  # (..., m, n)
            grad_b = product(np.swapaxes(a2, -1, -2), grad)  # (..., n, m) @ (..., m, p) = (..., n, p)
            grad_b = grad_b.squeeze(-1) if self.b_ndim == 1 else grad_b
        return grad_a, grad_b


def product(a, b):
    """np.matmul(a, b); a product of two matrices is split among minigrad's threads."""
    return chunking.matmul(a, b) if a.ndim == b.ndim == 2 else np.matmul(a, b)


def matmul_backward_name(a_shape, b_shape, a_requires_grad):
    """The grad_fn torch shows for ``a @ b`` (contiguous operands), named after the path it takes:
    dot, mv or mm for 1-D and 2-D operands; otherwise it folds the batch axes into matrix rows, or
    runs bmm, and ends in a reshape (UnsafeViewBackward0) or, squeezing a 1-D a, SqueezeBackward4.
    2-D a @ batched b is folded as (bᵀ @ aᵀ)ᵀ when a requires grad: it ends in a transpose, made
    contiguous by a copy (CloneBackward0) unless the result has a single row or column."""
    a_ndim, b_ndim = len(a_shape), len(b_shape)
    if b_ndim == 1:
        return {1: "DotBackward0", 2: "MvBackward0"}.get(a_ndim, "UnsafeViewBackward0")
    if b_ndim == 2:
        return {1: "SqueezeBackward4", 2: "MmBackward0"}.get(a_ndim, "UnsafeViewBackward0")
    if a_ndim == 2 and a_requires_grad:
        rows, columns = a_shape[0], b_shape[-1]
        return "TransposeBackward0" if rows == 1 or columns == 1 else "CloneBackward0"
    return "UnsafeViewBackward0"


def check_matmul_shapes(a_shape, b_shape):
    """Raise torch's RuntimeError when the operands of a matrix product do not fit together.

    Like torch, a product with a 2-D or 1-D second operand folds the first one's leading axes
    into rows, so the message shows the folded matrices: (7, 2, 3) @ (5, 4) → "14x3 and 5x4".
    """
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a_shape)}D and {len(b_shape)}D"
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    batch = broadcast_shape(a_shape[:-2], b_shape[:-2]) if len(b_shape) > 2 else ()  # raises if they clash
    if inner_a == inner_b:
        return
    hint = (
        f" (matmul of shapes {list(a_shape)} and {list(b_shape)}: the last dimension of the first ({inner_a}) "
        f"must equal the {'length' if len(b_shape) == 1 else 'second-to-last dimension'} of the second ({inner_b}))"
    )
    rows = int(np.prod(a_shape[:-1]))  # the first operand's leading axes folded into rows
    if len(a_shape) == 1 and len(b_shape) == 1:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to have the "
            f"same number of elements, but got {a_shape[0]} and {b_shape[0]} elements respectively"
        )
    if len(b_shape) == 1:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{inner_a}), vec ({inner_b})" + hint)
    if len(b_shape) == 2:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner_a} and {b_shape[0]}x{b_shape[1]})" + hint
        )
    count = int(np.prod(batch))  # batched: torch's bmm message, batch axes folded into one
    raise RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {inner_a}] but got: "
        f"[{count}, {inner_b}]." + hint
    )


def check_matmul_dtypes(a_dtype, b_dtype):
    """Unlike + and *, matmul does not promote: both operands must have one dtype."""
    if a_dtype != b_dtype:
        # torch's message prints C++ type names: "long int != float"
        a_name, b_name = (dtypes.from_numpy_dtype(d).c_name for d in (a_dtype, b_dtype))
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a_name} != {b_name} "
            "(convert one operand with .to(other.dtype) first)"
        )


def matmul(input, other):
    return MatMul.apply(input, other)
