"""Convolution: ``conv2d``, the op every CNN is built from.

With xp the zero-padded input, s the stride and d the dilation (per axis),

    out[n, o, y, x] = b[o] + Σ_{c, i, j} w[o, c, i, j] · xp[n, c, s·y + d·i, s·x + d·j]

(strictly a cross-correlation: the kernel is not flipped; deep learning calls it convolution).

How it is computed (im2col, ``ops/windows.py``): every output pixel's receptive field, C·kh·kw
numbers, is copied into one column of a matrix ``cols``; each filter is one row of a matrix
``w_mat``; the whole convolution is then ONE matrix product ``w_mat @ cols`` per sample.

This is the plain version, written to be read. ``minigrad/kernels/conv.py`` computes the same
math faster (chunks on all cores, reused buffers, memory layouts chosen for speed); it runs
unless kernels are switched off (``MINIGRAD_KERNELS=0``, see ``minigrad/kernels``).
"""

import numpy as np

from .. import kernels
from ..autograd.function import Function
from .checks import conv2d_arguments
from .shape import squeeze, unsqueeze
from .windows import col2im, crop, im2col, output_size, pad


class Convolution(Function):
    """2-D convolution of a batch of images with a bank of filters, in ``groups`` groups.

        out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] · xp[n, c, s·y + d·i, s·x + d·j]
        where xp = x zero-padded, s = the stride, d = the dilation (per axis), g = groups;
              c runs over the channels of o's group, and i, j over the kernel's taps;
              shapes: x (N, C, H, W), w (O, C/g, kh, kw), b (O,), out and grad (N, O, Ho, Wo)

        ∂L/∂b[o]          = Σ_{n,y,x} grad[n, o, y, x]
        ∂L/∂w[o, c, i, j] = Σ_{n,y,x} grad[n, o, y, x] · xp[n, c, s·y + d·i, s·x + d·j]
        ∂L/∂xp[n, c, s·y + d·i, s·x + d·j] += Σ_o grad[n, o, y, x] · w[o, c, i, j]   (every y, x, i, j)
        ∂L/∂x = ∂L/∂xp with the padding cut off

    As matrices: out = w_mat · cols, so ∂L/∂w_mat = grad · colsᵀ and ∂L/∂cols = w_matᵀ · grad,
    whose columns col2im adds back onto the pixels each tap read. (That sum is a full
    convolution of grad with the flipped kernel: the "transposed convolution".)
    """

    backward_name = "ConvolutionBackward0"

    def forward(self, x, w, b, stride, padding, dilation, groups):
        self.options = stride, padding, dilation, groups
        self.save_for_backward(x, w)  # both, as torch: changing either in place breaks backward
        cols, w_mat = self.matrices(x, w)  #                                    (N, g, K, P), (g, O/g, K)
        out = w_mat @ cols  # one product per sample and group                   (N, g, O/g, P)
        out = out.reshape(x.shape[0], w.shape[0], *self.out_hw)  #               (N, O, Ho, Wo)
        return out if b is None else out + b.reshape(-1, 1, 1)

    def matrices(self, x, w):
        """cols (N, g, K, P): K = C/g·kh·kw taps of a receptive field, P = Ho·Wo output pixels;
        w_mat (g, O/g, K): one row per filter, its taps in the same (c, i, j) order."""
        stride, padding, dilation, groups = self.options
        (n, c, h, width), (o, c_g, kh, kw) = x.shape, w.shape
        self.out_hw = tuple(output_size(size, *pads, k, s, d)
                            for size, pads, k, s, d in zip((h, width), padding, (kh, kw), stride, dilation))
        cols = im2col(pad(x, padding), (kh, kw), self.out_hw, stride, dilation)  #  (N, C, kh, kw, Ho, Wo)
        pixels = self.out_hw[0] * self.out_hw[1]  # P (spelled out: a batch of 0 leaves nothing to infer it from)
        return cols.reshape(n, groups, c_g * kh * kw, pixels), w.reshape(groups, o // groups, c_g * kh * kw)

    def backward(self, grad):
        x, w = self.saved_tensors
        stride, padding, dilation, groups = self.options
        need_x, need_w, need_b = self.needs_input_grad
        cols, w_mat = self.matrices(x, w)
        grad_mat = grad.reshape(grad.shape[0], groups, w.shape[0] // groups, cols.shape[-1])  # (N, g, O/g, P)
        grad_x = grad_w = grad_b = None
        if need_b:  # summed in float64: a long float32 sum loses digits
            grad_b = grad.sum(axis=(0, 2, 3), dtype=np.float64).astype(grad.dtype)
        if need_w:  # Σ over samples of grad · colsᵀ                              (g, O/g, K)
            grad_w = (grad_mat @ cols.swapaxes(-1, -2)).sum(axis=0).reshape(w.shape)
        if need_x:  # w_matᵀ · grad: each tap's share, added back where the tap read
            grad_cols = w_mat.swapaxes(-1, -2) @ grad_mat  #                      (N, g, K, P)
            grad_cols = grad_cols.reshape(*x.shape[:2], *w.shape[2:], *self.out_hw)  # (N, C, kh, kw, Ho, Wo)
            padded_hw = [size + sum(pads) for size, pads in zip(x.shape[2:], padding)]
            grad_x = crop(col2im(grad_cols, padded_hw, stride, dilation), padding, x.shape[2:])
        return grad_x, grad_w, grad_b


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over a batch (N, C, H, W) or one image (C, H, W), as ``torch.nn.functional.conv2d``.

    weight (O, C/groups, kH, kW), bias (O,) or None; stride, padding and dilation are ints or
    (H, W) pairs, padding also 'valid' (none) or 'same' (output as large as the input, stride 1).
    """
    stride, padding, dilation = conv2d_arguments(input, weight, bias, stride, padding, dilation, groups)
    op = kernels.fast_version_of(Convolution)  # the kernel, unless kernels are switched off
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if input.ndim == 3:  # one image: run it as a batch of one, as torch does
        return squeeze(op.apply(unsqueeze(input, 0), weight, bias, **options), 0)
    return op.apply(input, weight, bias, **options)
