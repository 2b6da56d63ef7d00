"""Arithmetic: + - * / unary minus and powers.

Inputs may broadcast against each other; each backward returns gradients in the output's
shape and the engine sums them back to each input's shape (``engine.sum_to_shape``).
"""

import numpy as np

from ..autograd.function import Function
from ..dtypes import result_dtype


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

    @classmethod
    def apply(cls, a, b):
        _check_not_bool(a, b)  # before promotion: float − bool would promote silently
        return super().apply(a, b)

    def forward(self, a, b):
        return a - b

    def backward(self, grad):
        return grad, (-grad if self.needs_input_grad[1] else None)


def _check_not_bool(a, b):
    """torch refuses ``−`` on bool: on masks it means xor (``^``) or not (``~``)."""
    is_bool = [isinstance(x, (bool, np.bool_)) or getattr(getattr(x, "dtype", None), "name", None) == "bool" for x in (a, b)]
    if all(is_bool):
        raise NotImplementedError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if any(is_bool):
        raise NotImplementedError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


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

    @classmethod
    def promoted_dtype(cls, *arrays):
        """True division of integers gives the default float dtype (inputs are cast to it)."""
        from ..dtypes import get_default_dtype

        common = result_dtype(*arrays)
        return common if common.kind == "f" else get_default_dtype().numpy

    def forward(self, a, b):
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
            raise NotImplementedError(
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
        x = x.astype(result_dtype(x, exponent), copy=False)  # int tensor ** 0.5 is a float tensor
        if x.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        self.exponent = exponent
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -1 = inf, as in torch
            return np.power(x, exponent, dtype=x.dtype)

    def backward(self, grad):
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return np.zeros_like(grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad * (p * np.power(x, p - 1, dtype=x.dtype))


class Pow(Function):
    """out = aᵇ (both tensors)         ∂L/∂a = grad · b · aᵇ⁻¹    ∂L/∂b = grad · out · ln a

    Where a = 0 and b > 0, aᵇ is 0 for all b near, so ∂L/∂b = 0 there (torch's convention)."""

    backward_name = "PowBackward1"
    promotes_dtypes = True

    def forward(self, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = integer_power(a, b) if a.dtype.kind in "iu" else np.power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved_tensors
        grad_a = grad_b = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                grad_a = np.where(b == 0, 0.0, grad * b * np.power(a, b - 1)).astype(out.dtype, copy=False)
            if self.needs_input_grad[1]:
                grad_b = np.where((a == 0) & (b >= 0), 0.0, grad * out * np.log(a)).astype(out.dtype, copy=False)
        return grad_a, grad_b


class RPowScalar(Function):
    """out = cˣ (c a number)           ∂L/∂x = grad · out · ln c    (0 where c = 0 and x ≥ 0)"""

    backward_name = "PowBackward2"

    def forward(self, x, base):
        x = x.astype(result_dtype(x, base), copy=False)  # 2.5 ** int tensor is a float tensor
        self.base = base
        base = np.asarray(base, dtype=x.dtype)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = integer_power(base, x) if x.dtype.kind in "iu" else np.power(base, x)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            grad_x = grad * out * np.log(np.asarray(self.base, dtype=out.dtype))
        if self.base == 0:
            grad_x = np.where(x >= 0, 0.0, grad_x).astype(out.dtype, copy=False)
        return grad_x


def integer_power(base, exponent):
    """bᵉ for integer arrays as torch computes it: e < 0 gives the integer part of 1/b⁻ᵉ, so 0
    except for b = 1 (1) and b = −1 (±1); numpy would raise instead."""
    negative = exponent < 0
    out = np.power(base, np.where(negative, 0, exponent))
    if negative.any():
        reciprocal = np.where(base == 1, 1, np.where(base == -1, 1 - 2 * (exponent % 2), 0))  # (−1)ᵉ = ±1
        out = np.where(negative, reciprocal, out).astype(out.dtype, copy=False)
    return out


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
        return RPowScalar.apply(exponent, base=input)
    if isinstance(exponent, Tensor):
        return Pow.apply(input, exponent)
    return PowScalar.apply(input, exponent=exponent)
