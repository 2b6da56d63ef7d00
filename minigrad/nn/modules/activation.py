"""Activation layers: ``ReLU``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``.

Each is a parameter-free module whose ``forward`` calls the function of the same name in
``minigrad.nn.functional`` (the op and its derivative live in ``minigrad/ops/``).
"""

from .. import functional as F
from ..module import Module


class ReLU(Module):
    """out = max(x, 0); ``inplace=True`` overwrites the input with the result."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class LeakyReLU(Module):
    """out = x where x > 0, else negative_slope · x; ``inplace=True`` overwrites the input."""

    def __init__(self, negative_slope=1e-2, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """out = 1 / (1 + e^(−x))"""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """out = tanh(x)"""

    def forward(self, input):
        return F.tanh(input)


class Softmax(Module):
    """out = e^x / Σ e^x along ``dim`` (each slice along dim sums to 1)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """out = x − log Σ e^x along ``dim`` (computed stably: the max is subtracted first)."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.log_softmax(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"
