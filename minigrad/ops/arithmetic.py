"""Arithmetic: + - * / unary minus and powers.

Inputs may broadcast against each other; each backward returns gradients in the output's
shape and the engine sums them back to each input's shape (``engine.sum_to_shape``).
"""

import numpy as np

from ..autograd.function import Function


class Add(Function):
    """out = a + b                     ∂L/∂a = grad        ∂L/∂b = grad"""

    backward_name = "AddBackward0"
    promotes_dtypes = True

    def forward(self, a, b):
        return a + b

    def backward(self, grad):
        return grad, grad


class Sub(Function):
    """out = a − b                     ∂L/∂a = grad        ∂L/∂b = −grad"""

    backward_name = "SubBackward0"
    promotes_dtypes = True

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


class Mul(Function):
    """out = a · b                     ∂L/∂a = grad · b    ∂L/∂b = grad · a"""

    backward_name = "MulBackward0"
    promotes_dtypes = True

    def forward(self, a, b):
        # save only what the other input's gradient needs
        self.save_for_backward(a if self.needs_input_grad[1] else None, b if self.needs_input_grad[0] else None)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return (grad * b if self.needs_input_grad[0] else None), (grad * a if self.needs_input_grad[1] else None)


class Div(Function):
    """out = a / b                     ∂L/∂a = grad / b    ∂L/∂b = −grad · a / b²"""

    backward_name = "DivBackward0"
    promotes_dtypes = True

    def forward(self, a, b):
        if a.dtype.kind != "f":  # true division of integers gives the default float dtype
            from ..dtypes import get_default_dtype

            a, b = a.astype(get_default_dtype().numpy), b.astype(get_default_dtype().numpy)
        self.save_for_backward(a if self.needs_input_grad[1] else None, b)
        return a / b

    def backward(self, grad):
        a, b = self.saved_tensors
        grad_a = grad / b if self.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Function):
    """out = −x                        ∂L/∂x = −grad"""

    backward_name = "NegBackward0"

    def forward(self, x):
        if x.dtype == np.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. "
                "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return -x

    def backward(self, grad):
        return -grad


class PowScalar(Function):
    """out = xᵖ (p a number)           ∂L/∂x = grad · p · xᵖ⁻¹"""

    backward_name = "PowBackward0"

    def forward(self, x, exponent):
        self.exponent = exponent
        self.save_for_backward(x)
        return np.power(x, exponent, dtype=x.dtype) if x.dtype.kind == "f" else x**exponent

    def backward(self, grad):
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return np.zeros_like(grad)
        return grad * (p * np.power(x, p - 1, dtype=x.dtype))


class Pow(Function):
    """out = aᵇ (both tensors)         ∂L/∂a = grad · b · aᵇ⁻¹    ∂L/∂b = grad · out · ln a

    Where a = 0 and b > 0, aᵇ is 0 for all b near, so ∂L/∂b = 0 there (torch's convention)."""

    backward_name = "PowBackward1"
    promotes_dtypes = True

    def forward(self, a, b):
        out = np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved_tensors
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = np.where(b == 0, 0.0, grad * b * np.power(a, b - 1)).astype(out.dtype, copy=False)
        if self.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_b = np.where((a == 0) & (b >= 0), 0.0, grad * out * np.log(a)).astype(out.dtype, copy=False)
        return grad_a, grad_b


class RPowScalar(Function):
    """out = cˣ (c a number)           ∂L/∂x = grad · out · ln c    (0 where c = 0 and x ≥ 0)"""

    backward_name = "PowBackward2"

    def forward(self, x, base):
        if x.dtype.kind != "f" and isinstance(base, float):
            from ..dtypes import get_default_dtype

            x = x.astype(get_default_dtype().numpy)
        self.base = base
        out = np.power(np.asarray(base, dtype=x.dtype), x)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = grad * out * np.log(np.asarray(self.base, dtype=out.dtype))
        if self.base == 0:
            grad_x = np.where(x >= 0, 0.0, grad_x).astype(out.dtype, copy=False)
        return grad_x


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


def pow(input, exponent):
    """``input ** exponent``: either side may be a number."""
    from ..tensor import Tensor

    if not isinstance(input, Tensor):
        return RPowScalar.apply(exponent, input)
    if isinstance(exponent, Tensor):
        return Pow.apply(input, exponent)
    if input.dtype.is_floating_point or not isinstance(exponent, float):
        return PowScalar.apply(input, exponent)
    return PowScalar.apply(input.float(), exponent)
