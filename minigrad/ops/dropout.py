"""``dropout``: during training, zero each element with probability p and scale the rest by 1/(1−p);
``dropout2d``: the same for whole channels (every value of a feature map kept or zeroed together).

The scaling keeps every element's expected value unchanged, E[out] = (1−p) · x/(1−p) = x, so
the network needs no change at evaluation time, when dropout is the identity.

The mask comes from minigrad's global generator (``minigrad.manual_seed`` makes it
reproducible); minigrad cannot reproduce torch's random stream, only its statistics.
"""

import numbers
import warnings

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
    return apply_dropout(Dropout, "dropout", input, p, inplace)


def apply_dropout(op, name, input, p, inplace):
    """Run a dropout ``op`` (out of place, or written over input): its input must be floating point."""
    if not input.dtype.is_floating_point and p != 1:
        raise RuntimeError(
            f"result type Float can't be cast to the desired output type {input.dtype.torch_name}: "
            f"{name} scales by 1/(1-p), so its input must be a floating-point tensor (convert it with .float())"
        )
    if inplace:
        return inplace_ops.write(input, lambda: op.apply(input, float(p)))
    return op.apply(input, float(p))


class FeatureDropout(Function):
    """out = x · m[n, c] / (1−p), m ~ Bernoulli(1−p) per channel     ∂L/∂x = grad · m[n, c] / (1−p)
    where p = the probability of zeroing a channel, m = the mask: 1 where channel c of sample n is kept

    The mask has shape (N, C, 1, …, 1): one draw per (sample, channel), broadcast over the
    channel's values, so a feature map is dropped or kept whole (neighbouring pixels of one map
    are strongly correlated, and dropping single pixels of it would hardly regularise). As in
    ``Dropout`` the scaled mask is saved, and backward lets the gradient through where forward
    let the values through.
    """

    backward_name = "MulBackward0"  # torch's feature dropout is `input * scaled_mask` too

    def forward(self, x, p):
        mask_shape = x.shape[:2] + (1,) * (x.ndim - 2)  # (N, C, 1, …, 1)
        keep = random.uniform(mask_shape, 0.0, 1.0, np.float64) >= p  # True with probability 1 − p
        if p == 1:
            scaled_mask = np.zeros(mask_shape, x.dtype)
        else:
            scaled_mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
        self.save_for_backward(scaled_mask)
        return x * scaled_mask  # broadcast over each channel's values

    def backward(self, grad):
        (scaled_mask,) = self.saved_tensors
        return grad * scaled_mask


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) with probability ``p`` (when ``training``) and scale the rest
    by 1/(1−p), as ``torch.nn.functional.dropout2d``. A 3-D input is read as (N, C, L), as torch 2.14
    reads it (with its warning)."""
    if not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout instead. "
            "Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=2,
        )
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead.",
            stacklevel=2,
        )
    if not training or p == 0:
        return input  # the identity: torch returns the same tensor
    if input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    return apply_dropout(FeatureDropout, "dropout2d", input, p, inplace)
