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
        check_matmul_dtypes(a.dtype, b.dtype)
        self.backward_name = _torch_name(a.ndim, b.ndim)
        self.a_ndim, self.b_ndim = a.ndim, b.ndim
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return np.matmul(a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        if self.b_ndim == 1:
            grad = np.expand_dims(grad, -1)  # out gets its column axis back: (..., m) → (..., m, 1)
        if self.a_ndim == 1:
            grad = np.expand_dims(grad, -2)  # and its row axis: (..., p) → (..., 1, p)
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


# the C++ type names torch's mm error message uses
_C_TYPE_NAMES = {
    "float32": "float", "float64": "double", "int64": "long int", "int32": "int", "uint8": "unsigned char", "bool": "bool"
}


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
    batch = _broadcast_batch_shapes(a_shape[:-2], b_shape[:-2]) if len(b_shape) > 2 else ()
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


def _broadcast_batch_shapes(a_batch, b_batch):
    """The broadcast of the two operands' batch axes, or torch's error naming the first clash."""
    ndim = max(len(a_batch), len(b_batch))
    a_batch, b_batch = (1,) * (ndim - len(a_batch)) + tuple(a_batch), (1,) * (ndim - len(b_batch)) + tuple(b_batch)
    for axis, (n, m) in enumerate(zip(a_batch, b_batch)):
        if n != m and n != 1 and m != 1:
            raise RuntimeError(
                f"The size of tensor a ({n}) must match the size of tensor b ({m}) at non-singleton dimension {axis}"
            )
    return tuple(max(n, m) for n, m in zip(a_batch, b_batch))


def check_matmul_dtypes(a_dtype, b_dtype):
    """Unlike + and *, matmul does not promote: both operands must have one dtype."""
    if a_dtype != b_dtype:
        a_name, b_name = (_C_TYPE_NAMES.get(np.dtype(d).name, str(d)) for d in (a_dtype, b_dtype))
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a_name} != {b_name} "
            "(convert one operand with .to(other.dtype) first)"
        )


def matmul(input, other):
    return MatMul.apply(input, other)
