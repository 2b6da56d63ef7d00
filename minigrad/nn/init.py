"""``minigrad.nn.init``: fill a tensor in place with values from a chosen distribution.

Why the scales: a layer's output y = Σᵢ wᵢ·xᵢ sums ``fan_in`` terms, so Var(y) = fan_in·Var(w)·Var(x).
Keeping Var(y) ≈ Var(x) across layers needs Var(w) ≈ 1/fan_in (times a ``gain`` that makes up
for what the nonlinearity removes, e.g. 2 for ReLU, which zeroes half its inputs):

    kaiming (He)     std = gain / √fan                  (fan = fan_in, or fan_out with mode="fan_out")
    xavier (Glorot)  std = gain · √(2 / (fan_in + fan_out))
    U(−b, b) has std b/√3, so the uniform versions draw from U(±√3·std).

Every function works under ``no_grad`` (filling a parameter is not part of any graph), returns
the tensor, and draws from minigrad's generator: ``minigrad.manual_seed`` makes it reproducible.
The distributions are torch's; the random streams are not (different generators).
"""

import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from .. import random


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps activations' variance steady through ``nonlinearity``."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)  # ReLU keeps half of a symmetric input's second moment
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """For a weight of shape (out, in, *kernel): fan_in = in·∏kernel, fan_out = out·∏kernel."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = int(np.prod(tensor.shape[2:])) if tensor.dim() > 2 else 1
    fan_in = tensor.shape[1] * receptive_field_size
    fan_out = tensor.shape[0] * receptive_field_size
    return fan_in, fan_out


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    """Write ``values`` into the tensor's memory (in place, outside the graph)."""
    with no_grad():
        tensor._array[...] = values
        tensor._version_counter.value += 1  # nodes that saved the old values now refuse to run backward
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Values drawn from U(a, b)."""
    return _fill(tensor, random.uniform(tensor.shape, a, b, tensor._array.dtype, generator))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Values drawn from N(mean, std²)."""
    return _fill(tensor, random.normal(tensor.shape, mean, std, tensor._array.dtype, generator))


def constant_(tensor, val):
    return _fill(tensor, val)


def ones_(tensor):
    return _fill(tensor, 1)


def zeros_(tensor):
    return _fill(tensor, 0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(−b, b) with b = gain·√(6 / (fan_in + fan_out))  (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(−b, b) with b = gain·√(3 / fan)  (He et al., 2015); ``a`` is leaky_relu's negative slope.

    Conv2d and Linear use ``a=√5`` for their weights: gain² = 2/(1+5) = 1/3, so b = 1/√fan_in."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std²) with std = gain / √fan."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator)
