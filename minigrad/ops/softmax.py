"""softmax and log_softmax along one dim, numerically stable for logits of any size.

Both subtract the row's maximum first: softmax(x) = softmax(x − max x), so exp never overflows.
"""

import numpy as np

from ..autograd.function import Function
from .reduction import normalize_dim


def log_softmax_array(x, axis):
    """log softmax on a numpy array: (x − m) − log Σ exp(x − m), with m = max x along ``axis``."""
    shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)  # (initial: an empty dim has no max)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


class Softmax(Function):
    """out = eˣ / Σ eˣ along dim       ∂L/∂x = out · (grad − Σ grad · out)"""

    backward_name = "SoftmaxBackward0"

    def forward(self, x, dim):
        self.dim = normalize_dim(dim, x.ndim)
        e = np.exp(x - x.max(axis=self.dim, keepdims=True, initial=-np.inf))  # (initial: an empty dim has no max)
        out = np.asarray(e / e.sum(axis=self.dim, keepdims=True))  # an array (saved and returned) even if 0-d
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return out * (grad - (grad * out).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    """out = x − log Σ eˣ along dim    ∂L/∂x = grad − e^out · Σ grad"""

    backward_name = "LogSoftmaxBackward0"

    def forward(self, x, dim):
        self.dim = normalize_dim(dim, x.ndim)
        out = np.asarray(log_softmax_array(x, self.dim))  # an array (saved and returned) even if 0-d
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad - np.exp(out) * grad.sum(axis=self.dim, keepdims=True)


def _prepare(input, dim, dtype, name):
    if dim is None:  # torch's legacy implicit choice
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    elif not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"{name}_lastdim_kernel_impl" not implemented for \'{input.dtype.torch_name}\' '
            "(convert the input with .float(), or pass dtype=)"
        )
    return input, dim


def softmax(input, dim=None, dtype=None):
    input, dim = _prepare(input, dim, dtype, "softmax")
    return Softmax.apply(input, dim=dim)


def log_softmax(input, dim=None, dtype=None):
    input, dim = _prepare(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(input, dim=dim)
