"""Powers: ``x ** p``, ``c ** x`` and ``a ** b``, with torch's special cases (√ for p = ½,
integer and bool bases, 0 ** x).

Inputs may broadcast against each other; the engine sums each gradient back to its input's shape.
"""

import numpy as np

from ..autograd import function
from ..autograd.function import Function
from ..dtypes import result_dtype


class PowScalar(Function):
    """out = xᵖ (p a number)           ∂L/∂x = grad · p · xᵖ⁻¹    (0 everywhere when p = 0)

    xᵖ is computed as torch computes it: p = ½ as √x and p = −½ as 1/√x (so (−0)^−½ = −∞ and
    (−∞)^½ = NaN), other p by pow(); xᵖ⁻¹ in the gradient likewise."""

    backward_name = "PowBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x, exponent):
        if isinstance(exponent, np.generic):  # a numpy number acts as the Python number it holds
            exponent = exponent.item()
        if x.dtype == np.bool_ and isinstance(exponent, bool):  # bool ** bool stays bool: x, or all True
            return x.copy() if exponent else np.ones_like(x)
        x = x.astype(result_dtype(x, exponent), copy=False)  # int tensor ** 0.5 is a float tensor
        if x.dtype.kind in "iu":
            if exponent < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            check_fits(exponent, x.dtype)
        self.exponent = exponent
        self.save_for_backward(x)
        return power(x, exponent)

    def backward(self, grad):
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return np.zeros_like(grad)
        with np.errstate(invalid="ignore", over="ignore"):  # ∞ · 0 = NaN, as in torch
            return grad * (p * power(x, p - 1))


def power(x, p):
    """xᵖ for an array x and a number p, with torch's special cases: √x for p = ½, 1/√x for p = −½."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # 0 ** -1 = inf, as in torch
        if x.dtype.kind == "f" and p == 0.5:
            return np.sqrt(x)
        if x.dtype.kind == "f" and p == -0.5:
            return 1 / np.sqrt(x)
        return np.power(x, p, dtype=x.dtype)


def elementwise_power(a, b):
    """aᵇ element by element, as C's pow gives it (torch's tensor ** tensor). numpy replaces a 0-d
    exponent ½ or 2 by √a or a² (√−∞ = NaN where pow(−∞, ½) = +∞): an exponent of one element
    is passed as a 1-d array, which numpy does not shortcut."""
    if np.ndim(b) == 0:
        return np.power(a, np.reshape(b, (1,) * max(np.ndim(a), 1))).reshape(np.shape(a))
    return np.power(a, b)


def check_fits(exponent, dtype):
    """torch converts an integer tensor's exponent to the tensor's type and refuses one that does not fit."""
    info = np.iinfo(dtype)
    if not info.min <= exponent <= info.max:
        name = {np.dtype(np.uint8): "uint8_t", np.dtype(np.int32): "int"}.get(np.dtype(dtype), "int64_t")
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _check_not_both_bool(a, b):
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        raise NotImplementedError('"pow" not implemented for \'Bool\' (convert one operand with .long() or .float())')


class Pow(Function):
    """out = aᵇ (both tensors)         ∂L/∂a = grad · b · aᵇ⁻¹ (0 where b = 0)    ∂L/∂b = grad · out · ln a

    Where a = 0 and b ≥ 0, aᵇ is 0 (or 1) for all b near, so ∂L/∂b = grad · 0 there (torch's
    convention; a product, so a NaN grad stays NaN). ∂L/∂a is selected: 0 where b = 0."""

    backward_name = "PowBackward1"
    keeps_layout = True  # elementwise (autograd/layout.py)
    promotes_dtypes = True

    def forward(self, a, b):
        _check_not_both_bool(a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.asarray(integer_power(a, b) if a.dtype.kind in "iu" else elementwise_power(a, b))  # an array even if 0-d
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved_tensors
        grad_a = grad_b = None
        zero = out.dtype.type(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.needs_input_grad[0]:
                grad_a = np.where(b == 0, zero, grad * (b * elementwise_power(a, b - 1)))  # grouped as torch: NaN where b·aᵇ⁻¹ underflows
            if self.needs_input_grad[1]:
                grad_b = grad * np.where((a == 0) & (b >= 0), zero, out * np.log(a))
        return grad_a, grad_b


class RPowScalar(Function):
    """out = cˣ (c a number)           ∂L/∂x = grad · out · ln c    (grad · 0 where c = 0 and x ≥ 0)

    An integer tensor's base is converted to its type, wrapping around as in torch ((−2) ** uint8)."""

    backward_name = "PowBackward2"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x, base):
        if isinstance(base, np.generic):
            base = base.item()
        if x.dtype == np.bool_ and isinstance(base, bool):
            raise NotImplementedError('"pow" not implemented for \'Bool\' (convert the tensor with .long() or .float())')
        x = x.astype(result_dtype(x, base), copy=False)  # 2.5 ** int tensor is a float tensor
        self.base = base
        base = np.asarray(base).astype(x.dtype)  # (an integer base out of the type's range wraps)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.asarray(integer_power(base, x) if x.dtype.kind in "iu" else elementwise_power(base, x))
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = out * np.log(np.asarray(self.base, dtype=out.dtype))
        if self.base == 0:
            scale = np.where(x >= 0, out.dtype.type(0), scale)
        with np.errstate(invalid="ignore", over="ignore"):
            return grad * scale


def integer_power(base, exponent):
    """bᵉ for integer arrays as torch computes it: e < 0 gives the integer part of 1/b⁻ᵉ, so 0
    except for b = 1 (1) and b = −1 (±1); numpy would raise instead."""
    negative = exponent < 0
    out = np.power(base, np.where(negative, 0, exponent))
    if negative.any():
        reciprocal = np.where(base == 1, 1, np.where(base == -1, 1 - 2 * (exponent % 2), 0))  # (−1)ᵉ = ±1
        out = np.where(negative, reciprocal, out).astype(out.dtype, copy=False)
    return out


# -- the function users call ----------------------------------------------------------------------


def pow(input, exponent):
    """``input ** exponent``: either side may be a number."""
    Tensor = function.Tensor
    if not isinstance(input, Tensor):
        return RPowScalar.apply(exponent, base=input)
    if isinstance(exponent, Tensor):
        return Pow.apply(input, exponent)
    return PowScalar.apply(input, exponent=exponent)
