"""Everything a Tensor does besides autograd: shape and dtype, conversions, and the methods
that call ops (``x + y``, ``x.sum()``, ``x.reshape(...)``, ``x.add_(y)``, ...), each one line that
calls an op in ``minigrad/ops/``, where the math lives, forward and backward side by side.

``Tensor`` (tensor.py) inherits these; tensor.py itself holds the autograd core.
"""

import warnings

import numpy as np

from . import dtypes, _printing
from ._interop import CPU, no_gpu_error, operand, parse_to_arguments
from .autograd import function, grad_mode, inplace, layout
from .ops import arithmetic, indexing, linalg, power, reduction, shape, softmax, sorting, unary
from .ops._arguments import size_arguments

#: torch's warnings when masked_fill_ or index_put_ (x[indices] = v) write through an expand()ed
#: view: it still writes
EXPANDED_MASKED_FILL_WARNING = (
    "Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before performing this "
    "operation. This also applies to advanced indexing e.g. tensor[mask] = scalar"
)
EXPANDED_INDEX_PUT_WARNING = (
    "Use of index_put_ on expanded tensors is deprecated. Please clone() the tensor before performing this "
    "operation. This also applies to advanced indexing e.g. tensor[indices] = tensor"
)


def _warn_of_index_put_through_expanded_view(array, key, value):
    """torch's warnings for x[indices] = value when x is an expand()ed view: index_put_'s, and
    masked_fill_'s too when torch runs that (``_fills_a_mask``)."""
    parts = key if isinstance(key, tuple) else (key,)
    if not inplace.is_self_overlapping(array) or not any(isinstance(k, np.ndarray) for k in parts):
        return
    warnings.warn(EXPANDED_INDEX_PUT_WARNING, UserWarning, stacklevel=3)
    if _fills_a_mask(key, value):
        warnings.warn(EXPANDED_MASKED_FILL_WARNING, UserWarning, stacklevel=3)


def _fills_a_mask(key, value):
    """Whether torch runs ``x[key] = value`` as ``x.masked_fill_(key, value)``: one boolean mask,
    one value (a number, or a tensor of one element). masked_fill_ reads no memory of the value's."""
    parts = key if isinstance(key, tuple) else (key,)
    return len(parts) == 1 and isinstance(parts[0], np.ndarray) and parts[0].dtype == bool and np.size(value) == 1


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``minigrad.Size([2, 3])``."""

    def __repr__(self):
        return f"minigrad.Size({list(self)})"

    def numel(self):
        return int(np.prod(self))


class TensorMethods:
    """The methods of ``Tensor`` that are not autograd (a mixin: ``class Tensor(TensorMethods)``)."""

    __slots__ = ()

    # -- shape and type ---------------------------------------------------------------------------

    @property
    def shape(self):
        return Size(self._array.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._array.shape)
        return self._array.shape[reduction.normalize_dim(dim, self._array.ndim)]

    def dim(self):
        return self._array.ndim

    @property
    def ndim(self):
        return self._array.ndim

    def numel(self):
        return int(self._array.size)

    nelement = numel

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._array.dtype)

    def is_floating_point(self):
        return self._array.dtype.kind == "f"

    @property
    def device(self):
        return CPU  # minigrad.device("cpu"): minigrad computes with numpy, on the CPU

    @property
    def is_cuda(self):
        return False

    def element_size(self):
        return self._array.itemsize

    def __len__(self):
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._array.shape[0]

    # -- conversion out of minigrad ---------------------------------------------------------------

    def numpy(self, force=False):
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._array

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._array if dtype is None else self._array.astype(dtype)

    def item(self):
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted to Scalar")
        return self._array.item()

    def tolist(self):
        return self._array.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._array.dtype.kind not in "iu" or self._array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self._array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._array.item())

    def __repr__(self):
        return _printing.tensor_repr(self)

    def __format__(self, spec):
        if self._array.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __iter__(self):
        if self._array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._array.shape[0]))

    # -- dtype conversion (differentiable between float types) ------------------------------------

    def to(self, *args, dtype=None, device=None, copy=False, **kwargs):
        """``to(dtype)``, ``to(device)`` (only "cpu" exists in minigrad) or ``to(other_tensor)``."""
        target = dtypes.to_dtype(parse_to_arguments(args, dtype, device))
        if target is None or (target.numpy == self._array.dtype and not copy):
            return self
        return shape.ToDtype.apply(self, dtype=target.numpy)

    def type(self, dtype=None):
        """``x.type()``: the type name as torch writes it, e.g. "minigrad.FloatTensor" for float32;
        ``x.type(dtype)`` converts, as ``x.to(dtype)`` (the dtype may be such a name)."""
        if dtype is None:
            return f"minigrad.{self.dtype.torch_name}Tensor"
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            dtype = dtypes.from_tensor_type_name(dtype)
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool_)

    def cpu(self, *, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        raise no_gpu_error("Tensor.cuda()")

    def contiguous(self):
        """Self when its elements already lie in row-major order (as torch lays them out), else a copy."""
        return self if self.is_contiguous() else shape.ContiguousCopy.apply(self)

    def is_contiguous(self):
        return layout.is_contiguous_in_torch(self)

    def clone(self):
        return shape.clone(self)

    # -- new tensors with this one's dtype (``x.new_zeros(2, 3)``) ---------------------------------

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """A copy of ``data`` with self's dtype (unless ``dtype`` says otherwise)."""
        from . import creation

        if isinstance(data, function.Tensor):
            warnings.warn(
                "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                "sourceTensor.detach().clone().requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                UserWarning,
                stacklevel=2,
            )
            data = data.detach()
        return creation.tensor(data, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        from . import creation

        return creation.empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from . import creation

        if not isinstance(size, (tuple, list)):
            raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
        return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    # -- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other):
        return arithmetic.Add.apply(self, _operand(other))

    def __radd__(self, other):  # other + self = self + other; torch also lists self's edge first
        return arithmetic.Add.apply(self, _operand(other))

    def __sub__(self, other):
        return arithmetic.Sub.apply(self, _operand(other))

    def __rsub__(self, other):
        return arithmetic.Sub.apply(_operand(other), self)

    def __mul__(self, other):
        return arithmetic.Mul.apply(self, _operand(other))

    def __rmul__(self, other):
        return arithmetic.Mul.apply(self, _operand(other))

    def __truediv__(self, other):
        return arithmetic.Div.apply(self, _operand(other))

    def __rtruediv__(self, other):
        """``number / x``: torch computes it as ``x.reciprocal() * number``."""
        return arithmetic.Mul.apply(arithmetic.Reciprocal.apply(self), _operand(other))

    def reciprocal(self):
        return arithmetic.Reciprocal.apply(self)

    def __neg__(self):
        return arithmetic.Neg.apply(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        return power.pow(self, _operand(exponent))

    def __rpow__(self, base):
        return power.pow(_operand(base), self)

    def __matmul__(self, other):
        return linalg.matmul(self, _operand(other))

    def __rmatmul__(self, other):
        return linalg.matmul(_operand(other), self)

    def add(self, other, *, alpha=1):
        return arithmetic.add(self, _operand(other, "add"), alpha=alpha)

    def sub(self, other, *, alpha=1):
        return arithmetic.sub(self, _operand(other, "sub"), alpha=alpha)

    def mul(self, other):
        return self * _operand(other, "mul")

    def div(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return self / _operand(other, "div")
        return arithmetic.div(self, _operand(other, "div"), rounding_mode=rounding_mode)

    def neg(self):
        return -self

    def pow(self, exponent):
        return self**exponent

    def matmul(self, other):
        return self @ other

    mm = matmul

    # -- comparisons (not differentiable: bool results) -------------------------------------------

    def _compare(self, other, compare):
        out = function.Tensor._wrap(np.asarray(compare(self._array, other._array if isinstance(other, function.Tensor) else other)))
        layout.record_elementwise_layout(out, (self, other))  # elementwise: keeps the inputs' order
        return out

    def __eq__(self, other):
        return self._compare(other, np.equal)

    def __ne__(self, other):
        return self._compare(other, np.not_equal)

    def __lt__(self, other):
        return self._compare(other, np.less)

    def __le__(self, other):
        return self._compare(other, np.less_equal)

    def __gt__(self, other):
        return self._compare(other, np.greater)

    def __ge__(self, other):
        return self._compare(other, np.greater_equal)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def __and__(self, other):
        return self._compare(other, np.logical_and if self._array.dtype == np.bool_ else np.bitwise_and)

    def __or__(self, other):
        return self._compare(other, np.logical_or if self._array.dtype == np.bool_ else np.bitwise_or)

    def __invert__(self):
        return function.Tensor._wrap(np.logical_not(self._array) if self._array.dtype == np.bool_ else ~self._array)

    def logical_not(self):
        return function.Tensor._wrap(np.logical_not(self._array))

    def isnan(self):
        return function.Tensor._wrap(np.isnan(self._array))

    def nonzero(self, *, as_tuple=False):
        return shape.nonzero(self, as_tuple=as_tuple)

    def equal(self, other):
        return self.shape == other.shape and bool(np.array_equal(self._array, other._array))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return bool(np.allclose(self._array, other._array, rtol=rtol, atol=atol, equal_nan=equal_nan))

    def argmax(self, dim=None, keepdim=False):
        return reduction.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return reduction.argmin(self, dim, keepdim)

    # -- elementwise math -------------------------------------------------------------------------

    def exp(self):
        return unary.Exp.apply(self)

    def log(self):
        return unary.Log.apply(self)

    def sqrt(self):
        return unary.Sqrt.apply(self)

    def abs(self):
        return unary.Abs.apply(self)

    __abs__ = abs

    def sigmoid(self):
        return unary.Sigmoid.apply(self)

    def tanh(self):
        return unary.Tanh.apply(self)

    def relu(self):
        return unary.Relu.apply(self)

    def relu_(self):
        return unary.relu_(self)

    def clamp(self, min=None, max=None):
        return unary.clamp(self, min, max)

    clip = clamp

    def round(self, *, decimals=None):
        return unary.round(self, decimals=decimals)

    # -- reductions -------------------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.mean(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return reduction.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return reduction.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return reduction.norm(self, p, dim, keepdim, dtype)

    def all(self, dim=None, keepdim=False):
        return reduction.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return reduction.any(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return reduction.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return reduction.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return reduction.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return reduction.amin(self, dim, keepdim)

    def softmax(self, dim=None, dtype=None):
        return softmax.softmax(self, dim, dtype)

    def log_softmax(self, dim=None, dtype=None):
        return softmax.log_softmax(self, dim, dtype)

    # -- sorting ----------------------------------------------------------------------------------

    def sort(self, dim=-1, descending=False, *, stable=None):
        return sorting.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, *, stable=False):
        return sorting.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return sorting.topk(self, k, dim, largest, sorted)

    # -- selecting by index tensors and masks -------------------------------------------------------

    def gather(self, dim, index, *, sparse_grad=False):
        return indexing.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        return indexing.scatter(self, dim, index, src, value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return indexing.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        return indexing.masked_fill(self, mask, value)

    # -- shape ------------------------------------------------------------------------------------

    def reshape(self, *shape_):
        return shape.reshape(self, size_arguments(shape_))

    def view(self, *shape_):
        return shape.view(self, *shape_)

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def permute(self, *dims):
        return shape.permute(self, size_arguments(dims))

    def transpose(self, dim0, dim1):
        return shape.transpose(self, dim0, dim1)

    def t(self):
        return shape.t(self)

    def t_(self):
        return shape.t_(self)

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def flatten(self, start_dim=0, end_dim=-1):
        return shape.flatten(self, start_dim, end_dim)

    def squeeze(self, dim=None):
        return shape.squeeze(self, dim)

    def unsqueeze(self, dim):
        return shape.unsqueeze(self, dim)

    def expand(self, *sizes):
        return shape.Expand.apply(self, sizes=size_arguments(sizes))

    def expand_as(self, other):
        return self.expand(other.shape)

    def repeat(self, *repeats):
        return shape.repeat(self, *repeats)

    def narrow(self, dim, start, length):
        return shape.narrow(self, dim, start, length)

    def split(self, split_size, dim=0):
        return shape.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return shape.chunk(self, chunks, dim)

    def __getitem__(self, key):
        return shape.Index.apply(self, key=_index_key(key))

    def __setitem__(self, key, value):
        """``x[key] = value``: an in-place write. When x or value requires grad it is recorded as
        any in-place op: x's new node sends grad to value at key, to old x elsewhere."""
        key = _index_key(key)
        value_array = value._array if isinstance(value, function.Tensor) else None
        if shape.writes_onto_itself(self._array, key, value_array):  # x[:] = x: as copy_ onto itself, nothing
            inplace.check_allowed(self, through_expanded_view=True)
            self._version_counter.value += 1
            return
        _warn_of_index_put_through_expanded_view(self._array, key, value if value_array is None else value_array)
        if value_array is not None:  # torch's checks: copy_ into the view x[key], or index_put_ at the key
            region = shape.written_view(self._array, key)
            if region is not None:
                inplace.check_no_partial_overlap(region, value_array)
            elif not _fills_a_mask(key, value_array):
                inplace.check_no_overlap(self._array, value_array, key)
        whole_elements = not shape.selects_overlapping_elements(self._array, key, value_array)
        if grad_mode.is_grad_enabled() and (self.requires_grad or isinstance(value, function.Tensor) and value.requires_grad):
            if shape.writes_through_a_view(key, self._array.shape):  # as torch: value is copied into the view x[key]
                self[key].copy_(shape.without_extra_leading_ones(_operand(value), self._array[key]))
                return
            inplace.write(self, lambda: shape.IndexPut.apply(self, _operand(value), key=key), whole_elements)
            return
        inplace.check_allowed(self, through_expanded_view=whole_elements)
        shape.assign(self._array, key, value._array if isinstance(value, function.Tensor) else value)
        self._version_counter.value += 1

    # -- in-place ops (minigrad/autograd/inplace.py) ------------------------------------------------

    def add_(self, other, *, alpha=1):
        inplace.check_no_partial_overlap(self._array, getattr(other, "_array", None))
        return inplace.write(self, lambda: self.add(other, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        inplace.check_no_partial_overlap(self._array, getattr(other, "_array", None))
        return inplace.write(self, lambda: self.sub(other, alpha=alpha))

    def mul_(self, other):
        inplace.check_no_partial_overlap(self._array, getattr(other, "_array", None))
        return inplace.write(self, lambda: self * other)

    def div_(self, other, *, rounding_mode=None):
        inplace.check_no_partial_overlap(self._array, getattr(other, "_array", None))
        if rounding_mode is None:
            return inplace.write(self, lambda: self / other)
        return inplace.write(self, lambda: self.div(other, rounding_mode=rounding_mode))

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def clamp_(self, min=None, max=None):
        return inplace.write(self, lambda: self.clamp(min, max))

    def masked_fill_(self, mask, value):
        overlapping = inplace.is_self_overlapping(self._array)
        if overlapping:  # torch still writes (value where mask is True), with this warning
            warnings.warn(EXPANDED_MASKED_FILL_WARNING, UserWarning, stacklevel=2)
        return inplace.write(self, lambda: indexing.masked_fill(self, mask, value), through_expanded_view=overlapping)

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        inplace.check_no_overlap(self._array, getattr(src, "_array", None))
        return inplace.write(self, lambda: indexing.scatter(self, dim, index, src, value, reduce=reduce))

    def scatter_add_(self, dim, index, src):
        inplace.check_no_overlap(self._array, getattr(src, "_array", None))
        return inplace.write(self, lambda: indexing.scatter_add(self, dim, index, src))

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        """Every element becomes ``value``; no gradient reaches the old self. A 0-d tensor value
        gets the gradient ∂L/∂value = Σ grad, as torch's."""
        value = _operand(value, "fill_")  # a number, or a tensor (a torch tensor converted)
        if isinstance(value, function.Tensor):
            if value.ndim != 0:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions.")
            value = value.to(self.dtype)
        else:
            value = self._array.dtype.type(value)
        return inplace.write(self, lambda: shape.Where.apply(self, value, condition=np.zeros(self.shape, bool)),
                             through_expanded_view=True)

    def copy_(self, src):
        """Copy ``src``'s values into self (broadcasting src; gradient flows to src)."""
        if src is self:  # as torch: copying a tensor onto itself changes no value, but counts as a write
            inplace.check_allowed(self, through_expanded_view=True)
            self._version_counter.value += 1
            return self
        src = _operand(src, "copy_")
        inplace.check_no_partial_overlap(self._array, getattr(src, "_array", None))
        return inplace.write(self, lambda: shape.Where.apply(self, src, condition=np.zeros(self.shape, bool)).to(self.dtype))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Overwrite with N(mean, std²) samples; like ``copy_``, no gradient reaches the old values."""
        from . import random

        return self.copy_(function.Tensor._wrap(random.normal(self.shape, mean, std, self._array.dtype, generator)))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Overwrite with U(a, b) samples; like ``copy_``, no gradient reaches the old values."""
        from . import random

        return self.copy_(function.Tensor._wrap(random.uniform(self.shape, a, b, self._array.dtype, generator)))


def _operand(x, method=None):
    """The other operand of ``x + y`` or of the ``method`` ``x.add(y)``: tensors and numbers as they
    are (numbers take part in type promotion as Python scalars); a CPU torch tensor, a numpy
    array and anything else as ``_interop.operand`` reads them."""
    if isinstance(x, (function.Tensor, int, float, bool, np.number, np.bool_)):
        return x
    return operand(x, method)


def _index_key(key):
    """An index key in torch's meaning, written with numpy's objects (numpy then indexes as torch).

    - a list (or other sequence) is read as a tuple of indices when it is short (under 32 items)
      and holds a sequence, a tensor, a slice, ``None`` or ``...`` (torch's rule, taken from numpy's
      old one): ``x[[[0, 1], [1, 2]]]`` is ``x[[0, 1], [1, 2]]``; otherwise it is one index array;
    - a 0-d integer tensor selects like an int (a view); a uint8 tensor is a mask, as a bool one;
    - an empty list selects nothing (an int64 index array of length 0)."""
    if isinstance(key, tuple):
        return tuple(_index_item(k) for k in key)
    if isinstance(key, (list, np.ndarray)) and _sequence_is_tuple(key):
        return tuple(_index_item(k) for k in key)
    return _index_item(key)


def _sequence_is_tuple(key):
    if isinstance(key, np.ndarray) or len(key) >= 32:
        return False
    return any(k is None or k is Ellipsis or isinstance(k, (slice, function.Tensor, list, tuple, np.ndarray)) for k in key)


def _index_item(k):
    """One entry of a key: tensors and lists become numpy index arrays; the rest stays as it is."""
    if isinstance(k, function.Tensor):
        array = k._array
        if array.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if array.dtype == np.uint8:  # torch reads a byte tensor as a mask (a deprecated spelling of bool)
            return array.astype(np.bool_)
        if array.ndim == 0 and array.dtype != np.bool_:
            return int(array)
        return array
    if isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype.kind in "iu":
        return int(k)
    if isinstance(k, (list, tuple)):
        array = np.asarray([_index_item(i) for i in k])
        if array.dtype.kind not in "bi":  # [] (float64 to numpy) or numbers torch turns into int64
            array = array.astype(np.int64)
        return array
    return k
