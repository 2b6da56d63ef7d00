"""Arithmetic: + - * / and unary minus (powers: ``ops/power.py``).

Inputs may broadcast against each other; each backward returns gradients in the output's
shape and the engine sums them back to each input's shape (``engine.sum_to_shape``).
"""

import warnings

import numpy as np

from .. import dtypes
from .._interop import _type_name
from ..autograd import function, grad_mode, inplace
from ..autograd.function import Function
from ..dtypes import get_default_dtype, result_dtype
from .checks import check_not_bool


class Add(Function):
    """out = a + b                     ∂L/∂a = grad        ∂L/∂b = grad"""

    backward_name = "AddBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """out = a − b                     ∂L/∂a = grad        ∂L/∂b = −grad"""

    backward_name = "SubBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    @classmethod
    def apply(cls, a, b):
        check_not_bool(a, b)  # before promotion: float − bool would promote silently
        return super().apply(a, b)

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    """out = a · b                     ∂L/∂a = grad · b    ∂L/∂b = grad · a"""

    backward_name = "MulBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    def forward(self, a, b):
        # save only what the other input's gradient needs
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return (grad * b if self.needs_input_grad[0] else None), (grad * a if self.needs_input_grad[1] else None)


class Div(Function):
    """out = a / b                     ∂L/∂a = grad / b    ∂L/∂b = −grad · (a / b) / b

    (a / b) / b, not a / b²: b² overflows or underflows in float32 long before the quotient does."""

    backward_name = "DivBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    @classmethod
    def promoted_dtype(cls, *arrays):
        """True division of integers gives the default float dtype (inputs are cast to it)."""
        common = result_dtype(*arrays)
        return common if common.kind == "f" else get_default_dtype().numpy

    def forward(self, a, b):
        self.save_for_backward(a if self.needs_input_grad[1] else None, b)
        return a / b

    def backward(self, grad):
        a, b = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # ∞ and NaN as torch gives them
            grad_a = grad / b if self.needs_input_grad[0] else None
            grad_b = -grad * ((a / b) / b) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class RoundedDiv(Function):
    """out = trunc(a / b) or floor(a / b)        ∂L/∂a = 0      ∂L/∂b = 0
    (``div(a, b, rounding_mode="trunc" | "floor")``; floor is Python's ``a // b``)

    A step function of a and b: flat wherever it is differentiable, so both gradients are 0, as
    torch's. Integers stay integers (7 // 2 = 3); an integer division by 0 is torch's error."""

    backward_name = "DivBackward2"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    def forward(self, a, b, rounding_mode):
        if np.result_type(a) == np.bool_:
            raise NotImplementedError(f"\"div_{rounding_mode}_cpu\" not implemented for 'Bool'")
        if np.result_type(a).kind in "iu":
            if np.any(np.asarray(b) == 0):
                raise RuntimeError("ZeroDivisionError")
            floor = np.floor_divide(a, b)
            if rounding_mode == "floor":
                return floor
            # trunc rounds towards 0: one more than floor where the exact quotient is negative
            return floor + ((floor < 0) & (floor * b != a))
        with np.errstate(divide="ignore", invalid="ignore"):  # a / 0 = ±∞ or NaN, as in torch
            return np.floor_divide(a, b) if rounding_mode == "floor" else np.trunc(a / b)

    def backward(self, grad):
        zero = np.zeros_like(grad)
        return (zero if self.needs_input_grad[0] else None), (zero if self.needs_input_grad[1] else None)


class Reciprocal(Function):
    """out = 1 / x                     ∂L/∂x = −grad · out²

    ``number / x`` is ``x.reciprocal() * number`` in torch (Tensor.__rtruediv__): its graph is
    MulBackward0 → ReciprocalBackward0, which keeps out, not x (x may then change in place)."""

    backward_name = "ReciprocalBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        if x.dtype.kind != "f":  # integers and bools give the default float dtype
            x = x.astype(get_default_dtype().numpy)
        with np.errstate(divide="ignore"):
            out = np.asarray(np.reciprocal(x))  # an array even if 0-d: the saved out is the output's memory
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return -grad * (out * out)


class Neg(Function):
    """out = −x                        ∂L/∂x = −grad"""

    backward_name = "NegBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        if x.dtype == np.bool_:
            raise NotImplementedError(
                "Negation, the `-` operator, on a bool tensor is not supported. "
                "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return -x

    def backward(self, grad):
        return -grad


# -- the functions users call ---------------------------------------------------------------------


def add(input, other, *, alpha=1, out=None):
    if out is not None:
        return with_out("add", lambda: add(input, other, alpha=alpha), out, input, other)
    return Add.apply(input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1, out=None):
    if out is not None:
        return with_out("sub", lambda: sub(input, other, alpha=alpha), out, input, other)
    return Sub.apply(input, other if alpha == 1 else other * alpha)


def mul(input, other, *, out=None):
    if out is not None:
        return with_out("mul", lambda: mul(input, other), out, input, other)
    return Mul.apply(input, other)


def div(input, other, *, rounding_mode=None, out=None):
    """a / b; ``rounding_mode="trunc"`` rounds the quotient towards 0, ``"floor"`` down (``a // b``)."""
    if out is not None:
        return with_out("div", lambda: div(input, other, rounding_mode=rounding_mode), out, input, other)
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    return RoundedDiv.apply(input, other, rounding_mode=rounding_mode)


def neg(input):
    return Neg.apply(input)


def reciprocal(input):
    return Reciprocal.apply(input)


# -- out=: a result written into a tensor the caller gives ---------------------------------------


def with_out(function_name, compute, out, *inputs):
    """torch's ``f(..., out=out)``: ``compute()``'s result written into ``out``, which is returned.

    Not differentiable (the write would cut the graph): torch's error when, with recording on, an
    input or out requires grad. Under ``no_grad`` (an optimizer step, say) it is allowed."""
    if not isinstance(out, function.Tensor):
        raise TypeError(f"{function_name}(): argument 'out' must be Tensor, not {_type_name(out)}")
    if grad_mode.is_grad_enabled() and any(getattr(x, "requires_grad", False) for x in (*inputs, out)):
        raise RuntimeError(
            f"{function_name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    with grad_mode.no_grad():
        result = compute()
    return write_out(function_name, result._array, out)


def write_out(function_name, array, out, warn_on_resize=True):
    """Copy ``array`` into ``out`` (cast to out's dtype), as torch does:

    - the result's dtype must cast to out's without changing category: a float result cannot go
      into an integer out, nor a number into a bool one (torch's ``canCast``);
    - an out of another shape is resized first (its values are lost); torch warns when out had
      elements (factories like ``zeros`` resize silently: ``warn_on_resize=False``)."""
    result_kind, out_kind = array.dtype.kind, out._array.dtype.kind
    if (result_kind == "f" and out_kind != "f") or (result_kind != "b" and out_kind == "b"):
        raise RuntimeError(
            f"result type {dtypes.from_numpy_dtype(array.dtype).torch_name} can't be cast to the desired "
            f"output type {out.dtype.torch_name}"
        )
    inplace.check_allowed(out)  # e.g. an expanded out: several elements in one memory location
    if out._array.shape != array.shape:
        if out._base is not None:
            raise RuntimeError(
                f"{function_name}(): out is a view of shape {list(out.shape)} and the result has shape "
                f"{list(array.shape)}; minigrad cannot resize a view: pass an out of the result's shape"
            )
        if warn_on_resize and out._array.size != 0:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does "
                f"not match the required output shape {list(array.shape)}. This behavior is deprecated, and in a "
                "future PyTorch release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor by passing one with zero elements (minigrad.empty(0)).",
                UserWarning,
                stacklevel=5,  # write_out, with_out, add, the argument parser, the caller
            )
        out._array, out._torch_strides = np.empty(array.shape, out._array.dtype), None
    np.copyto(out._array, array, casting="unsafe")
    out._version_counter.value += 1
    return out
