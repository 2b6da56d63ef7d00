"""Pooling: ``max_pool2d``, the largest value of every window of every channel; ``avg_pool2d``,
the mean of every window; ``adaptive_avg_pool2d``, the mean of each of a chosen number of windows.

Window (y, x) of a plane starts at row s·y − pad and column s·x − pad, and its tap (i, j) reads
the pixel d·i rows and d·j columns further (s the stride, d the dilation; per axis). Padding
holds −∞, so it never wins. Computed the numpy way: every window's taps side by side (im2col,
``ops/windows.py``), then one max (or one sum) over them.

This is the plain version, written to be read. ``minigrad/kernels/pooling.py`` computes the same
math faster (a running max over strided views, chunks on all cores); it runs unless kernels are
switched off (``MINIGRAD_KERNELS=0``, see ``minigrad/kernels``). The average pools have no kernel.
"""

import numpy as np

from .. import kernels
from ..autograd.function import Function
from ._arguments import int_pair, is_int
from .checks import check_pool_window, max_pool2d_arguments
from .windows import col2im, crop, im2col, output_size_of_pool, pad


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


# -- average pooling ------------------------------------------------------------------------------


class AvgPool(Function):
    """The mean of every window of every plane.

        out[…, y, x]   = Σ_{i,j} xp[…, s·y + i, s·x + j] / D[y, x]
        ∂L/∂x[…, p, q] = Σ grad[…, y, x] / D[y, x] over the windows (y, x) that hold pixel (p, q)
        where xp = x zero-padded, s = the stride, i, j run over the kernel's taps,
              D[y, x] = window (y, x)'s divisor (``avg_pool_divisors``): divisor_override, or the
              number of pixels it covers, padding included or not (count_include_pad)

    Every tap of a window takes the same share of its gradient, grad / D (each value counts
    alike in a mean); col2im adds up the shares of a pixel that several windows hold, and the
    shares of padding taps are cut off. Integer inputs give the sum divided as C divides
    integers (rounded toward 0), as torch's int64 avg_pool2d does.
    """

    backward_name = "AvgPool2DBackward0"

    def forward(self, x, geometry, divisors):
        g = self.geometry = geometry
        self.divisors = divisors  #                                                  (Ho, Wo)
        self.save_for_backward(x)  # unused, but torch saves x: changing it in place before backward is its error
        xp = pad(x, g.padding_pairs, 0, g.padded_hw)  #                             (…, Hp, Wp)
        windows = im2col(xp, g.kernel, g.out_hw, g.stride, g.dilation)  #         (…, kh, kw, Ho, Wo)
        with np.errstate(invalid="ignore"):  # ∞ − ∞ in a window is NaN, as in torch
            sums = windows.sum(axis=(-4, -3))  #                                     (…, Ho, Wo)
        if x.dtype.kind != "f":  # integer division rounded toward 0
            quotient = np.abs(sums) // np.abs(divisors)
            return np.where((sums < 0) != (divisors < 0), -quotient, quotient).astype(x.dtype)
        return sums / divisors.astype(x.dtype)

    def backward(self, grad):
        self.saved_tensors  # raises torch's error if x changed in place since forward
        g = self.geometry
        share = grad / self.divisors.astype(grad.dtype)  # each tap's part of its window's grad   (…, Ho, Wo)
        taps = np.broadcast_to(share[..., None, None, :, :], share.shape[:-2] + g.kernel + g.out_hw)  # (…, kh, kw, Ho, Wo)
        return crop(col2im(taps, g.padded_hw, g.stride, g.dilation), g.padding_pairs, g.in_hw)


def avg_pool_divisors(geometry, count_include_pad, divisor_override):
    """D[y, x], what window (y, x)'s sum is divided by, as torch computes it: divisor_override when
    given; else the window's rows × columns, counting the padding (count_include_pad) or not. A
    window that ceil_mode lets run past the padding counts only up to the padding's end."""
    if divisor_override is not None:
        return np.full(geometry.out_hw, divisor_override, dtype=np.int64)
    counts = []
    for size, n_out, k, s, p in zip(geometry.in_hw, geometry.out_hw, geometry.kernel, geometry.stride, geometry.padding):
        starts = np.arange(n_out) * s - p  # where each window starts along this axis (padding counted)
        ends = np.minimum(starts + k, size + p)  # ... and ends, cut at the end of the padding
        counts.append(ends - starts if count_include_pad else np.minimum(ends, size) - np.maximum(starts, 0))
    return np.outer(*counts)  #                                                       (Ho, Wo)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
    """Average pooling over a batch (N, C, H, W) or one image (C, H, W), as ``torch.nn.functional.avg_pool2d``.

    stride defaults to kernel_size; zero padding is at most half the kernel; count_include_pad
    counts the padding in each window's divisor; divisor_override replaces every divisor."""
    geometry = PoolGeometry(*avg_pool2d_arguments(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                                                  divisor_override))
    divisors = avg_pool_divisors(geometry, count_include_pad, divisor_override)
    return AvgPool.apply(input, geometry=geometry, divisors=divisors)


class AdaptiveAvgPool(Function):
    """The mean of each of Ho × Wo windows that tile the plane (H, W) as evenly as they can.

        out[…, i, j]   = Σ x[…, h₀(i):h₁(i), w₀(j):w₁(j)] / A[i, j]
        ∂L/∂x[…, p, q] = Σ grad[…, i, j] / A[i, j] over the windows (i, j) that hold pixel (p, q)
        where h₀(i) = ⌊i·H / Ho⌋ and h₁(i) = ⌈(i + 1)·H / Ho⌉ bound window row i (w₀, w₁ alike along W);
              A[i, j] = (h₁(i) − h₀(i)) · (w₁(j) − w₀(j)), the number of pixels window (i, j) averages

    Windows may overlap by a pixel (H = 5 into Ho = 3: rows 0:2, 1:4, 3:5): such a pixel
    collects a share from each. Computed per axis: rows first, then columns (the window is a
    rectangle), each loop over Ho (or Wo) slices moving the whole batch at once. For a 1 × 1
    output torch takes the mean of the plane: its node is then named "MeanBackward1".
    """

    def forward(self, x, output_size):
        self.backward_name = "MeanBackward1" if output_size == (1, 1) else "AdaptiveAvgPool2DBackward0"
        if output_size != (1, 1):  # unused, but torch's node saves x (its mean does not): changing x
            self.save_for_backward(x)  # in place before backward is then its error
        self.in_hw = x.shape[-2:]
        self.rows, self.columns = (adaptive_windows(n, n_out) for n, n_out in zip(self.in_hw, output_size))
        self.areas = np.outer(*[[end - start for start, end in windows] for windows in (self.rows, self.columns)])
        row_sums = np.empty(x.shape[:-2] + (output_size[0], x.shape[-1]), x.dtype)  #   (…, Ho, W)
        sums = np.empty(x.shape[:-2] + tuple(output_size), x.dtype)  #                  (…, Ho, Wo)
        with np.errstate(invalid="ignore"):  # ∞ − ∞ in a window is NaN, as in torch
            for i, (start, end) in enumerate(self.rows):
                row_sums[..., i, :] = x[..., start:end, :].sum(axis=-2)
            for j, (start, end) in enumerate(self.columns):
                sums[..., j] = row_sums[..., start:end].sum(axis=-1)
        return sums / self.areas.reshape(output_size).astype(x.dtype)

    def backward(self, grad):
        if 0 in grad.shape[-2:]:  # torch refuses to run backward of an empty output plane
            raise RuntimeError(
                "adaptive_avg_pool2d_backward(): Expected grad_output to have non-zero size for non-batch dimensions, "
                f"but grad_output has sizes {list(grad.shape)} with dimension {grad.ndim - 2 + grad.shape[-2:].index(0)} "
                "being empty"
            )
        self.saved_tensors  # raises torch's error if a saved x changed in place since forward
        share = grad / self.areas.reshape(grad.shape[-2:]).astype(grad.dtype)  # each pixel's part  (…, Ho, Wo)
        row_grad = np.zeros(grad.shape[:-1] + (self.in_hw[1],), grad.dtype)  #          (…, Ho, W)
        for j, (start, end) in enumerate(self.columns):
            row_grad[..., start:end] += share[..., j : j + 1]
        grad_x = np.zeros(grad.shape[:-2] + tuple(self.in_hw), grad.dtype)  #           (…, H, W)
        for i, (start, end) in enumerate(self.rows):
            grad_x[..., start:end, :] += row_grad[..., i : i + 1, :]
        return grad_x


def adaptive_windows(size, n_out):
    """[(start, end)] of the n_out windows along an axis of ``size``: ⌊i·size/n_out⌋ to ⌈(i+1)·size/n_out⌉."""
    return [((i * size) // n_out, -((-(i + 1) * size) // n_out)) for i in range(n_out)]


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed output (Ho, Wo) whatever the input's size, as
    ``torch.nn.functional.adaptive_avg_pool2d``; a None in output_size keeps that input size."""
    return AdaptiveAvgPool.apply(input, output_size=adaptive_avg_pool2d_arguments(input, output_size))


# -- argument checks (not needed to understand the ops: torch's errors for bad calls) --------------


def avg_pool2d_arguments(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """avg_pool2d's arguments read and checked as torch does → (input (H, W), output (H, W),
    kernel, stride, padding, dilation (1, 1)), each check raising torch's error."""

    def pair(value, name, message, position):
        if not is_int(value) and not isinstance(value, (tuple, list)):  # torch names the position, as its modules pass it
            raise TypeError(f"avg_pool2d(): argument '{name}' (position {position}) must be tuple of ints, not {type(value).__name__}")
        read = int_pair(value, name, "avg_pool2d")
        if read is None:
            raise RuntimeError(f"avg_pool2d: {name} must {message}")
        return read

    kernel = pair(kernel_size, "kernel_size", "either be a single int, or a tuple of two ints", 2)
    if stride is None or stride == () or stride == []:  # omitted: the windows do not overlap
        stride = kernel
    stride = pair(stride, "stride", "either be omitted, a single int, or a tuple of two ints", 3)
    padding = pair(padding, "padding", "either be a single int, or a tuple of two ints", 4)
    for name, flag, position in (("ceil_mode", ceil_mode, 5), ("count_include_pad", count_include_pad, 6)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"avg_pool2d(): argument '{name}' (position {position}) must be bool, not {type(flag).__name__}")
    if divisor_override is not None and not is_int(divisor_override):
        raise TypeError(
            f"avg_pool2d(): argument 'divisor_override' (position 7) must be int, not {type(divisor_override).__name__}"
        )
    shape = list(input.shape)
    if input.ndim < 3:
        size = max(input.ndim, 1)
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-size}, {size - 1}], but got -3) "
            f"(avg_pool2d expects (C, H, W) or (N, C, H, W), but got input of size {shape})"
        )
    if input.ndim > 4 or 0 in shape[-3:]:
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:{shape}")
    if input.dtype.name not in ("float32", "float64", "int64"):
        raise NotImplementedError(f"\"avg_pool2d\" not implemented for '{input.dtype.torch_name}'")
    check_pool_window(kernel, stride, padding)
    for p, k in zip(padding, kernel):
        if p > k // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} and dilation=1")
    in_hw = tuple(shape[-2:])
    out_hw = tuple(output_size_of_pool(n, k, s, p, 1, ceil_mode) for n, k, s, p in zip(in_hw, kernel, stride, padding))
    if min(out_hw) < 1:
        channels = shape[-3]
        raise RuntimeError(
            f"Given input size: ({channels}x{in_hw[0]}x{in_hw[1]}). Calculated output size: "
            f"({channels}x{out_hw[0]}x{out_hw[1]}). Output size is too small"
        )
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    return in_hw, out_hw, kernel, stride, padding, (1, 1)


def adaptive_avg_pool2d_arguments(input, output_size):
    """output_size read as torch reads it → (Ho, Wo) (a None keeps the input's size), and the
    input checked; each check raises torch's error."""
    if not is_int(output_size):
        if not hasattr(output_size, "__len__"):
            raise TypeError(f"object of type '{type(output_size).__name__}' has no len()")
        if input.ndim <= len(output_size):
            raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
        defaults = input.shape[input.ndim - len(output_size):]
        output_size = [default if size is None else size for size, default in zip(output_size, defaults)]
        for position, size in enumerate(output_size):
            if not is_int(size):
                raise TypeError(
                    "adaptive_avg_pool2d(): argument 'output_size' (position 2) must be tuple of ints, but found "
                    f"element of type {type(size).__name__} at pos {position}"
                )
    output = (int(output_size), int(output_size)) if is_int(output_size) else tuple(int(n) for n in output_size)
    if len(output) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if min(output) < 0:
        raise RuntimeError(
            "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received "
            f"{{{output[0]}, {output[1]}}}"
        )
    shape = list(input.shape)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got {shape}")
    for axis in range(input.ndim - 2, input.ndim):
        if shape[axis] == 0:
            raise RuntimeError(
                "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has "
                f"sizes {shape} with dimension {axis} being empty"
            )
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"adaptive_avg_pool2d\" not implemented for '{input.dtype.torch_name}'")
    return output
