"""Reductions: sum, mean, var, max/min (with and without dim), amax/amin, argmax/argmin.

Every reduction's backward first puts back the reduced axes (size 1) so that ``grad``
broadcasts against the input: ``expand_reduced``.
"""

from collections import namedtuple

import numpy as np

from ..autograd.function import Function
from ..dtypes import get_default_dtype


def normalize_dims(dim, ndim):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes, or None for all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) == 0:
        return None
    return tuple(sorted(normalize_dim(d, ndim) for d in dims))


def normalize_dim(d, ndim, extra=0):
    """One axis in ``range(ndim + extra)``; negative counts from the end, as in torch."""
    size = max(ndim + extra, 1)
    if not -size <= d < size:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got {d})")
    return d + size if d < 0 else d


def expand_reduced(grad, input_shape, dims, keepdim):
    """Reinsert the reduced axes as size 1 so ``grad`` broadcasts against the input."""
    if dims is None:
        dims = tuple(range(len(input_shape)))
    if not keepdim:
        grad = np.expand_dims(grad, dims)
    return grad


class Sum(Function):
    """out = Σ x over dims              ∂L/∂x = grad broadcast back over the summed dims"""

    def forward(self, x, dim=None, keepdim=False, dtype=None):
        self.backward_name = "SumBackward0" if dim is None else "SumBackward1"
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        if dtype is None and x.dtype.kind in "bui":
            dtype = np.int64  # torch sums bool and integers in int64
        return np.sum(x, axis=self.dims, keepdims=keepdim, dtype=dtype)

    def backward(self, grad):
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        return np.broadcast_to(grad, self.input_shape)


class Mean(Function):
    """out = Σ x / n over dims          ∂L/∂x = grad / n broadcast back over the reduced dims"""

    def forward(self, x, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {_torch_type_name(x.dtype)}"
            )
        self.backward_name = "MeanBackward0" if dim is None else "MeanBackward1"
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        return np.mean(x, axis=self.dims, keepdims=keepdim)

    def backward(self, grad):
        count = np.prod([self.input_shape[d] for d in (self.dims or range(len(self.input_shape)))])
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim) / grad.dtype.type(count)
        return np.broadcast_to(grad, self.input_shape)


class Var(Function):
    """out = Σ (x − x̄)² / (n − correction)     ∂L/∂x = grad · 2 (x − x̄) / (n − correction)"""

    backward_name = "VarBackward0"

    def forward(self, x, dim=None, correction=1, keepdim=False):
        x = x if x.dtype.kind == "f" else x.astype(get_default_dtype().numpy)
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        count = np.prod([x.shape[d] for d in (self.dims or range(x.ndim))])
        self.denominator = max(count - correction, 0)
        self.centered = x - x.mean(axis=self.dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            total = np.sum(self.centered * self.centered, axis=self.dims, keepdims=keepdim)
            return (total / x.dtype.type(self.denominator)).astype(x.dtype, copy=False)

    def backward(self, grad):
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * self.centered * grad.dtype.type(2.0 / self.denominator if self.denominator else np.inf)


class MaxAll(Function):
    """out = max over every element     ∂L/∂x = grad / k at each of the k tied maxima, 0 elsewhere

    (torch's ``max()``/``amax`` split the gradient evenly among ties; ``max_pool2d`` does not.)"""

    backward_name = "MaxBackward1"

    def forward(self, x, dim=None, keepdim=False, smallest=False):
        if x.size == 0:
            raise RuntimeError(
                "max(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        reduce = np.min if smallest else np.max
        out = reduce(x, axis=self.dims, keepdims=keepdim)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        out = expand_reduced(out, self.input_shape, self.dims, self.keepdim)
        is_extreme = (x == out) | (np.isnan(x) & np.isnan(out))
        ties = is_extreme.sum(axis=self.dims, keepdims=True)
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        return grad * is_extreme / ties.astype(grad.dtype)


class Amax(MaxAll):
    """out = max over ``dim``           ∂L/∂x = grad / k at each of the k tied maxima, 0 elsewhere"""

    backward_name = "AmaxBackward0"


def extreme_indices(x, dim, smallest=False):
    """Index of the first maximum (minimum) along ``dim``, kept as a size-1 axis; NaN wins."""
    indices = (np.argmin if smallest else np.argmax)(x, axis=dim, keepdims=True)
    if x.dtype.kind == "f":
        is_nan = np.isnan(x)
        row_has_nan = is_nan.any(axis=dim, keepdims=True)
        if row_has_nan.any():
            indices = np.where(row_has_nan, np.argmax(is_nan, axis=dim, keepdims=True), indices)
    return indices


class MaxDim(Function):
    """(values, indices) = max over one dim      ∂L/∂x = grad at the returned index, 0 elsewhere"""

    backward_name = "MaxBackward0"

    def forward(self, x, indices, dim, keepdim=False):
        self.input_shape, self.indices, self.dim, self.keepdim = x.shape, indices, dim, keepdim
        values = np.take_along_axis(x, indices, axis=dim)
        return values if keepdim else values.squeeze(dim)

    def backward(self, grad):
        grad = grad if self.keepdim else np.expand_dims(grad, self.dim)
        grad_x = np.zeros(self.input_shape, dtype=grad.dtype)
        np.put_along_axis(grad_x, self.indices, grad, axis=self.dim)
        return grad_x


class MinDim(MaxDim):
    backward_name = "MinBackward0"


class MinAll(MaxAll):
    backward_name = "MinBackward1"


class Amin(MaxAll):
    backward_name = "AminBackward0"


_TORCH_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "uint8": "Byte", "bool": "Bool"}


def _torch_type_name(numpy_dtype):
    return _TORCH_TYPE_NAMES.get(np.dtype(numpy_dtype).name, str(numpy_dtype))


# -- the functions users call ---------------------------------------------------------------------

values_indices = namedtuple("max", ["values", "indices"])


def sum(input, dim=None, keepdim=False, *, dtype=None):
    from ..dtypes import to_dtype

    return Sum.apply(input, dim=dim, keepdim=keepdim, dtype=None if dtype is None else to_dtype(dtype).numpy)


def mean(input, dim=None, keepdim=False):
    return Mean.apply(input, dim=dim, keepdim=keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return Var.apply(input, dim=dim, correction=correction, keepdim=keepdim)


def _extreme(input, dim, keepdim, smallest):
    from ..tensor import Tensor

    if dim is None:
        return (MinAll if smallest else MaxAll).apply(input, smallest=smallest)
    if isinstance(dim, Tensor):  # torch.max(a, b): elementwise maximum
        return minimum(input, dim) if smallest else maximum(input, dim)
    if input.ndim == 0:
        input = input.reshape(1)
    dim = normalize_dim(dim, input.ndim)
    indices = extreme_indices(input._array, dim, smallest)
    values = (MinDim if smallest else MaxDim).apply(input, indices, dim, keepdim=keepdim)
    indices = indices if keepdim else indices.squeeze(dim)
    return values_indices(values, Tensor._wrap(indices.astype(np.int64, copy=False)))


def max(input, dim=None, keepdim=False):
    """``max(x)``: the largest element; ``max(x, dim)``: (values, indices); ``max(x, y)``: elementwise."""
    return _extreme(input, dim, keepdim, smallest=False)


def min(input, dim=None, keepdim=False):
    return _extreme(input, dim, keepdim, smallest=True)


def amax(input, dim=(), keepdim=False):
    return Amax.apply(input, dim=dim, keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    return Amin.apply(input, dim=dim, keepdim=keepdim, smallest=True)


def maximum(input, other):
    from .shape import where

    return where((input >= other) | input.isnan(), input, other)


def minimum(input, other):
    from .shape import where

    return where((input <= other) | input.isnan(), input, other)


def argmax(input, dim=None, keepdim=False):
    from ..tensor import Tensor

    x = input._array
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmax(x), dtype=np.int64))
    return Tensor._wrap(np.argmax(x, axis=normalize_dim(dim, x.ndim), keepdims=keepdim).astype(np.int64))


def argmin(input, dim=None, keepdim=False):
    from ..tensor import Tensor

    x = input._array
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmin(x), dtype=np.int64))
    return Tensor._wrap(np.argmin(x, axis=normalize_dim(dim, x.ndim), keepdims=keepdim).astype(np.int64))
