"""``Linear``: out = x @ Wᵀ + b, with W of shape (out_features, in_features), as ``torch.nn.Linear``."""

import math

import numpy as np

from ... import dtypes
from ..._interop import check_device
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


def _add_weight_and_bias(layer, weight_shape, bias, dtype):
    """Give ``layer`` an uninitialised ``weight`` of ``weight_shape`` and, when ``bias``, a ``bias``
    of shape (weight_shape[0],) (without one, a ``None`` bias, as torch registers it), in ``dtype``
    (the default float dtype when None). Linear and Conv2d build their parameters here."""
    numpy_dtype = (dtypes.to_dtype(dtype) or dtypes.get_default_dtype()).numpy
    layer.weight = Parameter(np.empty(weight_shape, numpy_dtype))
    if bias:
        layer.bias = Parameter(np.empty(weight_shape[:1], numpy_dtype))
    else:
        layer.register_parameter("bias", None)


def _reset_weight_and_bias(weight, bias):
    """torch's default for Linear and Conv2d: W ~ U(±1/√fan_in) (kaiming_uniform_ with a=√5:
    gain² = 2/(1+5) = 1/3, bound = √3·gain/√fan_in), and b ~ U(±1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """Applies out = x @ Wᵀ + b to the last dimension: (*, in_features) → (*, out_features)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        check_device(device)
        self.in_features = in_features
        self.out_features = out_features
        _add_weight_and_bias(self, (out_features, in_features), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default: W ~ U(±1/√in_features), b ~ U(±1/√in_features)."""
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """out = input (a placeholder layer; any constructor arguments are ignored, as in torch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
