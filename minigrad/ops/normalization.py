"""Batch normalization: ``batch_norm``, each channel rescaled to mean 0 and variance 1, then
scaled and shifted by a learned weight and bias (Ioffe & Szegedy, 2015).

A channel c is the slice x[:, c] of an input (N, C), (N, C, L) or (N, C, H, W): its statistics
are taken over every axis but the channel axis, n = N·L or N·H·W values.

Training uses the batch's own mean and (biased) variance, and updates the running estimates
in place: running = (1 − momentum) · running + momentum · batch statistic, the variance
unbiased (· n/(n − 1)). Evaluation uses the running estimates: the op is then an affine map
of x, one scale and one shift per channel.
"""

import numbers

import math

import numpy as np

from ..autograd.function import Function


class BatchNorm(Function):
    """out = x̂ · w + b,  x̂ = (x − μ) · r,  r = 1 / √(σ² + ε)        (per channel)

    Training (batch μ, σ²):       ∂L/∂x = r / n · (n · g − Σ g − x̂ · Σ (g · x̂)),  g = grad · w
    Evaluation (running μ, σ²):   ∂L/∂x = grad · w · r
    ∂L/∂w = Σ grad · x̂    ∂L/∂b = Σ grad
    where μ, σ² = the channel's mean and biased variance: the batch's in training (they depend on x),
          the running estimates in evaluation (constants); ε = eps; n = the values per channel;
          Σ sums over every axis but the channel axis, per channel; w = 1 and b = 0 when not given

    Why the training rule has three terms: x̂ = (x − μ)·r, and moving one value of x also moves
    μ (every x̂ of the channel shifts: the −Σ g term) and σ² (every x̂ is rescaled: the
    −x̂ · Σ (g · x̂) term). With the mean and variance fixed (evaluation) only r is left.

    An empty input (no values at all) returns a copy of itself, x · w[0] + b[0] as torch computes
    it, with torch's names for that path ("AddBackward0" with a bias, "MulBackward0" with a
    weight only, "CloneBackward0" with neither), and leaves the running estimates alone.
    """

    def forward(self, x, weight, bias, running_mean=None, running_var=None, training=True, momentum=0.1, eps=1e-5):
        self.training = training
        self.axes = (0, *range(2, x.ndim))  # every axis but the channels (axis 1)
        self.channel = (1, -1) + (1,) * (x.ndim - 2)  # a per-channel vector (C,) reshaped to broadcast against x
        if x.size == 0:
            self.backward_name = "AddBackward0" if bias is not None else "MulBackward0" if weight is not None else "CloneBackward0"
            self.save_for_backward(x, None, None, None)
            return x.copy()
        self.backward_name = "NativeBatchNormBackward0"
        with np.errstate(divide="ignore", invalid="ignore"):
            if training:
                mean, var = x.mean(axis=self.axes), x.var(axis=self.axes)  # (C,), the variance biased
                if running_mean is not None:
                    update_running_stats(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
            else:
                mean, var = running_mean.copy(), running_var  # a copy: the next training step changes them
            inv_std = 1 / np.sqrt(var + x.dtype.type(eps))  # r                     (C,)
            # out = x · α + β with α = r · w, β = b − μ · α: x̂ · w + b regrouped as torch computes it,
            # so that rounding and the sign of a zero agree (x = −0, μ = 0 gives +0, not −0)
            alpha = inv_std if weight is None else inv_std * weight  #                 (C,)
            beta = (0 if bias is None else bias) - mean * alpha  #                     (C,)
            out = x * alpha.reshape(self.channel) + beta.reshape(self.channel)  #      (N, C, …)
        self.save_for_backward(x, weight, mean, inv_std)  # x̂ is recomputed from these in backward
        return out

    def backward(self, grad):
        x, weight, mean, inv_std = self.saved_tensors
        if x.size == 0:  # Σ over no values: every gradient is 0
            zeros = np.zeros(x.shape[1] if x.ndim > 1 else 0, grad.dtype)  # (C,)
            return np.zeros_like(grad), *(zeros if needed else None for needed in self.needs_input_grad[1:])
        axes, channel = self.axes, self.channel
        r = inv_std.reshape(channel)
        with np.errstate(invalid="ignore"):
            x_hat = (x - mean.reshape(channel)) * r  #                                 (N, C, …)
            grad_weight = (grad * x_hat).sum(axis=axes) if self.needs_input_grad[1] else None  # (C,)
            grad_bias = grad.sum(axis=axes) if self.needs_input_grad[2] else None  #           (C,)
            if not self.needs_input_grad[0]:
                return None, grad_weight, grad_bias
            scale = r if weight is None else r * weight.reshape(channel)  # r · w        (1, C, 1…)
            if not self.training:
                return grad * scale, grad_weight, grad_bias
            # r / n · (n · g − Σ g − x̂ · Σ (g · x̂)) with g = grad · w, grouped as torch groups it
            # (w and r multiplied in last, so an infinite w gives ±inf, not inf − inf = NaN):
            # (grad − mean(grad) − x̂ · mean(grad · x̂)) · r · w
            n = x.size // x.shape[1]  # values per channel
            mean_grad = grad.sum(axis=axes, keepdims=True) / n  #                     (1, C, 1…)
            mean_grad_x_hat = (grad * x_hat).sum(axis=axes, keepdims=True) / n  #       (1, C, 1…)
            grad_x = (grad - mean_grad - x_hat * mean_grad_x_hat) * scale  #          (N, C, …)
        return grad_x.astype(x.dtype, copy=False), grad_weight, grad_bias


def update_running_stats(running_mean, running_var, mean, var, n, momentum):
    """In place: running = (1 − momentum) · running + momentum · batch statistic, with the batch's
    variance made unbiased (· n/(n − 1)), as the running variance estimates the population's."""
    running_mean[...] = (1 - momentum) * running_mean + momentum * mean
    running_var[...] = (1 - momentum) * running_var + momentum * (var * n / (n - 1))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalization of (N, C, *) over every axis but C, as ``torch.nn.functional.batch_norm``.

    ``training``: normalise with the batch's statistics and, when running_mean and running_var
    are given, update them in place with ``momentum``; otherwise normalise with running_mean
    and running_var. weight and bias (C,) scale and shift each channel."""
    check_batch_norm_arguments(input, running_mean, running_var, weight, bias, training, momentum, eps)
    running = [None if t is None else t._array for t in (running_mean, running_var)]
    return BatchNorm.apply(
        input, weight, bias, running_mean=running[0], running_var=running[1], training=bool(training),
        momentum=float(momentum), eps=float(eps),
    )


# -- argument checks (not needed to understand the op: torch's errors for bad calls) --------------


def check_batch_norm_arguments(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """Raise torch's exception, with its message, for each bad call of batch_norm."""
    if not isinstance(momentum, numbers.Real):
        raise TypeError(f"batch_norm(): argument 'momentum' (position 7) must be float, not {type(momentum).__name__}")
    shape = tuple(input.shape)
    if training and len(shape) >= 1 and int(math.prod(shape[:1] + shape[2:])) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape!r}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if not training and running_mean is None:
        raise RuntimeError(
            "running_mean must be defined in evaluation mode (pass training=True to normalise with the batch's "
            "own statistics)"
        )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"batch_norm\" not implemented for '{input.dtype.torch_name}'")
    named = (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias))
    per_channel = [(name, t) for name, t in named if t is not None]  # torch checks them in this order
    if len(shape) < 2 and not per_channel:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    channels = shape[1] if len(shape) >= 2 else 0
    for name, t in per_channel:
        if t.ndim != 1:
            raise RuntimeError(f"TensorAccessor expected 1 dims but tensor has {t.ndim} ({name} must be 1-D: ({channels},))")
        if t.shape[0] != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.shape[0]}")
    check_batch_norm_dtypes(input, [weight, bias, running_mean, running_var])


def check_batch_norm_dtypes(input, parameters):
    """torch's rules for dtypes: when the first given parameter (weight, bias, running_mean,
    running_var in this order) has the input's dtype, every other must have it too; otherwise
    torch tries its mixed-precision path, which takes only float32 parameters, and only for a
    half-precision input (which minigrad does not have)."""
    given = [t for t in parameters if t is not None]
    hint = f" (input is {input.dtype}: convert the module or the input with .float() or .double())"
    if given and given[0].dtype != input.dtype:
        if any(t.dtype.name != "float32" for t in given):
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float" + hint)
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype." + hint)
    for t in given:
        if t.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {input.dtype.torch_name} but found {t.dtype.torch_name}" + hint)
