"""Elementwise math: exp, log, sqrt, abs, sigmoid, tanh, relu, clamp.

Where the derivative is cheapest in terms of the result, the op saves ``out`` instead of x
(exp, sqrt, sigmoid, tanh), as torch does.
"""

import numpy as np

from ..autograd.function import Function
from ..dtypes import get_default_dtype


def _as_float(x):
    """Integer inputs to transcendental functions compute in the default float dtype, as in torch."""
    return x if x.dtype.kind == "f" else x.astype(get_default_dtype().numpy)


class Exp(Function):
    """out = eˣ                        ∂L/∂x = grad · out"""

    backward_name = "ExpBackward0"

    def forward(self, x):
        out = np.exp(_as_float(x))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * out


class Log(Function):
    """out = ln x                      ∂L/∂x = grad / x"""

    backward_name = "LogBackward0"

    def forward(self, x):
        x = _as_float(x)
        self.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    def backward(self, grad):
        (x,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / x


class Sqrt(Function):
    """out = √x                        ∂L/∂x = grad / (2 · out)"""

    backward_name = "SqrtBackward0"

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            out = np.sqrt(_as_float(x))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (2 * out)


class Abs(Function):
    """out = |x|                       ∂L/∂x = grad · sign(x)      (sign(0) = 0)"""

    backward_name = "AbsBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * np.sign(x)


class Sigmoid(Function):
    """out = 1 / (1 + e⁻ˣ)             ∂L/∂x = grad · out · (1 − out)"""

    backward_name = "SigmoidBackward0"

    def forward(self, x):
        x = _as_float(x)
        # e^(-|x|) never overflows: for x ≥ 0 use 1/(1+e⁻ˣ), for x < 0 use eˣ/(1+eˣ)
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * out * (1 - out)


class Tanh(Function):
    """out = tanh x                    ∂L/∂x = grad · (1 − out²)"""

    backward_name = "TanhBackward0"

    def forward(self, x):
        out = np.tanh(_as_float(x))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * (1 - out * out)


class Relu(Function):
    """out = max(x, 0)                 ∂L/∂x = grad · [out > 0]    (relu'(0) = 0)"""

    backward_name = "ReluBackward0"

    def forward(self, x):
        out = np.maximum(x, 0, dtype=x.dtype)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * (out > 0)


class Clamp(Function):
    """out = min(max(x, low), high)    ∂L/∂x = grad · [low ≤ x ≤ high]   (the bounds pass gradient)"""

    backward_name = "ClampBackward1"

    def forward(self, x, min=None, max=None):
        self.save_for_backward(x)
        self.low, self.high = min, max
        out = x
        if min is not None:
            out = np.maximum(out, min, dtype=x.dtype if isinstance(min, (int, float)) else None)
        if max is not None:
            out = np.minimum(out, max, dtype=x.dtype if isinstance(max, (int, float)) else None)
        return out if out is not x else x.copy()

    def backward(self, grad):
        (x,) = self.saved_tensors
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return grad * inside


def exp(input):
    return Exp.apply(input)


def log(input):
    return Log.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def abs(input):
    return Abs.apply(input)


def sigmoid(input):
    return Sigmoid.apply(input)


def tanh(input):
    return Tanh.apply(input)


def relu(input):
    return Relu.apply(input)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return Clamp.apply(input, min=min, max=max)
