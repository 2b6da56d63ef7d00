"""``Linear``: out = x @ Wᵀ + b, with W of shape (out_features, in_features), as ``torch.nn.Linear``."""

import math

import numpy as np

from ... import dtypes
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


def _parameter(shape, dtype):
    """An uninitialised Parameter in ``dtype`` (the default float dtype when None)."""
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    return Parameter(np.empty(shape, dtype.numpy))


class Linear(Module):
    """Applies out = x @ Wᵀ + b to the last dimension: (*, in_features) → (*, out_features)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        if device is not None and str(device) != "cpu":
            raise RuntimeError(f"minigrad runs on the CPU only; device {str(device)!r} is not available")
        self.in_features = in_features
        self.out_features = out_features
        self.weight = _parameter((out_features, in_features), dtype)
        if bias:
            self.bias = _parameter((out_features,), dtype)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default: W ~ U(±1/√in_features) (kaiming_uniform_ with a=√5), b ~ U(±1/√in_features)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

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
