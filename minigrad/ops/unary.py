"""Elementwise math: exp, log, sqrt, abs, sigmoid, tanh, relu, leaky_relu, clamp, round.

Where the derivative is cheapest in terms of the result, the op saves ``out`` instead of x
(exp, sqrt, sigmoid, tanh, relu), as torch does. A saved ``out`` is the very array the op returns
(``np.asarray``: numpy gives a 0-d result as a scalar), so changing the output in place is caught.
"""

import numbers

import numpy as np

from ..autograd import inplace
from ..autograd.function import Function
from ..dtypes import from_numpy_dtype, get_default_dtype, result_dtype


def _as_float(x):
    """Integer inputs to transcendental functions compute in the default float dtype, as in torch."""
    return x if x.dtype.kind == "f" else x.astype(get_default_dtype().numpy)


class Exp(Function):
    """out = eˣ                        ∂L/∂x = grad · out"""

    backward_name = "ExpBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        out = np.asarray(np.exp(_as_float(x)))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * out


class Log(Function):
    """out = ln x                      ∂L/∂x = grad / x"""

    backward_name = "LogBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

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
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        with np.errstate(invalid="ignore"):
            out = np.asarray(np.sqrt(_as_float(x)))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (2 * out)


def sign(x):
    """sign(x) as torch's backwards use it: −1, 0 or 1, and 0 (not NaN) at a NaN."""
    return (x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)


class Abs(Function):
    """out = |x|                       ∂L/∂x = grad · sign(x)      (sign(0) = sign(NaN) = 0)"""

    backward_name = "AbsBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        self.save_for_backward(x)
        return np.abs(x)

    def backward(self, grad):
        (x,) = self.saved_tensors
        with np.errstate(invalid="ignore"):  # ∞ · 0 = NaN, as in torch
            return grad * sign(x)  # a product, as torch's: a NaN grad stays NaN even where sign is 0


class Sigmoid(Function):
    """out = 1 / (1 + e⁻ˣ)             ∂L/∂x = grad · out · (1 − out)"""

    backward_name = "SigmoidBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

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
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        out = np.asarray(np.tanh(_as_float(x)))
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return grad * (1 - out * out)


class Relu(Function):
    """out = max(x, 0)                 ∂L/∂x = grad where out ≤ 0 is false, else 0

    relu'(0) = 0, and a NaN x (NaN ≤ 0 is false) passes grad, as in torch. Where the mask is off
    the gradient is exactly 0 even when grad is NaN or ∞: the mask selects, it does not multiply."""

    backward_name = "ReluBackward0"
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x):
        out = np.where(x < 0, x.dtype.type(0), x)  # relu(-0.0) = -0.0 and relu(NaN) = NaN, as torch
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved_tensors
        return np.where(out <= 0, grad.dtype.type(0), grad)


class LeakyRelu(Function):
    """out = x where x > 0, else slope · x      ∂L/∂x = grad where x > 0, else slope · grad
    where slope = negative_slope (0.01 by default)

    leaky_relu'(0) = slope, and a NaN x gets slope · grad (NaN > 0 is false), as in torch. Unlike
    relu's, this backward multiplies: a NaN grad stays NaN even where slope is 0 (torch's too)."""

    backward_name = "LeakyReluBackward0"

    def forward(self, x, negative_slope):
        self.negative_slope = negative_slope
        self.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # −∞ · 0 = NaN, as in torch
            return np.where(x > 0, x, x * x.dtype.type(negative_slope))  # −0.0 and NaN stay themselves

    def backward(self, grad):
        (x,) = self.saved_tensors
        with np.errstate(invalid="ignore"):
            return np.where(x > 0, grad, grad * grad.dtype.type(self.negative_slope))


class LeakyReluInPlace(LeakyRelu):
    """out = x where x > 0, else slope · x, written over x (``leaky_relu_``)
    ∂L/∂x = grad where out > 0, else slope · grad
    where slope = negative_slope

    x is gone after the write, so backward reads the sign from out, as torch's in-place node
    does; out > 0 exactly where x > 0 only when slope ≥ 0, so with a negative slope backward
    raises torch's error (forward is allowed)."""

    backward_name = "LeakyReluBackward1"

    def forward(self, x, negative_slope):
        out = super().forward(x, negative_slope)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        if self.negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
                "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
                "version instead."
            )
        return super().backward(grad)


class Clamp(Function):
    """out = min(max(x, low), high): x where low ≤ x ≤ high, low below, high above.
    where low and high are the bounds (min and max), numbers or tensors

    Number bounds (ClampBackward1): ∂L/∂x = grad where low < x < high, else 0   (0 on a bound)
    A missing bound sets no condition (clamp(x, min=0) at x = ∞ passes grad); a NaN x gets 0.

    Tensor bounds (ClampBackward0): ∂L/∂x = grad · (0 where x < low or x > high;  else ½ on a tie, 1 otherwise)
        ∂L/∂low  = grad · (1 where x < low ≤ high;  ½ on a tie with low)
        ∂L/∂high = grad · (1 where x > high ≥ low, and everywhere if low > high (out = high))
    Tensor bounds broadcast against x and get gradients too: each element's grad goes to what
    the output copied, and x and a bound it ties share it (½ each) when low < high. With one
    tensor bound the rules are torch.maximum(x, low)'s / torch.minimum(x, high)'s, where a
    bound gets grad wherever x does not beat it (so a NaN x gives grad to both).
    Every mask selects (where it is 0 the gradient is 0 even if grad is NaN or ∞); a missing
    bound never ties. (torch 2.14's rules, measured.)"""

    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x, low, high):
        self.number_bounds = not any(isinstance(b, np.ndarray) for b in (low, high))
        self.backward_name = "ClampBackward1" if self.number_bounds else "ClampBackward0"
        dtype = result_dtype(x, *(b for b in (low, high) if b is not None))  # int.clamp(0.5) is float
        x = x.astype(dtype, copy=False)
        low, high = (None if b is None else np.asarray(b).astype(dtype, copy=False) for b in (low, high))
        self.save_for_backward(x, low, high)
        # where x equals a bound, x itself (torch keeps -0.0 against a bound of 0); a NaN anywhere wins
        out = x if low is None else np.where(x == low, x, np.maximum(x, low))
        return out if high is None else np.where(out == high, out, np.minimum(out, high))

    def backward(self, grad):
        x, low, high = self.saved_tensors
        zero = grad.dtype.type(0)
        if self.number_bounds:  # grad where low < x < high (each condition only if that bound is given)
            inside = (True if low is None else x > low) & (True if high is None else x < high)
            return np.where(inside, grad, zero), None, None
        half = grad * grad.dtype.type(0.5)

        def share(tie, whole):  # grad · (½ where tie, 1 where whole, 0 elsewhere), selected
            return np.where(tie, half, np.where(whole, grad, zero))

        ordered = True if low is None or high is None else low < high
        tie_low = False if low is None else (x == low) & ordered
        tie_high = False if high is None else (x == high) & ordered
        below = False if low is None else x < low
        above = False if high is None else x > high
        grad_x = share(tie_low | tie_high, ~(below | above))
        if low is None or high is None:  # torch.maximum(x, low) or torch.minimum(x, high)
            grad_low = None if low is None else share(tie_low, ~(x > low))
            grad_high = None if high is None else share(tie_high, ~(x < high))
        else:
            grad_low = share(tie_low, below & (low <= high))
            grad_high = share(tie_high, above & (low <= high) | (low > high))
        return grad_x, (grad_low if self.needs_input_grad[1] else None), (grad_high if self.needs_input_grad[2] else None)


class Round(Function):
    """out = x rounded to the nearest integer, a half to the even one (2.5 → 2), or to ``decimals`` places
    ∂L/∂x = 0

    A staircase: flat between its steps, so the derivative is 0 wherever it exists, and torch
    takes 0 at the steps too (exactly 0: a NaN or ∞ grad does not get through). With decimals
    d > 0: round(x · 10ᵈ) / 10ᵈ; with d < 0: round(x / 10⁻ᵈ) · 10⁻ᵈ, in x's dtype, as torch
    computes it (so 1e300 with d = 10 overflows to ∞ in float64, as in torch)."""

    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x, decimals=None):
        self.backward_name = "RoundBackward0" if decimals is None else "RoundBackward1"
        if x.dtype == np.bool_ or (x.dtype.kind != "f" and decimals):  # torch names the kernel that refused
            kernel = "round_vml_cpu" if decimals is None else "round_cpu"
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{from_numpy_dtype(x.dtype).torch_name}'")
        if x.dtype.kind != "f":
            return x.copy()  # integers are already round
        if not decimals:
            return np.rint(x)
        scale = x.dtype.type(10.0 ** abs(decimals))
        with np.errstate(over="ignore", invalid="ignore"):
            return np.rint(x * scale) / scale if decimals > 0 else np.rint(x / scale) * scale

    def backward(self, grad):
        return np.zeros_like(grad)


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


def round(input, *, decimals=None):
    """Round half to even (``decimals``: to that many decimal places); its gradient is 0."""
    return Round.apply(input, decimals=None if decimals is None else int(decimals))


def relu_(input):
    """relu in place: x's memory gets the result (``torch.relu_``, ``F.relu_``)."""
    return in_place(Relu, input)


def nn_relu(input, inplace=False):
    """``torch.nn.functional.relu``: relu, or relu_ with ``inplace=True``."""
    return relu_(input) if inplace else relu(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``torch.nn.functional.leaky_relu``: x where x > 0, else negative_slope · x."""
    if not isinstance(negative_slope, numbers.Number):
        raise TypeError(
            f"leaky_relu(): argument 'negative_slope' (position 2) must be Number, not {type(negative_slope).__name__}"
        )
    if input.dtype.name not in ("float32", "float64"):
        raise NotImplementedError(f"\"leaky_relu_cpu\" not implemented for '{input.dtype.torch_name}'")
    if inplace:
        return in_place(LeakyReluInPlace, input, negative_slope=float(negative_slope))
    return LeakyRelu.apply(input, negative_slope=float(negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place (``F.leaky_relu_``)."""
    return leaky_relu(input, negative_slope, inplace=True)


def in_place(op, input, **options):
    """Run ``op`` (one that saves its output) and write the result into input's memory
    (autograd/inplace.py). After the write that output *is* input, so the op's node saves
    input itself, at its new version, as torch's does: changing input in place again before
    backward makes backward raise instead of using changed values."""
    results = []

    def compute():  # the out-of-place op, its result kept to find its node
        results.append(op.apply(input, **options))
        return results[0]

    inplace.write(input, compute)
    node = results[0].grad_fn
    if node is not None:
        node.save_for_backward(input._array)
        inplace.watch_saved_versions(node, [input])
    return input


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    return Clamp.apply(input, min, max)
