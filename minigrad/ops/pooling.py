"""Pooling: ``max_pool2d``, the largest value of every window of every channel.

Window (y, x) of a plane starts at row s·y − pad and column s·x − pad, and its tap (i, j) reads
the pixel d·i rows and d·j columns further (s the stride, d the dilation; per axis). Padding
holds −∞, so it never wins. Computed the numpy way: every window's taps side by side (im2col,
``ops/windows.py``), then one max over them.

This is the plain version, written to be read. ``minigrad/kernels/pooling.py`` computes the same
math faster (a running max over strided views, chunks on all cores); it runs unless kernels are
switched off (``MINIGRAD_KERNELS=0``, see ``minigrad/kernels``).
"""

import numpy as np

from .. import kernels
from ..autograd.function import Function
from .checks import max_pool2d_arguments
from .windows import col2im, crop, im2col, pad


class MaxPool(Function):
    """The largest value of every window of every plane.

        out[…, y, x]   = max_{i,j} xp[…, s·y + d·i, s·x + d·j]
        ∂L/∂x[…, p, q] = Σ grad[…, y, x] over the windows (y, x) whose winner is pixel (p, q)
        where xp = x padded with −∞, s = the stride, d = the dilation (per axis);
              i, j run over the kernel's taps, and … are the leading (batch and channel) axes

    One tap of each window wins and takes the window's whole gradient; the others get exactly 0
    (even when grad is NaN or ∞). torch's winner is the first maximum in row-major order among
    the taps inside the input, except that NaN always wins (the last NaN: torch scans
    ``val > max or isnan(val)``). Where windows overlap, a pixel that wins several of them
    collects their gradients (col2im adds them up).
    """

    backward_name = "MaxPool2DWithIndicesBackward0"

    def forward(self, x, geometry, return_indices=False):
        g = self.geometry = geometry
        xp = pad(x, g.padding_pairs, lowest_value(x.dtype), g.padded_hw)  #         (…, Hp, Wp)
        windows = im2col(xp, g.kernel, g.out_hw, g.stride, g.dilation)  #         (…, kh, kw, Ho, Wo)
        windows = windows.reshape(*x.shape[:-2], g.kernel[0] * g.kernel[1], *g.out_hw)  # taps in row-major order: (…, T, Ho, Wo)
        out = windows.max(axis=-3)  # np.max keeps NaN, as torch's max does         (…, Ho, Wo)
        self.winners = winning_taps(windows, out, g.taps_inside_input())  #         (…, Ho, Wo)
        self.save_for_backward(x)  # for its version counter: changing x in place breaks backward, as in torch
        return (out, g.flat_indices(self.winners)) if return_indices else out  # indices: not differentiable

    def backward(self, grad):
        self.saved_tensors  # raises if x changed in place since forward
        g = self.geometry
        shares = np.zeros(grad.shape[:-2] + (g.kernel[0] * g.kernel[1],) + g.out_hw, grad.dtype)  # (…, T, Ho, Wo)
        np.put_along_axis(shares, self.winners[..., None, :, :], grad[..., None, :, :], axis=-3)  # all to the winner
        shares = shares.reshape(*grad.shape[:-2], *g.kernel, *g.out_hw)  #        (…, kh, kw, Ho, Wo)
        return crop(col2im(shares, g.padded_hw, g.stride, g.dilation), g.padding_pairs, g.in_hw)


def winning_taps(windows, out, inside):
    """Per window, torch's winning tap: the first tap holding the max among the taps inside the
    input (``inside``: (T, Ho, Wo)); in a window holding NaN, its last NaN. A window wholly in the
    padding has no winner inside: tap 0 (its gradient then lands in the padding, and is cut off)."""
    winners = ((windows == out[..., None, :, :]) & inside).argmax(axis=-3)  # argmax: the first True
    if windows.dtype.kind == "f":
        nan = np.isnan(windows)
        last_nan = windows.shape[-3] - 1 - nan[..., ::-1, :, :].argmax(axis=-3)
        winners = np.where(nan.any(axis=-3), last_nan, winners)
    return winners


def lowest_value(dtype):
    """The padding value: −∞ for floats, the smallest integer for integers."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


class PoolGeometry:
    """Where every window of a max-pool lies: kernel, stride, padding, dilation and the sizes."""

    def __init__(self, in_hw, out_hw, kernel, stride, padding, dilation):
        self.in_hw, self.out_hw = in_hw, out_hw
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        # the padded plane reaches the last tap of the last window (ceil_mode may need more than
        # `padding` on the bottom/right; floor mode may need less)
        self.padded_hw = tuple(
            max(size + pad, (n_out - 1) * s + d * (k - 1) + 1)
            for size, n_out, k, s, pad, d in zip(in_hw, out_hw, kernel, stride, padding, dilation)
        )
        self.padding_pairs = tuple((pad, total - pad - size) for pad, total, size in zip(padding, self.padded_hw, in_hw))

    def tap_positions(self):
        """Where each window tap lands in the unpadded input: rows (kh, Ho), columns (kw, Wo)."""
        rows, columns = (
            (np.arange(n_out) * s - pad)[None, :] + np.arange(k)[:, None] * d
            for n_out, s, pad, k, d in zip(self.out_hw, self.stride, self.padding, self.kernel, self.dilation)
        )
        return rows, columns

    def taps_inside_input(self):
        """Whether each tap of each window reads the input, not padding            (T, Ho, Wo)"""
        (rows, columns), (h, w) = self.tap_positions(), self.in_hw
        inside_rows, inside_columns = (rows >= 0) & (rows < h), (columns >= 0) & (columns < w)
        inside = inside_rows[:, None, :, None] & inside_columns[None, :, None, :]  # (kh, kw, Ho, Wo)
        return inside.reshape(-1, *self.out_hw)

    def flat_indices(self, taps):
        """torch's indices: the winner's position h·W + w in its (unpadded) input plane."""
        (rows, columns), kw = self.tap_positions(), self.kernel[1]
        i, j = np.divmod(taps.astype(np.int64), kw)
        y, x = np.arange(self.out_hw[0])[:, None], np.arange(self.out_hw[1])[None, :]
        return rows[i, y] * self.in_hw[1] + columns[j, x]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over a batch (N, C, H, W) or one image (C, H, W), as ``torch.nn.functional.max_pool2d``.

    stride defaults to kernel_size; padding (−∞) is at most half the dilated kernel. With
    ``return_indices`` also returns, per output pixel, the winner's flat index h·W + w in its plane.
    """
    geometry = PoolGeometry(*max_pool2d_arguments(input, kernel_size, stride, padding, dilation, ceil_mode))
    op = kernels.fast_version_of(MaxPool)  # the kernel, unless kernels are switched off
    return op.apply(input, geometry=geometry, return_indices=return_indices)  # (out, indices) with indices
