"""``dropout``: during training, zero each element with probability p and scale the rest by 1/(1−p).

The scaling keeps every element's expected value unchanged, E[out] = (1−p) · x/(1−p) = x, so
the network needs no change at evaluation time, when dropout is the identity.

The mask comes from minigrad's global generator (``minigrad.manual_seed`` makes it
reproducible); minigrad cannot reproduce torch's random stream, only its statistics.
"""

import numbers

import numpy as np

from .. import random
from ..autograd import inplace as inplace_ops
from ..autograd.function import Function


class Dropout(Function):
    """out = x · m / (1−p), m ~ Bernoulli(1−p) per element     ∂L/∂x = grad · m / (1−p)
    where p = the probability of zeroing an element, m = the mask: 1 where the element is kept

    The kept mask scaled by 1/(1−p) is drawn once in forward and saved: backward lets the
    gradient through exactly where forward let the value through. p = 1 zeroes everything.
    """

    backward_name = "MulBackward0"  # torch's CPU dropout is `input * scaled_mask`
    keeps_layout = True  # elementwise (autograd/layout.py)

    def forward(self, x, p):
        keep = random.uniform(x.shape, 0.0, 1.0, np.float64) >= p  # True with probability 1 − p
        if p == 1:
            scaled_mask = np.zeros(x.shape, x.dtype)
        else:
            scaled_mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
        self.save_for_backward(scaled_mask)
        return x * scaled_mask

    def backward(self, grad):
        (scaled_mask,) = self.saved_tensors
        return grad * scaled_mask


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements of ``input`` with probability ``p`` (when ``training``) and scale the rest by 1/(1−p)."""
    if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input  # the identity: torch returns the same tensor
    if not input.dtype.is_floating_point and p != 1:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {input.dtype.torch_name}: "
            "dropout scales by 1/(1-p), so its input must be a floating-point tensor (convert it with .float())"
        )
    if inplace:
        return inplace_ops.write(input, lambda: Dropout.apply(input, float(p)))
    return Dropout.apply(input, float(p))
