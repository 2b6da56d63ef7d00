"""Reductions: sum, mean, var, max/min (with and without dim), amax/amin, argmax/argmin.

Every reduction's backward first puts back the reduced axes (size 1) so that ``grad``
broadcasts against the input: ``expand_reduced``.
"""

import builtins
import warnings
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd import function
from ..autograd.function import Function


def normalize_dims(dim, ndim):
    """``dim`` (None, int or sequence) as a sorted tuple of non-negative axes, or None for all
    (also for ``()``, and for a 0-d input, where dim 0 or −1 names the whole tensor)."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    axes = [normalize_dim(d, ndim) for d in dims]
    for axis in axes:
        if axes.count(axis) > 1:
            raise RuntimeError(f"dim {axis} appears multiple times in the list of dims")
    if not axes or ndim == 0:
        return None
    return tuple(sorted(axes))


def normalize_dim(d, ndim, extra=0):
    """One axis in ``range(ndim + extra)``; negative counts from the end, as in torch."""
    size = builtins.max(ndim + extra, 1)  # this module defines its own max
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


def column_sums(matrix):
    """Σ over the rows of matrix (rows, n), in float64: a float32 running sum down a long column
    loses digits (numpy sums pairwise only along the contiguous axis). Computed as a product with
    a vector of ones, three times faster than ``sum(axis=0, dtype=float64)``. The bias gradients
    of linear and conv2d use it."""
    return np.ones(matrix.shape[0]) @ matrix.astype(np.float64, copy=False)


class Sum(Function):
    """out = Σ x over dims              ∂L/∂x = grad broadcast back over the summed dims"""

    def forward(self, x, dim=None, keepdim=False, dtype=None):
        # torch names x.sum() SumBackward0 and x.sum(dim, keepdim) SumBackward1
        self.backward_name = "SumBackward0" if dim is None and not keepdim else "SumBackward1"
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        if dtype is None and x.dtype.kind in "bui":
            dtype = np.int64  # torch sums bool and integers in int64
        return np.sum(x, axis=self.dims, keepdims=keepdim, dtype=dtype)

    def backward(self, grad):
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        return np.broadcast_to(grad, self.input_shape)


class Mean(Function):
    """out = Σ x / n over dims          ∂L/∂x = grad / n broadcast back over the reduced dims
    where n = the number of elements each output averages"""

    def forward(self, x, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {dtypes.from_numpy_dtype(x.dtype).torch_name}"
            )
        self.backward_name = "MeanBackward0" if dim is None and not keepdim else "MeanBackward1"
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        return np.mean(x, axis=self.dims, keepdims=keepdim)

    def backward(self, grad):
        count = np.prod([self.input_shape[d] for d in (self.dims or range(len(self.input_shape)))])
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim) / grad.dtype.type(count)
        return np.broadcast_to(grad, self.input_shape)


class Var(Function):
    """out = Σ (x − x̄)² / (n − correction)     ∂L/∂x = grad · 2 (x − x̄) / (n − correction)
    where x̄ = the mean over dims, n = the number of elements each output reduces

    With n − correction ≤ 0 the forward divides by 0 (inf or nan) and so does the gradient;
    torch writes the whole-tensor case as ∞ where x ≠ x̄ and NaN (= ∞ · 0) where x = x̄.
    x is saved (as torch saves it) and x − x̄ recomputed in backward."""

    backward_name = "VarBackward0"

    def forward(self, x, dim=None, correction=1, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(
                "std and var only support floating point and complex dtypes "
                f"(got {dtypes.from_numpy_dtype(x.dtype).torch_name}); convert the input with .float() first"
            )
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        count = np.prod([x.shape[d] for d in (self.dims or range(x.ndim))])
        self.dof = count - correction  # degrees of freedom
        if self.dof <= 0:
            warnings.warn(
                "var(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor "
                "(input numel divided by output numel).",
                UserWarning,
                stacklevel=3,
            )
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            centered = self.centered(x)
            total = np.sum(centered * centered, axis=self.dims, keepdims=keepdim)
            return (total / x.dtype.type(builtins.max(self.dof, 0))).astype(x.dtype, copy=False)

    def centered(self, x):
        """x − x̄, the mean taken over the reduced dims (NaN for an empty slice, without numpy's warning)."""
        count = x.dtype.type(np.prod([x.shape[d] for d in (self.dims or range(x.ndim))]))
        return x - np.sum(x, axis=self.dims, keepdims=True) / count

    def backward(self, grad):
        (x,) = self.saved_tensors
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            centered = self.centered(x)
            if self.dims is None and self.dof <= 0:
                return grad * np.where(centered == 0, np.nan, np.inf).astype(grad.dtype)
            return grad * centered * (grad.dtype.type(2.0) / grad.dtype.type(self.dof))


class MaxAll(Function):
    """out = max over every element     ∂L/∂x = grad / k at each of the k tied maxima, 0 elsewhere

    (torch's ``max()``/``amax`` split the gradient evenly among ties; ``max_pool2d`` does not.)
    A NaN is the maximum: it takes the whole gradient (k counts the NaNs). The maxima are
    selected: elsewhere the gradient is exactly 0, even when grad is NaN or ∞."""

    backward_name = "MaxBackward1"
    function_name = "max"  # for error messages
    nan_is_extreme = True  # NaN == NaN is false, so the NaNs are matched separately (not by amax/amin)
    selects = True  # grad / k where the maxima are, else 0 (amax/amin multiply by the mask instead)

    def forward(self, x, dim=None, keepdim=False, smallest=False):
        self.input_shape, self.dims, self.keepdim = x.shape, normalize_dims(dim, x.ndim), keepdim
        check_nonempty_reduction(self.function_name, x.shape, self.dims)
        reduce = np.min if smallest else np.max
        out = np.asarray(reduce(x, axis=self.dims, keepdims=keepdim))  # an array (saved and returned) even if 0-d
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        out = expand_reduced(out, self.input_shape, self.dims, self.keepdim)
        is_extreme = x == out
        if self.nan_is_extreme:
            is_extreme |= np.isnan(x) & np.isnan(out)
        ties = is_extreme.sum(axis=self.dims, keepdims=True)
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = grad / ties.astype(grad.dtype)
            return np.where(is_extreme, share, grad.dtype.type(0)) if self.selects else share * is_extreme


class Amax(MaxAll):
    """out = max over ``dim``           ∂L/∂x = (grad / k) · [x = out]: k tied maxima share grad

    torch matches the maxima with x == out only: where the maximum is NaN nothing matches, k = 0,
    and grad / 0 · 0 makes the whole reduced slice's gradient NaN (as torch's amax gives). Unlike
    max(), torch multiplies by the mask here, so a NaN or ∞ grad makes the slice's 0s NaN too."""

    backward_name = "AmaxBackward0"
    function_name = "amax"
    nan_is_extreme = False
    selects = False


def check_nonempty_reduction(function_name, shape, dims):
    """max/min/amax/amin/argmax of nothing has no value: torch's errors."""
    if dims is None and int(np.prod(shape)) == 0:
        raise RuntimeError(
            f"{function_name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    for d in dims or ():
        if len(shape) and shape[d] == 0:  # (a 0-d tensor has one element)
            raise IndexError(f"{function_name}(): Expected reduction dim {d} to have non-zero size.")


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
        """``indices``: where the extreme sits along ``dim``, with ``dim`` kept as a size-1 axis."""
        self.input_shape, self.indices, self.dim = x.shape, indices, dim
        values = np.take_along_axis(np.atleast_1d(x), indices, axis=dim)  # a 0-d x acts as one element
        if x.ndim == 0:
            return values.reshape(())
        return values if keepdim else values.squeeze(dim)

    def backward(self, grad):
        grad = grad.reshape(self.indices.shape)  # dim back as a size-1 axis
        grad_x = np.zeros(self.input_shape or (1,), dtype=grad.dtype)
        np.put_along_axis(grad_x, self.indices, grad, axis=self.dim)
        return grad_x.reshape(self.input_shape)


class MinDim(MaxDim):
    """(values, indices) = min over one dim      ∂L/∂x = grad at the returned index, 0 elsewhere

    MaxDim's code: ``indices`` (found by ``extreme_indices`` with smallest=True) say where the
    minimum sits."""

    backward_name = "MinBackward0"


class MinAll(MaxAll):
    """out = min over every element     ∂L/∂x = grad / k at each of the k tied minima, 0 elsewhere

    MaxAll's code, run with smallest=True: a NaN is the minimum (it takes the whole gradient, k
    counts the NaNs), and elsewhere the gradient is exactly 0, even when grad is NaN or ∞."""

    backward_name = "MinBackward1"
    function_name = "min"


class Amin(Amax):
    """out = min over ``dim``           ∂L/∂x = (grad / k) · [x = out]: k tied minima share grad

    Amax's code, run with smallest=True: where the minimum is NaN nothing matches, k = 0, and the
    whole reduced slice's gradient is NaN, as torch's amin gives."""

    backward_name = "AminBackward0"
    function_name = "amin"


class Maximum(Function):
    """out = max(a, b) elementwise     ∂L/∂a = grad · (1 where a > b;  ½ where a = b;  0 where a < b)
                                       ∂L/∂b = grad · (1 where b > a;  ½ where a = b;  0 where b < a)
    NaN propagates, and where either is NaN both get the whole grad (torch's rule)."""

    backward_name = "MaximumBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True
    smallest = False

    def forward(self, a, b):
        self.save_for_backward(a, b)
        out = np.minimum(a, b) if self.smallest else np.maximum(a, b)  # NaN wins, as in torch
        return np.where(a == b, a, out)  # a tie gives a, as torch's (maximum(0.0, -0.0) is 0.0)

    def backward(self, grad):
        a, b = self.saved_tensors
        a_loses, b_loses = (a > b, a < b) if self.smallest else (a < b, a > b)
        shared = np.where(a == b, grad / 2, grad)
        zero = grad.dtype.type(0)
        grad_a = np.where(a_loses, zero, shared) if self.needs_input_grad[0] else None
        grad_b = np.where(b_loses, zero, shared) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Minimum(Maximum):
    """out = min(a, b) elementwise     ∂L/∂a = grad · (1 where a < b;  ½ where a = b;  0 where a > b)
                                       ∂L/∂b = grad · (1 where b < a;  ½ where a = b;  0 where b > a)"""

    backward_name = "MinimumBackward0"
    smallest = True


# -- the functions users call ---------------------------------------------------------------------

#: what max(x, dim) and min(x, dim) return (torch's torch.return_types.max / .min), fields values and indices
ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def sum(input, dim=None, keepdim=False, *, dtype=None):
    return Sum.apply(input, dim=dim, keepdim=keepdim, dtype=None if dtype is None else dtypes.to_dtype(dtype).numpy)


def mean(input, dim=None, keepdim=False):
    return Mean.apply(input, dim=dim, keepdim=keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return Var.apply(input, dim=dim, correction=correction, keepdim=keepdim)


def _extreme(input, dim, keepdim, smallest):
    Tensor = function.Tensor

    if dim is None:
        return (MinAll if smallest else MaxAll).apply(input, smallest=smallest)
    if isinstance(dim, Tensor):  # torch.max(a, b): elementwise maximum
        return minimum(input, dim) if smallest else maximum(input, dim)
    dim = normalize_dim(dim, input.ndim)
    check_nonempty_reduction("min" if smallest else "max", input.shape, (dim,))
    indices = extreme_indices(np.atleast_1d(input._array), dim, smallest)  # a 0-d input: one element
    values = (MinDim if smallest else MaxDim).apply(input, indices=indices, dim=dim, keepdim=keepdim)
    indices = indices.reshape(values.shape)
    return ValuesIndices(values, Tensor._wrap(indices.astype(np.int64, copy=False)))


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
    return Maximum.apply(input, other)


def minimum(input, other):
    return Minimum.apply(input, other)


def _arg_extreme(input, dim, keepdim, smallest):
    """Index of the first largest (smallest) element; NaN counts as largest. Not differentiable."""
    Tensor = function.Tensor

    x, name = input._array, "argmin" if smallest else "argmax"
    find = np.argmin if smallest else np.argmax
    if dim is None:  # an index into the flattened tensor
        check_nonempty_reduction(name, x.shape, None)
        index = np.asarray(find(x), dtype=np.int64)
        return Tensor._wrap(index.reshape((1,) * x.ndim) if keepdim else index)
    axis = normalize_dim(dim, x.ndim)
    if x.ndim == 0:
        return Tensor._wrap(np.asarray(0, dtype=np.int64))
    check_nonempty_reduction(name, x.shape, (axis,))
    return Tensor._wrap(find(x, axis=axis, keepdims=keepdim).astype(np.int64))


def argmax(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, smallest=False)


def argmin(input, dim=None, keepdim=False):
    return _arg_extreme(input, dim, keepdim, smallest=True)
