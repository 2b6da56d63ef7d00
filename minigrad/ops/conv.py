"""Convolution: ``conv2d``, the op every CNN is built from.

With xp the zero-padded input, s the stride and d the dilation (per axis),

    out[n, o, y, x] = b[o] + Σ_{c, i, j} w[o, c, i, j] · xp[n, c, s·y + d·i, s·x + d·j]

(strictly a cross-correlation: the kernel is not flipped; deep learning calls it convolution).

How it is computed (im2col): every output pixel's receptive field, kh·kw·C numbers, is copied
into one row of a matrix ``cols``; the filters become the columns of a matrix ``w_mat``; the
whole convolution, all samples and all pixels at once, is then ONE matrix product
``cols @ w_mat`` (BLAS does the heavy lifting). The input is taken channels-last (N, H, W, C)
so that each row of ``cols`` is read from memory in long contiguous runs.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function
from .shape import squeeze, unsqueeze


def output_size(size, pad_before, pad_after, kernel, stride, dilation):
    """Output length along one axis: ⌊(size + pads − d·(k − 1) − 1) / s⌋ + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def receptive_fields(xp, out_hw, kernel, stride, dilation, groups):
    """Every receptive field of the channels-last padded input, as a view (nothing is copied).

    xp (N, Hp, Wp, C) → (N, Ho, Wo, kh, kw, g, C/g), where [n, y, x, i, j] holds the pixel that
    kernel tap (i, j) sees for output pixel (y, x), split into the g groups of channels.
    """
    (ho, wo), (kh, kw), (sh, sw), (dh, dw) = out_hw, kernel, stride, dilation
    n, _, _, c = xp.shape
    step_n, step_h, step_w, step_c = xp.strides
    return as_strided(
        xp,
        shape=(n, ho, wo, kh, kw, groups, c // groups),
        strides=(step_n, step_h * sh, step_w * sw, step_h * dh, step_w * dw, step_c * (c // groups), step_c),
        writeable=False,
    )


class Conv2d(Function):
    """2-D convolution of a batch of images with a bank of filters, in ``groups`` groups.

    Shapes: x (N, C, H, W), w (O, C/g, kh, kw), b (O,), out and grad (N, O, Ho, Wo); xp is x
    zero-padded, s the stride, d the dilation, and c runs over the channels of o's group.

    out[n, o, y, x] = b[o] + Σ_{c,i,j} w[o, c, i, j] · xp[n, c, s·y + d·i, s·x + d·j]

    ∂L/∂b[o] = Σ_{n,y,x} grad[n, o, y, x]
    ∂L/∂w[o, c, i, j] = Σ_{n,y,x} grad[n, o, y, x] · xp[n, c, s·y + d·i, s·x + d·j]
    ∂L/∂xp[n, c, s·y + d·i, s·x + d·j] += Σ_o grad[n, o, y, x] · w[o, c, i, j] for every y, x, i, j
    ∂L/∂x = ∂L/∂xp with the padding cut off

    In words: the bias gradient sums grad over N, H, W; the weight gradient correlates the input
    with grad (``cols.T @ grad``: one matrix product); the input gradient is a FULL convolution
    of grad (with s − 1 zeros inserted between its pixels) with the flipped kernel, that is a
    transposed convolution. It is computed tap by tap: for each kernel tap (i, j),
    ``grad @ w[:, :, i, j]`` is added into the slice of xp that the tap read in forward.
    """

    backward_name = "ConvolutionBackward0"

    def forward(self, x, w, b, stride, padding, dilation, groups):
        n, c, h, wd = x.shape
        o, c_g, kh, kw = w.shape
        g, o_g = groups, o // groups
        (top, bottom), (left, right) = padding
        ho = output_size(h, top, bottom, kh, stride[0], dilation[0])
        wo = output_size(wd, left, right, kw, stride[1], dilation[1])
        self.geometry = (x.shape, (ho, wo), (kh, kw), stride, padding, dilation, groups)

        # zero-padded input, channels last                                          (N, Hp, Wp, C)
        xp = np.zeros((n, h + top + bottom, wd + left + right, c), dtype=x.dtype)
        xp[:, top : top + h, left : left + wd, :] = x.transpose(0, 2, 3, 1)
        fields = receptive_fields(xp, (ho, wo), (kh, kw), stride, dilation, g)  # (N, Ho, Wo, kh, kw, g, C/g)
        # one row per output pixel, one column per filter weight                   (g, N·Ho·Wo, kh·kw·C/g)
        cols = np.empty((g, n * ho * wo, kh * kw * c_g), dtype=x.dtype)
        cols.reshape(g, n, ho, wo, kh, kw, c_g)[...] = fields.transpose(5, 0, 1, 2, 3, 4, 6)
        # one column per filter, rows in the order of cols' columns                 (g, kh·kw·C/g, O/g)
        w_mat = w.reshape(g, o_g, c_g, kh, kw).transpose(0, 3, 4, 2, 1).reshape(g, kh * kw * c_g, o_g)

        out = cols @ w_mat  #                                                       (g, N·Ho·Wo, O/g)
        if b is not None:
            out += b.reshape(g, 1, o_g)
        # back to (N, O, Ho, Wo); for g = 1 a view whose memory stays channels-last
        out = out.reshape(g, n, ho, wo, o_g).transpose(1, 0, 4, 2, 3).reshape(n, o, ho, wo)

        # keep only what the needed gradients use: cols for ∂L/∂w, w for ∂L/∂x
        # (x is kept with cols so that an in-place change to x is caught, as torch does)
        need_x, need_w = self.needs_input_grad[0], self.needs_input_grad[1]
        self.save_for_backward(x if need_w else None, w if need_x else None, cols if need_w else None)
        return out

    def backward(self, grad):
        _, w, cols = self.saved_tensors
        (n, c, h, wd), (ho, wo), (kh, kw), (sh, sw), ((top, bottom), (left, right)), (dh, dw), g = self.geometry
        o = grad.shape[1]
        c_g, o_g = c // g, o // g
        # grad as one row per output pixel, like cols                                 (g, N·Ho·Wo, O/g)
        grad_mat = grad.reshape(n, g, o_g, ho, wo).transpose(1, 0, 3, 4, 2).reshape(g, n * ho * wo, o_g)
        grad_x = grad_w = grad_b = None

        if self.needs_input_grad[2]:
            grad_b = grad.sum(axis=(0, 2, 3))  #                                          (O,)

        if self.needs_input_grad[1]:
            grad_w = cols.transpose(0, 2, 1) @ grad_mat  #                             (g, kh·kw·C/g, O/g)
            grad_w = grad_w.reshape(g, kh, kw, c_g, o_g).transpose(0, 4, 3, 1, 2).reshape(o, c_g, kh, kw)

        if self.needs_input_grad[0]:
            # the filters tap by tap                                                   (kh, kw, g, O/g, C/g)
            taps = w.reshape(g, o_g, c_g, kh, kw).transpose(3, 4, 0, 1, 2)
            hp, wp = h + top + bottom, wd + left + right
            grad_xp = np.zeros((n, hp, wp, g, c_g), dtype=grad.dtype)  #                 (N, Hp, Wp, g, C/g)
            for i in range(kh):
                for j in range(kw):
                    # what tap (i, j) contributed to each output pixel, sent back to the pixel it read
                    back = grad_mat @ taps[i, j]  #                                    (g, N·Ho·Wo, C/g)
                    rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
                    columns = slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)
                    grad_xp[:, rows, columns] += back.reshape(g, n, ho, wo, c_g).transpose(1, 2, 3, 0, 4)
            # cut the padding off and return to (N, C, H, W)
            grad_xp = grad_xp.reshape(n, hp, wp, c)
            grad_x = grad_xp[:, top : top + h, left : left + wd].transpose(0, 3, 1, 2)  #  (N, C, H, W)

        return grad_x, grad_w, grad_b


# -- the function users call ----------------------------------------------------------------------

_TORCH_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "uint8": "Byte", "bool": "Bool"
}


def _pair(value, name):
    """An int or a sequence of 1 or 2 ints, as the pair (along H, along W)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, np.integer)) for v in value):
        if len(value) == 1:
            return int(value[0]), int(value[0])
        if len(value) == 2:
            return int(value[0]), int(value[1])
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the convolution "
            f"dimensions, but got {name}={list(value)}"
        )
    raise TypeError(f"conv2d(): {name} must be an int or a pair of ints, but got {value!r}")


def _padding_pairs(padding, kernel, stride, dilation):
    """``padding`` as ((top, bottom), (left, right)); 'valid' is 0, 'same' keeps the size."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # total d·(k − 1); when odd, the extra row/column goes to the bottom/right (as torch)
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    ph, pw = _pair(padding, "padding")
    return (ph, ph), (pw, pw)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over a batch (N, C, H, W) or one image (C, H, W), as ``torch.nn.functional.conv2d``.

    weight (O, C/groups, kH, kW), bias (O,) or None; stride, padding and dilation are ints or
    (H, W) pairs, padding also 'valid' (none) or 'same' (output as large as the input, stride 1).
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(input.shape)}"
        )
    if weight.ndim != 4:
        raise RuntimeError(
            "conv2d expects a 4-D weight (out_channels, in_channels / groups, kH, kW), "
            f"but got weight of size {list(weight.shape)}"
        )
    stride, dilation = _pair(stride, "stride"), _pair(dilation, "dilation")
    o, c_g, kh, kw = weight.shape
    pads = _padding_pairs(padding, (kh, kw), stride, dilation)
    batched_shape = list(input.shape) if input.ndim == 4 else [1, *input.shape]

    if min(p for pair in pads for p in pair) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if o < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got weight of "
            f"size {list(weight.shape)} instead"
        )
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
            f"of size [{list(weight.shape)}] instead"
        )
    if batched_shape[1] != c_g * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{batched_shape} to have "
            f"{c_g * groups} channels, but got {batched_shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {o} elements, "
            f"but got bias of size {list(bias.shape)} instead"
        )
    padded = (batched_shape[2] + sum(pads[0]), batched_shape[3] + sum(pads[1]))
    dilated_kernel = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < dilated_kernel[0] or padded[1] < dilated_kernel[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({dilated_kernel[0]} x {dilated_kernel[1]}). Kernel size can't be greater than actual input size"
        )
    if weight.dtype != input.dtype:
        names = [_TORCH_SCALAR_NAMES.get(t.dtype.name, t.dtype.name) for t in (input, weight)]
        raise RuntimeError(
            f"expected scalar type {names[0]} but found {names[1]} (input is {input.dtype.name}, weight is "
            f"{weight.dtype.name}: convert one with .float() or .double())"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"Input type ({_TORCH_SCALAR_NAMES.get(input.dtype.name, input.dtype.name).lower()}) and bias type "
            f"({_TORCH_SCALAR_NAMES.get(bias.dtype.name, bias.dtype.name).lower()}) should be the same"
        )

    options = dict(stride=stride, padding=pads, dilation=dilation, groups=groups)
    if input.ndim == 3:  # one image: run it as a batch of one, as torch does
        return squeeze(Conv2d.apply(unsqueeze(input, 0), weight, bias, **options), 0)
    return Conv2d.apply(input, weight, bias, **options)
