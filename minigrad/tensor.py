"""The Tensor: a numpy array plus what autograd needs to know about it.

    _array         the values (a numpy array; a view's array shares memory with its base)
    requires_grad  whether gradients should flow to this tensor
    grad_fn        the op node that produced it (None for leaves: tensors the user created)
    grad           ∂L/∂self after backward: set on leaves, and on others after ``retain_grad()``
    _version       a counter bumped by every in-place change, shared by a tensor and its views;
                   an op that saved this tensor refuses to run backward if it moved

Every differentiable method here is one line that calls an op in ``minigrad/ops/``; the math
lives there, forward and backward side by side.
"""

import weakref

import numpy as np

from . import dtypes, _printing
from ._interop import is_torch_tensor, parse_to_arguments
from .autograd import engine, grad_mode
from .autograd.function import AccumulateGrad, Function
from .ops import arithmetic, linalg, reduction, shape, softmax, unary
from .ops._arguments import size_arguments


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``minigrad.Size([2, 3])``."""

    def __repr__(self):
        return f"minigrad.Size({list(self)})"

    def numel(self):
        return int(np.prod(self))


class _VersionCounter:
    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


class Tensor:
    __slots__ = ("_array", "_requires_grad", "grad", "grad_fn", "_version", "_base", "_accumulator", "__weakref__")

    # ``ndarray + tensor`` must call Tensor.__radd__, not broadcast the ndarray elementwise
    __array_priority__ = 1000

    def __init__(self, data=(), dtype=None, requires_grad=False):
        """``minigrad.Tensor(data)``: as torch.Tensor, always the default float dtype (sharing the
        memory of an array that already has it)."""
        from .creation import as_array

        self._init(as_array(data, dtype or dtypes.get_default_dtype()), requires_grad)

    def _init(self, array, requires_grad=False, grad_fn=None):
        self._array = array
        self._requires_grad = False
        self.grad = None
        self.grad_fn = grad_fn
        self._version = _VersionCounter()
        self._base = None
        self._accumulator = None
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, array, requires_grad=False, grad_fn=None):
        """Make a tensor around an existing array, without copying or checking (used by ops)."""
        tensor = object.__new__(cls)
        tensor._array = array
        tensor._requires_grad = requires_grad
        tensor.grad = None
        tensor.grad_fn = grad_fn
        tensor._version = _VersionCounter()
        tensor._base = None
        tensor._accumulator = None
        return tensor

    # -- autograd metadata ------------------------------------------------------------------------

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._array.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {self.dtype}; convert it with .float() first)"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained_output = weakref.ref(self)  # weak: the node must not keep self alive

    @property
    def retains_grad(self):
        return self.grad_fn is not None and getattr(self.grad_fn, "retained_output", None) is not None

    def _grad_accumulator(self):
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute ∂self/∂leaf for every leaf that requires grad and add it to ``leaf.grad``."""
        from .autograd import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def detach(self):
        """The same values (shared memory) cut off from the graph. It shares self's version
        counter: an in-place change through it still invalidates what the graph saved of self."""
        out = Tensor._wrap(self._array)
        out._version = self._version
        return out

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The values as a tensor outside the graph; changes to it are not tracked (as in torch)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value):
        self._array = value._array if isinstance(value, Tensor) else np.asarray(value)

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
        return "cpu"

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
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
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

    def __reduce__(self):  # pickling keeps values and requires_grad (graph is not saved)
        return (_rebuild, (self._array, self._requires_grad))

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

    def cpu(self):
        return self

    def contiguous(self):
        return self

    def clone(self):
        return shape.clone(self)

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
        return arithmetic.Div.apply(_operand(other), self)

    def __neg__(self):
        return arithmetic.Neg.apply(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        return arithmetic.pow(self, _operand(exponent))

    def __rpow__(self, base):
        return arithmetic.pow(_operand(base), self)

    def __matmul__(self, other):
        return linalg.MatMul.apply(self, _operand(other))

    def __rmatmul__(self, other):
        return linalg.MatMul.apply(_operand(other), self)

    def add(self, other, *, alpha=1):
        return arithmetic.add(self, _operand(other), alpha=alpha)

    def sub(self, other, *, alpha=1):
        return arithmetic.sub(self, _operand(other), alpha=alpha)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def neg(self):
        return -self

    def pow(self, exponent):
        return self**exponent

    def matmul(self, other):
        return self @ other

    mm = matmul

    # -- comparisons (not differentiable: bool results) -------------------------------------------

    def _compare(self, other, compare):
        other = other._array if isinstance(other, Tensor) else other
        return Tensor._wrap(np.asarray(compare(self._array, other)))

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
        return Tensor._wrap(np.logical_not(self._array) if self._array.dtype == np.bool_ else ~self._array)

    def logical_not(self):
        return Tensor._wrap(np.logical_not(self._array))

    def isnan(self):
        return Tensor._wrap(np.isnan(self._array))

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

    def clamp(self, min=None, max=None):
        return unary.clamp(self, min, max)

    clip = clamp

    # -- reductions -------------------------------------------------------------------------------

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return reduction.sum(self, dim, keepdim, dtype=dtype)

    def mean(self, dim=None, keepdim=False):
        return reduction.mean(self, dim, keepdim)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return reduction.var(self, dim, unbiased, keepdim, correction=correction)

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

    # -- shape ------------------------------------------------------------------------------------

    def reshape(self, *shape_):
        return shape.reshape(self, *shape_)

    view = reshape

    def view_as(self, other):
        return self.reshape(other.shape)

    reshape_as = view_as

    def permute(self, *dims):
        return shape.permute(self, *dims)

    def transpose(self, dim0, dim1):
        return shape.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
        return self.transpose(0, 1) if self.ndim == 2 else self

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

    def __getitem__(self, key):
        return shape.Index.apply(self, key=_index_key(key))

    def __setitem__(self, key, value):
        """``x[key] = value``: an in-place write. When x or value requires grad it is recorded as
        any in-place op (``_inplace``): x's new node sends grad to value at key, to old x elsewhere."""
        key = _index_key(key)
        if grad_mode._grad_enabled and (self._requires_grad or isinstance(value, Tensor) and value._requires_grad):
            self._inplace(lambda: shape.IndexPut.apply(self, _operand(value), key=key))
            return
        self._check_inplace_allowed()
        shape.assign(self._array, key, value._array if isinstance(value, Tensor) else value)
        self._version.value += 1

    # -- in-place ops -----------------------------------------------------------------------------

    def _check_inplace_allowed(self):
        if not grad_mode._grad_enabled:
            return
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with minigrad.no_grad():` or use an out-of-place op."
            )
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError(
                "a view of a Variable that requires grad is being used in an in-place operation; "
                "minigrad does not rewrite the base's graph: use an out-of-place op instead."
            )

    def _inplace(self, compute):
        """Run ``compute()`` (an out-of-place op on self) and write its result into self's memory.

        The result's node becomes self's ``grad_fn``: it already points at self's old node, so the
        graph reads old self → op → new self. The version counter moves, so nodes that saved
        self's old values refuse to run backward (this node keeps its own copy of them)."""
        self._check_inplace_allowed()
        result = compute()
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
            )
        if not np.can_cast(result._array.dtype, self._array.dtype, casting="same_kind"):
            raise RuntimeError(
                f"result type {result.dtype.name} can't be cast to the desired output type {self.dtype.name}"
            )
        node = result.grad_fn
        if node is not None and self._base is not None:
            raise RuntimeError(
                "minigrad does not record in-place operations on views (the base's graph would need "
                "rewriting); use an out-of-place op, e.g. minigrad.where or minigrad.cat, instead."
            )
        if node is not None:
            node._protect_saved(self._array)
        np.copyto(self._array, result._array, casting="unsafe")
        self._version.value += 1
        if node is not None:
            if self.retains_grad:  # .grad now means ∂L/∂(new self)
                node.retained_output = self.grad_fn.retained_output
                self.grad_fn.retained_output = None
            self.grad_fn, self._requires_grad = node, True
        return self

    def add_(self, other, *, alpha=1):
        return self._inplace(lambda: self.add(other, alpha=alpha))

    def sub_(self, other, *, alpha=1):
        return self._inplace(lambda: self.sub(other, alpha=alpha))

    def mul_(self, other):
        return self._inplace(lambda: self * other)

    def div_(self, other):
        return self._inplace(lambda: self / other)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def clamp_(self, min=None, max=None):
        return self._inplace(lambda: self.clamp(min, max))

    def zero_(self):
        return self.fill_(0)

    def fill_(self, value):
        value = self._array.dtype.type(value)  # every element becomes value; no gradient reaches the old self
        return self._inplace(lambda: shape.Where.apply(self, value, condition=np.zeros(self.shape, bool)))

    def copy_(self, src):
        """Copy ``src``'s values into self (broadcasting src; gradient flows to src)."""
        src = _operand(src)
        return self._inplace(lambda: shape.Where.apply(self, src, condition=np.zeros(self.shape, bool)).to(self.dtype))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        """Overwrite with N(mean, std²) samples; like ``copy_``, no gradient reaches the old values."""
        from . import random

        return self.copy_(Tensor._wrap(random.normal(self.shape, mean, std, self._array.dtype, generator)))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        """Overwrite with U(a, b) samples; like ``copy_``, no gradient reaches the old values."""
        from . import random

        return self.copy_(Tensor._wrap(random.uniform(self.shape, a, b, self._array.dtype, generator)))


def _rebuild(array, requires_grad):
    return Tensor._wrap(array, requires_grad=requires_grad)


def _operand(x):
    """Numbers stay numbers (they take part in type promotion as Python scalars); arrays and
    lists become tensors."""
    if isinstance(x, (Tensor, int, float, bool, np.number, np.bool_)):
        return x
    if is_torch_tensor(x):
        raise TypeError("cannot mix a torch.Tensor with minigrad; convert it with minigrad.tensor(x.numpy())")
    from .creation import tensor

    return tensor(x)


def _index_key(key):
    """Tensors and lists inside an index become numpy arrays (numpy's indexing equals torch's here)."""
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, Tensor):
        if key._array.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return key._array
    if isinstance(key, list):
        return np.asarray([k._array if isinstance(k, Tensor) else k for k in key])
    return key
