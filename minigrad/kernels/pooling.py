"""max_pool2d's kernel: ``ops.pooling.MaxPool``'s math, computed faster (see ``minigrad/kernels``).

Differences from the textbook op, none of which changes a result:
- no im2col copy: a strided view of all windows (``Windows.windows``), and a running max with
  a running winner, one ``np.maximum`` per tap over all windows at once;
- the planes are split into chunks that run on all cores (``kernels/chunking.py``);
- results and gradients keep x's memory order (conv2d's kernel output is channels-last).
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import kernels
from ..ops.pooling import MaxPool, lowest_value
from . import chunking


class Windows:
    """The kernel's view of a ``PoolGeometry``: tap numbers, strided window views, and where a
    window's first tap inside the input is."""

    def __init__(self, geometry):
        g = geometry
        self.in_hw, self.out_hw, self.padded_hw = g.in_hw, g.out_hw, g.padded_hw
        self.kernel, self.stride, self.padding, self.dilation = g.kernel, g.stride, g.padding, g.dilation

    def taps(self):
        """(tap number, i, j) for every tap of the window, in row-major order."""
        kh, kw = self.kernel
        return [(i * kw + j, i, j) for i in range(kh) for j in range(kw)]

    def windows_overlap(self):
        """Whether a pixel may be read by two windows: along some axis a window spans d·(k − 1) + 1 > s."""
        return any(d * (k - 1) + 1 > s for k, s, d in zip(self.kernel, self.stride, self.dilation))

    def windows_tile_plane(self):
        """Whether the windows cover the padded plane exactly once: side by side, no gaps."""
        return all(
            s == k and (d == 1 or k == 1) and n_out * s == size
            for k, s, d, n_out, size in zip(self.kernel, self.stride, self.dilation, self.out_hw, self.padded_hw)
        )

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


def window_max(x, geometry, with_winners):
    """The max of every window and, if asked, which tap won it (torch's rule, see the module).

    x (…, H, W) → out (…, Ho, Wo), winners (…, Ho, Wo) tap numbers or None. Both keep x's memory
    order (conv2d's output is channels-last). The planes are independent: they are split along
    the first axis into chunks that run on all threads (kernels/chunking.py).
    """
    n_taps = len(geometry.taps())
    tap_type = np.int8 if n_taps <= 2**7 else np.int16 if n_taps <= 2**15 else np.int64
    out = empty_in_layout_of(x, x.shape[:-2] + geometry.out_hw)
    winners = empty_in_layout_of(x, out.shape, tap_type) if with_winners else None

    def chunk(start, stop):
        window_max_into(x[start:stop], geometry, out[start:stop], None if winners is None else winners[start:stop])

    planes_per_chunk = (kernels.chunk_bytes or CHUNK_BYTES) // max(1, x[:1].nbytes)
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


class ChunkedMaxPool(MaxPool):
    """``ops.pooling.MaxPool``'s math (see its docstring), computed faster: a running max over
    strided views of the windows, tap by tap, chunks of planes on all cores. Backward sends grad
    where the winner is tap (i, j), into the slice that tap read. The winners are found only when
    backward will need them, or ``return_indices`` asks for them."""

    def forward(self, x, geometry, return_indices=False):
        self.geometry = geometry
        geometry = Windows(geometry)
        out, winners = window_max(x, geometry, with_winners=self.needs_input_grad[0] or return_indices)
        # x is kept for its version counter only: changing it in place breaks backward, as in torch
        self.save_for_backward(x, winners)
        return (out, self.geometry.flat_indices(winners)) if return_indices else out

    def backward(self, grad):
        x, winners = self.saved_tensors
        geometry = Windows(self.geometry)
        (h, w), (top, left) = geometry.in_hw, geometry.padding
        if memory_order(grad) != memory_order(winners):  # e.g. from a flatten: channels-first
            grad = _copy_in_layout_of(winners, grad)  # one pass now, not a strided loop per tap
        # the gradient is laid out like x; where the windows tile the plane every pixel gets
        # written below, elsewhere the pixels no window's winner reaches stay 0
        fill = np.empty if geometry.windows_tile_plane() else np.zeros
        grad_xp = empty_in_layout_of(winners, grad.shape[:-2] + geometry.padded_hw, grad.dtype, fill)  # (…, Hp, Wp)
        overlap = geometry.windows_overlap()

        def chunk(start, stop):  # planes start:stop
            g = grad[start:stop]
            # a finite grad times the 0/1 mask is exactly the selection, one multiply per tap; a NaN
            # or ∞ grad must be selected (0 · ∞ = NaN would leak to the pixels that lost)
            finite = bool(np.isfinite(g.sum()))  # a sum that overflows only takes the slower, selecting path
            for tap, i, j in geometry.taps():
                rows, columns = geometry.tap_slices(i, j)
                target, mask = grad_xp[start:stop, ..., rows, columns], winners[start:stop] == tap
                if overlap:  # a pixel may win several windows: add up
                    np.add(target, g * mask if finite else np.where(mask, g, 0), out=target)
                else:  # each pixel is read by one window tap at most: write directly
                    np.multiply(g, mask, out=target)
                    if not finite:
                        np.copyto(target, 0, where=~mask)

        planes_per_chunk = (kernels.chunk_bytes or CHUNK_BYTES) // max(1, grad_xp[:1].nbytes)
        chunking.parallel_map(chunk, chunking.chunk_ranges(grad.shape[0], planes_per_chunk), uses_blas=False)
        return grad_xp[..., top : top + h, left : left + w]  #                       (…, H, W)
