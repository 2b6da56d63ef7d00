"""Pooling: ``max_pool2d``, the largest value of every window of every channel.

Window (y, x) of a plane starts at row s·y − pad and column s·x − pad, and its tap (i, j) reads
the pixel d·i rows and d·j columns further (s the stride, d the dilation; per axis). Padding
holds −∞, so it never wins. Computed the numpy way: a strided view of all windows (nothing
copied), then one ``np.maximum`` per tap over all windows at once.

Which element wins, as torch decides: the first maximum in row-major order within the
window, except that NaN always wins (the last NaN, as torch scans ``val > max or isnan(val)``).
That winner takes the window's whole gradient; where windows overlap, an input pixel that wins
several of them collects the sum of their gradients.

(One corner differs from torch: with a dilation so large that all taps of a window fall in the
padding or past the input, the window outputs −∞ in both, but torch then sends its gradient to
an unrelated pixel, minigrad to none.)
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import chunking
from ..autograd.function import Function, tensor_class
from ._arguments import int_pair


def pool_output_size(size, kernel, stride, pad, dilation, ceil_mode):
    """Output length along one axis: ⌊(size + 2·pad − d·(k − 1) − 1) / s⌋ + 1 (⌈·⌉ with ceil_mode,
    but the last window must start inside the input or the left padding, never in the right one)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


class PoolGeometry:
    """Where every window of a max-pool lies: kernel, stride, padding, dilation and the sizes."""

    def __init__(self, in_hw, out_hw, kernel, stride, padding, dilation):
        self.in_hw, self.out_hw = in_hw, out_hw
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        # the padded plane needs to reach the last tap of the last window (ceil_mode may need
        # more than `padding` on the bottom/right; floor mode may need less)
        self.padded_hw = tuple(
            max(size + pad, (n_out - 1) * s + d * (k - 1) + 1)
            for size, n_out, k, s, pad, d in zip(in_hw, out_hw, kernel, stride, padding, dilation)
        )

    def taps(self):
        """(tap number, i, j) for every tap of the window, in row-major order."""
        kh, kw = self.kernel
        return [(i * kw + j, i, j) for i in range(kh) for j in range(kw)]

    def windows_overlap(self):
        """Whether a pixel may be read by two windows: along some axis a window spans d·(k − 1) + 1 > s."""
        return any(d * (k - 1) + 1 > s for k, s, d in zip(self.kernel, self.stride, self.dilation))

    def tap_slices(self, i, j):
        """The slices of the padded plane that tap (i, j) reads across all windows."""
        (ho, wo), (sh, sw), (dh, dw) = self.out_hw, self.stride, self.dilation
        return slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)

    def pad(self, x, fill):
        """x (…, H, W) inside a plane of ``fill`` of the padded size; x itself when no padding is needed."""
        (h, w), (top, left) = self.in_hw, self.padding
        if (top, left) == (0, 0) and self.padded_hw == (h, w):
            return x
        xp = np.full(x.shape[:-2] + self.padded_hw, fill, dtype=x.dtype)
        xp[..., top : top + h, left : left + w] = x
        return xp

    def windows(self, xp):
        """All windows of the padded planes as a view: (…, Hp, Wp) → (…, Ho, Wo, kh, kw)."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        step_h, step_w = xp.strides[-2:]
        return as_strided(
            xp,
            shape=xp.shape[:-2] + self.out_hw + self.kernel,
            strides=xp.strides[:-2] + (step_h * sh, step_w * sw, step_h * dh, step_w * dw),
            writeable=False,
        )

    def first_valid_tap(self):
        """Per window, the first tap in row-major order that is inside the input, not padding
        (torch's winner when every value of the window is −∞)                       (Ho, Wo)"""
        if self.padding == (0, 0):  # every window starts inside the input: tap 0
            return 0
        first = []
        for n_out, s, pad, d in zip(self.out_hw, self.stride, self.padding, self.dilation):
            start = np.arange(n_out) * s - pad  # where each window starts; < 0 inside the padding
            first.append(np.maximum(0, -(start // d)))  # ⌈−start / d⌉ taps to step over
        return first[0][:, None] * self.kernel[1] + first[1][None, :]

    def flat_indices(self, taps):
        """torch's indices: the winner's position h·W + w in its (unpadded) input plane."""
        (ho, wo), (sh, sw), (dh, dw), (top, left) = self.out_hw, self.stride, self.dilation, self.padding
        i, j = np.divmod(taps.astype(np.int64), self.kernel[1])
        rows = (np.arange(ho) * sh - top)[:, None] + i * dh
        columns = (np.arange(wo) * sw - left)[None, :] + j * dw
        return rows * self.in_hw[1] + columns


def lowest_value(dtype):
    """The padding value: −∞ for floats, the smallest integer for integers."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def window_max(x, geometry, with_winners):
    """The max of every window and, if asked, which tap won it (torch's rule, see the module).

    x (…, H, W) → out (…, Ho, Wo), winners (…, Ho, Wo) tap numbers or None. Both keep x's memory
    order (conv2d's output is channels-last). The planes are independent: they are split along
    the first axis into chunks that run on all threads (minigrad/chunking.py).
    """
    n_taps = len(geometry.taps())
    tap_type = np.int8 if n_taps <= 2**7 else np.int16 if n_taps <= 2**15 else np.int64
    out = empty_in_layout_of(x, x.shape[:-2] + geometry.out_hw)
    winners = empty_in_layout_of(x, out.shape, tap_type) if with_winners else None

    def chunk(start, stop):
        window_max_into(x[start:stop], geometry, out[start:stop], None if winners is None else winners[start:stop])

    planes_per_chunk = CHUNK_BYTES // max(1, x[:1].nbytes)
    chunking.parallel_map(chunk, chunking.chunk_ranges(x.shape[0], planes_per_chunk), uses_blas=False)
    return out, winners


#: max_pool2d works on this many bytes of input plane at a time (one chunk). Each chunk makes a
#: dozen numpy calls, and between them Python's lock is held: few large chunks share the cores
#: better than many small ones (1 MiB chunks: 4.4 ms per step for the tutorial's first pool
#: forward + backward at batch 64; 4 MiB: 3.8 ms)
CHUNK_BYTES = 2**22


def window_max_into(x, geometry, out, winners=None):
    """Write the max of every window of x (…, H, W) into out (…, Ho, Wo) and, if winners is given,
    the number of the tap that won it."""
    windows = geometry.windows(geometry.pad(x, lowest_value(x.dtype)))  # (…, Ho, Wo, kh, kw)
    out[...] = windows[..., 0, 0]
    if winners is None:
        for _, i, j in geometry.taps()[1:]:
            np.maximum(out, windows[..., i, j], out=out)  # np.maximum keeps NaN, as torch does
        return

    # running argmax: a tap wins only if STRICTLY greater, so the first of equal maxima stays.
    # Taps come in increasing order, so the latest winner is the largest: a max() records it.
    winners[...] = geometry.first_valid_tap()
    for tap, i, j in geometry.taps()[1:]:
        value = windows[..., i, j]
        np.maximum(winners, (value > out) * winners.dtype.type(tap), out=winners)
        np.maximum(out, value, out=out)
    if out.dtype.kind == "f" and np.isnan(out).any():  # NaN wins: the last NaN of the window
        for tap, i, j in geometry.taps():
            np.copyto(winners, tap, where=np.isnan(windows[..., i, j]))


def memory_order(array):
    """array's axes from outermost to innermost in memory (by decreasing stride)."""
    return sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis]))  # stable: ties keep order


def _inverse(order):
    """The permutation that undoes ``order``: transpose(order) then transpose(_inverse(order))."""
    inverse = [0] * len(order)
    for position, axis in enumerate(order):
        inverse[axis] = position
    return inverse


def _copy_in_layout_of(template, array):
    """A copy of array laid out in memory like template."""
    copy = empty_in_layout_of(template, array.shape, array.dtype)
    copy[...] = array
    return copy


def empty_in_layout_of(array, shape, dtype=None, fill=np.empty):
    """An array of ``shape`` (made by ``fill``: np.empty or np.zeros) whose axes lie in memory in
    the same order as ``array``'s.

    conv2d's output (and its gradient) is channels-last in memory; a result written into a
    channels-first buffer would make every elementwise loop stride across memory."""
    order = memory_order(array)  # outermost axis first
    buffer = fill([shape[axis] for axis in order], dtype=dtype or array.dtype)
    return buffer.transpose(_inverse(order))


class MaxPool2d(Function):
    """out[…, y, x] = max_{i,j} xp[…, s·y + d·i, s·x + d·j]          (xp: x padded with −∞)

    ∂L/∂x[…, p, q] = Σ grad[…, y, x] over the windows (y, x) whose winner is pixel (p, q)

    The winner is the first maximum in row-major order (NaN wins); it takes the whole gradient.
    Computed tap by tap: grad goes where the winner is tap (i, j), into the slice that tap read.
    The winners are found only when backward will need them, or ``return_indices`` asks for them
    (then they stay on the node as ``self.winners``).
    """

    backward_name = "MaxPool2DWithIndicesBackward0"

    def forward(self, x, geometry, return_indices=False):
        self.geometry = geometry
        out, winners = window_max(x, geometry, with_winners=self.needs_input_grad[0] or return_indices)
        self.winners = winners if return_indices else None
        # x is kept for its version counter only: changing it in place breaks backward, as in torch
        self.save_for_backward(x, winners)
        return out

    def backward(self, grad):
        x, winners = self.saved_tensors
        geometry = self.geometry
        (h, w), (top, left) = geometry.in_hw, geometry.padding
        if memory_order(grad) != memory_order(winners):  # e.g. from a flatten: channels-first
            grad = _copy_in_layout_of(winners, grad)  # one pass now, not a strided loop per tap
        # the gradient is laid out like x; pixels that win no window stay 0
        grad_xp = empty_in_layout_of(winners, grad.shape[:-2] + geometry.padded_hw, grad.dtype, np.zeros)  # (…, Hp, Wp)

        def chunk(start, stop):  # planes start:stop
            for tap, i, j in geometry.taps():
                rows, columns = geometry.tap_slices(i, j)
                target, mask = grad_xp[start:stop, ..., rows, columns], winners[start:stop] == tap
                # grad goes only where the mask is on (selected, not multiplied: a NaN or ∞ grad
                # of a window reaches its winner and nothing else)
                if geometry.windows_overlap():  # a pixel may win several windows: add up
                    np.add(target, grad[start:stop], out=target, where=mask)
                else:  # each pixel is read by one window tap at most: write directly
                    np.copyto(target, grad[start:stop], where=mask)

        planes_per_chunk = CHUNK_BYTES // max(1, grad_xp[:1].nbytes)
        chunking.parallel_map(chunk, chunking.chunk_ranges(grad.shape[0], planes_per_chunk), uses_blas=False)
        return grad_xp[..., top : top + h, left : left + w]  #                       (…, H, W)


# -- the function users call ----------------------------------------------------------------------


def _pair(value, name, message):
    """An int or a sequence of 1 or 2 ints as the pair (along H, along W); torch's errors otherwise."""
    pair = int_pair(value, name, "max_pool2d")
    if pair is None:
        raise RuntimeError(f"max_pool2d: {message}")
    return pair


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max pooling over a batch (N, C, H, W) or one image (C, H, W), as ``torch.nn.functional.max_pool2d``.

    stride defaults to kernel_size; padding (−∞) is at most half the dilated kernel. With
    ``return_indices`` also returns, per output pixel, the winner's flat index h·W + w in its plane.
    """
    kernel = _pair(kernel_size, "kernel_size", "kernel_size must either be a single int, or a tuple of two ints")
    if stride is None or stride == () or stride == []:  # omitted: the windows do not overlap
        stride = kernel
    stride = _pair(stride, "stride", "stride must either be omitted, a single int, or a tuple of two ints")
    padding = _pair(padding, "padding", "padding must either be a single int, or a tuple of two ints")
    dilation = _pair(dilation, "dilation", "dilation must be either a single int, or a tuple of two ints")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"non-empty 3D or 4D (batch mode) tensor expected for input, but got input of size {list(input.shape)}"
        )
    if input.dtype.name == "bool":
        raise NotImplementedError('"max_pool2d" not implemented for \'Bool\' (convert the input with .float())')
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    for pad in padding:
        if pad < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilationH: {dilation[0]} dilationW: {dilation[1]}"
        )
    for pad, k, d in zip(padding, kernel, dilation):
        if pad > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pad}, kernel_size={k} and "
                f"dilation={d}"
            )
    if 0 in input.shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
            f"{list(input.shape)}"
        )
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:  # torch also checks against the undilated kernel
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got padW = {padding[1]}, "
            f"padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
        )
    in_hw = tuple(input.shape[-2:])
    out_hw = tuple(pool_output_size(*args, ceil_mode) for args in zip(in_hw, kernel, stride, padding, dilation))
    if min(out_hw) < 1:
        channels = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({channels}x{in_hw[0]}x{in_hw[1]}). Calculated output size: "
            f"({channels}x{out_hw[0]}x{out_hw[1]}). Output size is too small"
        )

    geometry = PoolGeometry(in_hw, out_hw, kernel, stride, padding, dilation)
    if not return_indices:
        return MaxPool2d.apply(input, geometry=geometry)
    out, node = MaxPool2d.apply_with_node(input, geometry=geometry, return_indices=True)
    return out, tensor_class()._wrap(geometry.flat_indices(node.winners))
