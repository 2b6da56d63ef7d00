"""Reductions: sum, mean, var, std, norm, max/min (with and without dim), amax/amin,
argmax/argmin, and the logical all/any.

Every reduction's backward first puts back the reduced axes (size 1) so that ``grad``
broadcasts against the input: ``expand_reduced``.
"""

import builtins
import warnings
from collections import namedtuple

import math

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
    function_name = "var"  # for messages

    def forward(self, x, dim=None, correction=1, keepdim=False):
        self.save_for_backward(x)
        with np.errstate(over="ignore"):  # a float32 variance beyond 3.4e38 is inf, as torch's
            return self.variance(x, dim, correction, keepdim).astype(x.dtype, copy=False)

    def variance(self, x, dim, correction, keepdim):
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
                f"{self.function_name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel).",
                UserWarning,
                stacklevel=4,
            )
        if x.dtype.itemsize < 8:  # in float64, as torch accumulates a float32 variance: (x − x̄)² may overflow
            x = x.astype(np.float64)  # (or underflow) in float32 where the variance, or its √, does not
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            centered = self.centered(x)
            total = np.sum(centered * centered, axis=self.dims, keepdims=keepdim)
            return total / x.dtype.type(builtins.max(self.dof, 0))  # float64 for a float32 x: the caller casts

    def centered(self, x):
        """x − x̄, the mean taken over the reduced dims (NaN for an empty slice, without numpy's warning)."""
        count = x.dtype.type(np.prod([x.shape[d] for d in (self.dims or range(x.ndim))]))
        return x - np.sum(x, axis=self.dims, keepdims=True) / count

    def backward(self, grad):
        (x,) = self.saved_tensors
        return self.variance_gradient(grad, x)

    def variance_gradient(self, grad, x):
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            centered = self.centered(x)
            if self.dims is None and self.dof <= 0:
                return grad * np.where(centered == 0, np.nan, np.inf).astype(grad.dtype)
            return grad * centered * (grad.dtype.type(2.0) / grad.dtype.type(self.dof))


class Std(Var):
    """out = √var(x) = √(Σ (x − x̄)² / (n − correction))
    ∂L/∂x = grad · (x − x̄) / ((n − correction) · out), and 0 where out = 0
    where x̄ = the mean over dims, n = the number of elements each output reduces

    The chain rule through the square root, then Var's backward: var's upstream gradient is
    grad / (2 · out), set to 0 where out = 0 (torch's choice: a constant slice gets gradient 0,
    not the 0/0 = NaN of the formula). With n − correction ≤ 0, out is NaN and so is the gradient."""

    backward_name = "StdBackward0"
    function_name = "std"

    def forward(self, x, dim=None, correction=1, keepdim=False):
        with np.errstate(invalid="ignore", over="ignore"):
            out = np.asarray(np.sqrt(self.variance(x, dim, correction, keepdim)).astype(x.dtype, copy=False))
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_variance = np.where(out == 0, grad.dtype.type(0), grad / (2 * out))  # selected, not multiplied
        return self.variance_gradient(grad_variance, x)


class Norm(Function):
    """out = (Σ |x|ᵖ)^(1/p) over dims: the vector p-norm (p = 2 by default, also for 'fro')
    where p = ord; p = ∞ gives max |x|, p = −∞ min |x|, p = 0 the count of nonzero entries

    p = 2:        ∂L/∂x = grad · x / out, and 0 where out = 0
    p = 1:        ∂L/∂x = grad · sign(x)
    p = ±∞:       ∂L/∂x = grad · sign(x) / k at the k entries with |x| = out (or NaN), 0 elsewhere
    p = 0:        ∂L/∂x = none (torch's backward returns no gradient: x.grad stays None)
    other p:      ∂L/∂x = grad · sign(x) · |x|^(p−1) / out^(p−1), and 0 where out = 0
    (sign(0) = sign(NaN) = 0; for p < 1, |x|^(p−1) counts as 0 where x = 0.) Each case is torch's
    formula for it, grouped as torch groups it, so that ∞ and NaN land where torch's do."""

    backward_name = "LinalgVectorNormBackward0"

    def forward(self, x, ord=2.0, dim=None, keepdim=False):
        self.ord, self.input_shape, self.keepdim = float(ord), x.shape, keepdim
        self.dims = normalize_dims(dim, x.ndim)
        if np.isinf(self.ord) or self.ord < 0:  # a max/min (or a sum of |x|^p = ∞ terms) has no value for nothing
            check_norm_not_empty(self.ord, x.shape, self.dims)
        magnitude = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            reduced = x.size if self.dims is None else math.prod(x.shape[d] for d in self.dims)
            if reduced == 1 and self.ord != 0:  # one value per output: |x|, as torch (x² would overflow)
                out = np.sum(magnitude, axis=self.dims, keepdims=keepdim)
            elif self.ord == np.inf:
                out = np.max(magnitude, axis=self.dims, keepdims=keepdim)
            elif self.ord == -np.inf:
                out = np.min(magnitude, axis=self.dims, keepdims=keepdim)
            elif self.ord == 0:
                out = np.sum(x != 0, axis=self.dims, keepdims=keepdim).astype(x.dtype)
            elif self.ord == 1:
                out = np.sum(magnitude, axis=self.dims, keepdims=keepdim)
            elif self.ord == 2:
                out = np.sqrt(np.sum(x * x, axis=self.dims, keepdims=keepdim))
            else:
                p = x.dtype.type(self.ord)
                out = np.sum(magnitude**p, axis=self.dims, keepdims=keepdim) ** (1 / p)
        out = np.asarray(out, dtype=x.dtype)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        p, zero = self.ord, grad.dtype.type(0)
        if p == 0:
            return None
        grad = expand_reduced(grad, self.input_shape, self.dims, self.keepdim)
        out = expand_reduced(out, self.input_shape, self.dims, self.keepdim)
        sign = (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)  # 0 at 0 and at NaN, as torch's sgn
        magnitude = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if p == 1:
                return sign * grad
            if p == 2:
                return grad * np.where(out == 0, zero, x / out)
            if np.isinf(p):  # the maximum (minimum) entries share grad; a NaN entry is one of them
                is_extreme = (magnitude == out) | np.isnan(magnitude)
                ties = is_extreme.sum(axis=self.dims, keepdims=True).astype(grad.dtype)
                return sign * ((grad / ties) * is_extreme)
            if p < 1:
                scaled = sign * np.where(x == 0, zero, magnitude ** grad.dtype.type(p - 1))
                return scaled * grad * out ** grad.dtype.type(1 - p)
            scaled = sign * magnitude ** grad.dtype.type(p - 1) if p < 2 else x * magnitude ** grad.dtype.type(p - 2)
            return scaled * np.where(out == 0, zero, grad / out ** grad.dtype.type(p - 1))


def check_norm_not_empty(ord, shape, dims):
    """A max, a min or a negative power sum over no element has no value: torch's errors."""
    order = {np.inf: "inf", -np.inf: "-inf"}.get(ord, f"{ord:g}")
    if int(math.prod(shape)) == 0 and (dims is None or not shape):
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {order} norm on an empty tensor because the operation "
            "does not have an identity"
        )
    for d in dims or ():
        if shape[d] == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {order} norm on the dimension {d}because this dimension "
                "is empty and the operation does not have an identity"
            )


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
    if dims is None and int(math.prod(shape)) == 0:
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

def return_type(name):
    """The (values, indices) pair that ``max(x, dim)``, ``sort``, ``topk``, ... return: a named
    tuple, printed as torch prints its ``torch.return_types.<name>``."""

    def __repr__(self):
        return f"minigrad.return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    return type(name, (namedtuple(name, ["values", "indices"]),), {"__slots__": (), "__repr__": __repr__})


#: what max(x, dim) and min(x, dim) return (torch's torch.return_types.max / .min), fields values and indices
ValuesIndices = return_type("max")
MinValuesIndices = return_type("min")


def sum(input, dim=None, keepdim=False, *, dtype=None):
    return Sum.apply(input, dim=dim, keepdim=keepdim, dtype=None if dtype is None else dtypes.to_dtype(dtype).numpy)


def mean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean over ``dim`` (every element by default); ``dtype``: computed in that dtype (input cast first)."""
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Optional dtype must be either a floating point or complex "
                f"dtype. Got: {dtype.torch_name}"
            )
        input = input.to(dtype)
    return Mean.apply(input, dim=dim, keepdim=keepdim)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return Var.apply(input, **_variance_arguments(dim, unbiased, keepdim, correction))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return Std.apply(input, **_variance_arguments(dim, unbiased, keepdim, correction))


def _variance_arguments(dim, unbiased, keepdim, correction):
    """var/std's options as torch reads them: ``x.std(False)`` is ``unbiased=False`` (a bool in
    dim's place is torch's older signature), ``unbiased=True`` is correction 1."""
    if isinstance(dim, (bool, np.bool_)):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dict(dim=dim, correction=correction, keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """torch.norm: the vector p-norm over ``dim`` (every element by default). p is a number
    (2, 1, ``inf``, 0.5, ...) or "fro", the 2-norm of all the elements (of two dims at most)."""
    if isinstance(dim, (int, np.integer)):
        dim = (dim,)
    if isinstance(p, str):
        if p != "fro" or (dim is not None and len(dim) > 2):
            if p == "nuc" and (dim is None or len(dim) == 2):
                raise NotImplementedError("minigrad has no nuclear norm (it needs a singular value decomposition)")
            if p not in ("fro", "nuc"):
                raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2.0
    elif p is None:
        p = 2.0
    if input.dtype.numpy.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. "
            f"Got {input.dtype.torch_name}"
        )
    if dtype is not None:
        target = dtypes.to_dtype(dtype)
        if target.numpy.kind != "f":
            raise RuntimeError(f"linalg.vector_norm: dtype should be floating point or complex, but got {target.torch_name}")
        if not np.can_cast(input.dtype.numpy, target.numpy, casting="safe"):
            raise RuntimeError(
                f"linalg.vector_norm: the dtype of the input ({input.dtype.torch_name}) should be convertible "
                f"without narrowing to the specified dtype ({target.torch_name})"
            )
        input = input.to(target)
    return Norm.apply(input, ord=p, dim=dim, keepdim=keepdim)


def all(input, dim=None, keepdim=False):
    """Whether every element (along ``dim``) is nonzero. Not differentiable: bool (uint8 for uint8)."""
    return _logical_reduction(input, dim, keepdim, np.all)


def any(input, dim=None, keepdim=False):
    """Whether some element (along ``dim``) is nonzero. Not differentiable: bool (uint8 for uint8)."""
    return _logical_reduction(input, dim, keepdim, np.any)


def _logical_reduction(input, dim, keepdim, reduce):
    x = input._array
    if isinstance(dim, (tuple, list)) and not dim:
        axes = ()  # torch's all/any over no dim reduce nothing: each element's own truth value
    else:
        axes = normalize_dims(dim, x.ndim)
    out = np.asarray(reduce(x, axis=axes, keepdims=keepdim))
    return function.Tensor._wrap(out.astype(np.uint8) if x.dtype == np.uint8 else out)


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
    return (MinValuesIndices if smallest else ValuesIndices)(values, Tensor._wrap(indices.astype(np.int64, copy=False)))


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
