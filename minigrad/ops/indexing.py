"""Selecting and placing elements by index tensors and masks: gather, scatter, scatter_add,
masked_fill.

gather and scatter pair up along one ``dim``: for a 2-D x and dim = 1,

    gather:   out[i][j] = x[i][index[i][j]]          (read the column index[i][j] of row i)
    scatter:  out[i][index[i][j]] = src[i][j]        (write into that column)

so each one's backward is (mostly) the other: gather's gradient is grad scattered back (added,
as one position may be read twice), scatter's ``src`` gradient is grad gathered.

``index`` has as many dims as x; along the other dims it may be shorter than x (only that
corner of x takes part). ``coordinates`` turns it into a numpy key that names, for every entry
of index, the position of x it reads or writes.
"""

import numpy as np

from ..autograd import function
from ..autograd.function import Function
from ..broadcasting import broadcast_shape
from .reduction import normalize_dim


def coordinates(index, dim):
    """The positions of x that ``index`` names along ``dim``: a numpy key (one integer array per
    axis, broadcasting to index's shape) equal to index on axis dim, to the entry's own position
    on every other axis. (A 0-d index, into a 0-d x, counts as one entry along dim 0.)"""
    index = np.atleast_1d(index)
    key = list(np.indices(index.shape, sparse=True))
    key[dim] = index
    return tuple(key)


class Gather(Function):
    """out[i][j][k] = x[i][index[i][j][k]][k]  (dim = 1; the same along any dim)
    ∂L/∂x = zeros with grad added at the gathered positions (a position read twice gets both)"""

    backward_name = "GatherBackward0"

    def forward(self, x, index, dim):
        self.input_shape, self.dim = x.shape, dim
        self.key = coordinates(index, dim)
        self.save_for_backward(x)  # unused, but torch saves x: changing it in place before backward is its error
        return np.atleast_1d(x)[self.key].reshape(index.shape)

    def backward(self, grad):
        self.saved_tensors  # raises torch's error if x changed in place since forward
        grad_x = np.zeros(self.input_shape or (1,), dtype=grad.dtype)
        np.add.at(grad_x, self.key, grad)  # not grad_x[key] = grad: repeated positions must add up
        return grad_x.reshape(self.input_shape)


class Scatter(Function):
    """out = x, then out[i][index[i][j][k]][k] = src[i][j][k]  (dim = 1; the same along any dim)
    ∂L/∂x = grad, with 0 at the positions written
    ∂L/∂src = grad gathered at index (0 for entries of src beyond index's shape)
    where src is a tensor (ScatterBackward0) or one number, written at every index (ScatterBackward1)

    A position written twice keeps the last write (torch leaves it unspecified); every src
    entry written there gets its gradient, as in torch."""

    def forward(self, x, src, index, dim):
        self.backward_name = "ScatterBackward0" if isinstance(src, np.ndarray) else "ScatterBackward1"
        self.input_shape, self.src_shape = x.shape, np.shape(src)
        self.key = coordinates(index, dim)
        out = np.array(np.atleast_1d(x), copy=True)
        out[self.key] = source_entries(src, np.atleast_1d(index).shape)
        return out.reshape(x.shape)

    def backward(self, grad):
        flat = np.atleast_1d(grad)
        grad_x = None
        if self.needs_input_grad[0]:
            grad_x = np.array(flat, copy=True)
            grad_x[self.key] = 0  # those values of x were overwritten
            grad_x = grad_x.reshape(self.input_shape)
        grad_src = placed_in(flat[self.key], self.src_shape) if self.needs_input_grad[1] else None
        return grad_x, grad_src


class ScatterAdd(Function):
    """out = x, then out[i][index[i][j][k]][k] += src[i][j][k]  (dim = 1; the same along any dim)
    ∂L/∂x = grad        ∂L/∂src = grad gathered at index (0 for entries of src beyond index's shape)"""

    backward_name = "ScatterAddBackward0"

    def forward(self, x, src, index, dim):
        self.src_shape = src.shape
        self.key = coordinates(index, dim)
        out = np.array(np.atleast_1d(x), copy=True)
        np.add.at(out, self.key, source_entries(src, np.atleast_1d(index).shape))  # a position named twice adds both
        return out.reshape(x.shape)

    def backward(self, grad):
        grad_src = placed_in(np.atleast_1d(grad)[self.key], self.src_shape) if self.needs_input_grad[1] else None
        return grad, grad_src


def source_entries(src, index_shape):
    """The entries of src that scatter writes: its corner of index's shape (or the one number)."""
    if not isinstance(src, np.ndarray):
        return src
    return np.atleast_1d(src)[tuple(slice(0, n) for n in index_shape)]


def placed_in(grad, src_shape):
    """The gradient of src: grad for its corner of index's shape, 0 for the rest of src."""
    grad_src = np.zeros(src_shape or (1,), dtype=grad.dtype)
    grad_src[tuple(slice(0, n) for n in grad.shape)] = grad
    return grad_src.reshape(src_shape)


class MaskedFill(Function):
    """out = value where mask, x elsewhere (mask broadcasts against x)
    ∂L/∂x = grad where mask is false, 0 where it is true
    ∂L/∂value = Σ grad where mask is true
    where value is one number (MaskedFillBackward0) or a 0-d tensor (MaskedFillBackward1)

    Both masks select: a NaN or ∞ in grad reaches neither input where its mask is off."""

    def forward(self, x, value, mask):
        self.backward_name = "MaskedFillBackward1" if isinstance(value, np.ndarray) else "MaskedFillBackward0"
        self.mask = mask
        return np.where(mask, np.asarray(value).astype(x.dtype), x)

    def backward(self, grad):
        zero = grad.dtype.type(0)
        grad_x = np.where(self.mask, zero, grad) if self.needs_input_grad[0] else None
        grad_value = np.where(self.mask, grad, zero).sum() if self.needs_input_grad[1] else None
        return grad_x, grad_value


# -- argument checks, with torch's messages --------------------------------------------------------


def check_index(name, x, index, dim, src=None):
    """torch's checks of gather/scatter arguments; returns dim as a non-negative axis."""
    ndim = max(x.ndim, 1)  # a 0-d tensor counts as one element along dim 0
    dim = normalize_dim(dim, x.ndim)
    if index.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{name}(): Expected dtype int32/int64 for index")
    if max(index.ndim, 1) != ndim and index.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           + ("input tensor" if name == "gather" else "self tensor"))
    if src is not None and max(src.ndim, 1) != ndim and index.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    index_shape, x_shape = np.atleast_1d(index).shape, np.atleast_1d(x).shape
    too_big = [d for d in range(ndim) if d != dim and index_shape[d] > x_shape[d]]
    if src is not None:
        too_big += [d for d in range(ndim) if index_shape[d] > np.atleast_1d(src).shape[d]]
    if too_big and index.size:
        if name == "gather":
            raise RuntimeError(
                f"Size does not match at dimension {too_big[0]} expected index {list(index.shape)} to be no larger "
                f"than self {list(x.shape)} apart from dimension {dim}"
            )
        message = f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart from dimension {dim}"
        if src is not None:
            message += f" and to be no larger size than src {list(src.shape)}"
        raise RuntimeError(message)
    size = x_shape[dim]
    outside = (index < 0) | (index >= size)
    if outside.any():
        raise RuntimeError(f"index {index[outside].flat[0]} is out of bounds for dimension {dim} with size {size}")
    return dim


def scalar_in(value, dtype):
    """A number as an element of ``dtype``, converted as torch converts it (2.7 → 2 for an integer
    dtype), refusing an integer the dtype cannot hold (torch lets −1 wrap into uint8, not 300)."""
    if dtype.kind in "iu" and isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        info = np.iinfo(dtype)
        low = -(info.max // 2) - 1 if dtype.kind == "u" else info.min
        if not low <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {dtype.name}_t without overflow")
    return np.asarray(value).astype(dtype)[()]


# -- the functions users call ---------------------------------------------------------------------


def gather(input, dim, index, *, sparse_grad=False):
    """``out[i][j] = input[i][index[i][j]]`` for dim = 1 (and likewise along any dim)."""
    dim = check_index("gather", input._array, index._array, dim)
    return Gather.apply(input, index=index._array.astype(np.int64), dim=dim)


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with ``out[i][index[i][j]] = src[i][j]`` (dim = 1), or ``= value``."""
    if reduce is not None:
        raise NotImplementedError("minigrad's scatter has no reduce argument: use scatter_add for reduce='add'")
    if src is None:
        if value is None:
            raise TypeError("scatter() missing 1 required positional argument: 'src' (or 'value')")
        src = value
    is_tensor = isinstance(src, function.Tensor)
    dim = check_index("scatter", input._array, index._array, dim, src._array if is_tensor else None)
    if is_tensor and src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if not is_tensor:
        src = scalar_in(src, input._array.dtype)
    return Scatter.apply(input, src, index=index._array.astype(np.int64), dim=dim)


def scatter_add(input, dim, index, src):
    """A copy of input with ``out[i][index[i][j]] += src[i][j]`` (dim = 1); repeated positions add up."""
    dim = check_index("scatter", input._array, index._array, dim, src._array)
    if src.dtype != input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return ScatterAdd.apply(input, src, index=index._array.astype(np.int64), dim=dim)


def masked_fill(input, mask, value):
    """``value`` where ``mask`` is True, input elsewhere. mask is a bool tensor broadcasting
    against input; value a number or a 0-d tensor (whose gradient is the sum of grad under the mask)."""
    mask_array = mask._array if isinstance(mask, function.Tensor) else np.asarray(mask)
    if mask_array.dtype != np.bool_:
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{ {np.uint8: 'unsigned char', np.int64: 'long int', np.int32: 'int'}.get(mask_array.dtype.type, mask_array.dtype.name)}"
        )
    if isinstance(value, function.Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with {value.ndim} dimension(s)."
            )
    elif isinstance(value, (int, float, bool, np.number, np.bool_)):
        value = scalar_in(value, input._array.dtype)
    else:
        raise TypeError(
            f"masked_fill() received an invalid combination of arguments - got (Tensor, {type(value).__name__}), "
            "but expected one of: (Tensor mask, Tensor value) or (Tensor mask, Number value)"
        )
    broadcast_shape(mask_array.shape, input.shape)  # torch's error when they do not broadcast
    return MaskedFill.apply(input, value, mask=mask_array)
