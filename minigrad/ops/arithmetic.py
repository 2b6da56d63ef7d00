"""Arithmetic: + - * / and unary minus (powers: ``ops/power.py``).

Inputs may broadcast against each other; each backward returns gradients in the output's
shape and the engine sums them back to each input's shape (``engine.sum_to_shape``).
"""

import numpy as np

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
            out = np.reciprocal(x)
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


def add(input, other, *, alpha=1):
    return Add.apply(input, other if alpha == 1 else other * alpha)


def sub(input, other, *, alpha=1):
    return Sub.apply(input, other if alpha == 1 else other * alpha)


def mul(input, other):
    return Mul.apply(input, other)


def div(input, other):
    return Div.apply(input, other)


def neg(input):
    return Neg.apply(input)


def reciprocal(input):
    return Reciprocal.apply(input)
