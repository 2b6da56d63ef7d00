"""conv2d's kernel: ``ops.conv.Convolution``'s math, computed faster (see ``minigrad/kernels``).

Differences from the textbook op, none of which changes a result beyond rounding:
- im2col is built for a few samples at a time (``ConvGeometry.chunks``) into reused buffers that
  stay in the CPU's cache, and the chunks run on all cores (``kernels/chunking.py``);
- channels-last (N, H, W, C): each row of ``cols`` is read from memory in long contiguous runs,
  and the output stays channels-last in memory (a transposed view);
- inputs with few channels (RGB images) work channels first instead, and their input gradient
  is an overlap-add of one matrix product's per-tap shares; with many channels it is a
  transposed convolution (a forward convolution of grad with the flipped kernel);
- each chunk's terms of ∂L/∂w and ∂L/∂b are added in chunk order: bit-identical results
  whatever the threads' timing.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import kernels
from ..ops.conv import Convolution
from ..ops.reduction import column_sums
from ..ops.windows import output_size
from . import chunking


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


#: im2col is built this many bytes at a time: small enough to stay in the CPU cache between
#: being written and being multiplied (see kernels/chunking.py)
CHUNK_BYTES = 4 * 2**20

class ConvGeometry:
    """The sizes of one convolution: input, kernel, stride, padding, dilation, groups, output."""

    def __init__(self, x_shape, w_shape, stride, padding, dilation, groups, few_input_channels):
        (self.n, self.c, self.h, self.w), (self.o, self.c_g, self.kh, self.kw) = x_shape, w_shape
        self.stride, self.padding, self.dilation, self.groups = stride, padding, dilation, groups
        self.o_g = self.o // groups
        (top, bottom), (left, right) = padding
        self.padded_hw = (self.h + top + bottom, self.w + left + right)
        self.ho = output_size(self.h, top, bottom, self.kh, stride[0], dilation[0])
        self.wo = output_size(self.w, left, right, self.kw, stride[1], dilation[1])
        self.k = self.kh * self.kw * self.c_g  # numbers in one receptive field (per group)
        # few input channels (RGB images): work channels first, where runs in memory are long:
        # im2col copies whole rows of pixels (``im2col_channels_first``) and ∂L/∂x is an
        # overlap-add (``input_gradient_by_overlap_add``); channels last, runs would be kw·C
        # numbers short and the transposed convolution's product would have only C columns
        self.channels_first = self.c_g <= few_input_channels

    def chunks(self, itemsize, backward=False):
        """Sample ranges whose im2col matrices are about CHUNK_BYTES each (in backward also the
        im2col of the gradient plane, H·W rows of kh·kw·O/g numbers per sample)."""
        per_sample = self.ho * self.wo * self.k * self.groups * itemsize
        if backward:
            per_sample = max(per_sample, self.h * self.w * self.kh * self.kw * self.o * itemsize)
        return chunking.chunk_ranges(self.n, (kernels.chunk_bytes or CHUNK_BYTES) // max(per_sample, 1))

    def tap_slices(self, i, j):
        """The rows and columns of the padded input that kernel tap (i, j) reads, over all outputs."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return (slice(i * dh, i * dh + sh * (self.ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (self.wo - 1) + 1, sw))


def im2col(x, geo):
    """The receptive fields of the samples x (n, C, H, W) as matrix rows, in a reused buffer.

    → cols (g, n·Ho·Wo, kh·kw·C/g): row (n, y, x) holds what output pixel (y, x) sees, ordered
    (i, j, c) to match ``filters_as_columns`` (or (c, i, j) for few input channels, see
    ``im2col_channels_first``). Valid until this thread's next im2col.
    """
    if geo.channels_first:
        return im2col_channels_first(x, geo).transpose(0, 2, 1)
    n, (top, bottom), (left, right) = x.shape[0], *geo.padding
    hp, wp = geo.padded_hw
    xp = chunking.scratch("conv.xp", (n, hp, wp, geo.c), x.dtype)  #                   (n, Hp, Wp, C)
    xp[:, :top], xp[:, hp - bottom :], xp[:, :, :left], xp[:, :, wp - right :] = 0, 0, 0, 0  # the zero border
    xp[:, top : top + geo.h, left : left + geo.w] = x.transpose(0, 2, 3, 1)  #         channels last
    return windows_as_rows(xp, (geo.ho, geo.wo), (geo.kh, geo.kw), geo.stride, geo.dilation, geo.groups)


def windows_as_rows(xp, out_hw, kernel, stride, dilation, groups):
    """Copy every receptive field of xp (n, Hp, Wp, C) into one row of a reused buffer
    → (g, n·Ho·Wo, kh·kw·C/g)."""
    fields = receptive_fields(xp, out_hw, kernel, stride, dilation, groups)  #  (n, Ho, Wo, kh, kw, g, C/g)
    n, c = xp.shape[0], xp.shape[3]
    cols = chunking.scratch("conv.cols", (groups, n * out_hw[0] * out_hw[1], kernel[0] * kernel[1] * c // groups), xp.dtype)
    cols.reshape(groups, n, *out_hw, *kernel, c // groups)[...] = fields.transpose(5, 0, 1, 2, 3, 4, 6)
    return cols


def im2col_channels_first(x, geo):
    """im2col transposed, for inputs with few channels → colsᵀ (g, kh·kw·C/g, n·Ho·Wo).

    Row (c, i, j) is what kernel tap (i, j) of channel c sees, for every output pixel: a shifted
    copy of the padded plane of channel c. Channels last, a receptive field is copied in runs
    of kw·C numbers (15 for RGB); channels first, in runs of a whole output row (Wo numbers)."""
    n, (top, bottom), (left, right), (hp, wp) = x.shape[0], *geo.padding, geo.padded_hw
    xp = chunking.scratch("conv.xp_channels_first", (geo.c, n, hp, wp), x.dtype)  #     (C, n, Hp, Wp)
    xp[:, :, :top], xp[:, :, hp - bottom :], xp[:, :, :, :left], xp[:, :, :, wp - right :] = 0, 0, 0, 0
    xp[:, :, top : top + geo.h, left : left + geo.w] = x.transpose(1, 0, 2, 3)
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    step_c, step_n, step_h, step_w = xp.strides
    fields = as_strided(  # [group, c, i, j, n, y, x] = xp[group·C/g + c, n, s·y + d·i, s·x + d·j]
        xp,
        shape=(geo.groups, geo.c_g, geo.kh, geo.kw, n, geo.ho, geo.wo),
        strides=(step_c * geo.c_g, step_c, step_h * dh, step_w * dw, step_n, step_h * sh, step_w * sw),
        writeable=False,
    )
    cols_t = chunking.scratch("conv.cols_channels_first", (geo.groups, geo.k, n * geo.ho * geo.wo), x.dtype)
    cols_t.reshape(fields.shape)[...] = fields
    return cols_t


def filters_as_columns(w, geo):
    """w (O, C/g, kh, kw) → (g, kh·kw·C/g, O/g): one column per filter, rows ordered like cols'."""
    if geo.channels_first:  # rows ordered (c, i, j): w's own order, so a view
        return w.reshape(geo.groups, geo.o_g, geo.k).transpose(0, 2, 1)
    return w.reshape(geo.groups, geo.o_g, geo.c_g, geo.kh, geo.kw).transpose(0, 3, 4, 2, 1).reshape(geo.groups, geo.k, geo.o_g)


def filters_from_columns(columns, geo):
    """The inverse of ``filters_as_columns``: (g, kh·kw·C/g, O/g) → (O, C/g, kh, kw)."""
    if geo.channels_first:
        return columns.transpose(0, 2, 1).reshape(geo.o, geo.c_g, geo.kh, geo.kw)
    columns = columns.reshape(geo.groups, geo.kh, geo.kw, geo.c_g, geo.o_g)
    return columns.transpose(0, 4, 3, 1, 2).reshape(geo.o, geo.c_g, geo.kh, geo.kw)


class ChunkedConvolution(Convolution):
    """``ops.conv.Convolution``'s math (see its docstring for the derivatives), computed faster.

    The bias gradient sums grad over N, H, W; the weight gradient correlates the input
    with grad (``colsᵀ @ grad``: one matrix product); the input gradient is a FULL convolution
    of grad (with s − 1 zeros inserted between its pixels) with the flipped kernel, that is a
    transposed convolution, computed like the forward: im2col of grad, one matrix product
    (``input_gradient``). For inputs with few channels (RGB images) that product would have
    only C columns; there the ∂L/∂xp line above is computed as written instead, by overlap-add
    (``input_gradient_by_overlap_add``).

    Both passes work on a few samples at a time (``ConvGeometry.chunks``): per chunk the same
    matrix products, in reused buffers that stay in cache, the chunks shared out among all
    threads (``kernels/chunking.py``). Each chunk's terms of ∂L/∂w and ∂L/∂b are added up in
    chunk order afterwards, so the sums do not depend on which thread finished first.
    """

    #: with at most this many input channels per group (RGB images: 3) work channels first
    few_input_channels = 8

    def forward(self, x, w, b, stride, padding, dilation, groups):
        geo = self.geometry = ConvGeometry(x.shape, w.shape, stride, padding, dilation, groups, self.few_input_channels)
        w_mat = filters_as_columns(w, geo)  #                                            (g, K, O/g)
        out = np.empty((geo.n, geo.ho, geo.wo, geo.o), dtype=x.dtype)  # channels last (N, Ho, Wo, O)

        def convolve(start, stop):  # samples start:stop → out[start:stop]
            cols = im2col(x[start:stop], geo)  #                                           (g, rows, K)
            rows = out[start:stop].reshape(-1, geo.groups, geo.o_g).transpose(1, 0, 2)  # (g, rows, O/g) view
            np.matmul(cols, w_mat, out=rows)
            if b is not None:
                rows += b.reshape(geo.groups, 1, geo.o_g)

        chunking.parallel_map(convolve, geo.chunks(x.itemsize))

        # keep x (to rebuild cols for ∂L/∂w, chunk by chunk) and w (for ∂L/∂x); both always, as torch
        # does, so that changing either in place breaks backward even when its partner needs no gradient
        self.save_for_backward(x, w)
        return out.transpose(0, 3, 1, 2)  # (N, O, Ho, Wo), a view; its memory stays channels-last

    def backward(self, grad):
        x, w = self.saved_tensors
        geo = self.geometry
        need_x, need_w, need_b = self.needs_input_grad
        grad_nhwc = grad.transpose(0, 2, 3, 1)  #                                        (N, Ho, Wo, O)
        grad_x = filters = None
        # ∂L/∂x by overlap-add for few channels, and wherever w holds ∞ or NaN: the transposed conv
        # would multiply them by the zeros it puts around and between grad's pixels (∞ · 0 = NaN)
        by_overlap_add = geo.channels_first or (need_x and not np.isfinite(w).all())
        if need_x and by_overlap_add:
            grad_x = np.empty((geo.n, geo.c, geo.h, geo.w), dtype=grad.dtype)  #      channels first
            filters = w.reshape(geo.groups, geo.o_g, geo.k).transpose(0, 2, 1)  # (g, K, O/g), rows (c, i, j)
        elif need_x:
            grad_x = np.empty((geo.n, geo.h, geo.w, geo.c), dtype=grad.dtype)  #      channels last
            filters = flipped_filters(w, geo)  #                                           (g, K', C/g)

        def backprop(start, stop):  # samples start:stop → their terms of ∂L/∂w and ∂L/∂b; ∂L/∂x[start:stop]
            g_rows = grad_nhwc[start:stop]  # one row per output pixel                         (n, Ho, Wo, O)
            if not g_rows.flags.c_contiguous:
                g_rows = chunking.scratch("conv.grad", g_rows.shape, grad.dtype)
                g_rows[...] = grad_nhwc[start:stop]
            grad_mat = g_rows.reshape(-1, geo.groups, geo.o_g).transpose(1, 0, 2)  #        (g, rows, O/g)
            part_b = column_sums(g_rows.reshape(-1, geo.o)) if need_b else None
            part_w = im2col(x[start:stop], geo).transpose(0, 2, 1) @ grad_mat if need_w else None  # (g, K, O/g)
            if need_x and by_overlap_add:
                input_gradient_by_overlap_add(g_rows, filters, geo, out=grad_x[start:stop])
            elif need_x:
                input_gradient(g_rows, filters, geo, out=grad_x[start:stop])
            return part_w, part_b

        transposed_conv = need_x and not by_overlap_add  # its gradient plane's im2col sets the chunk size
        parts = chunking.parallel_map(backprop, geo.chunks(grad.itemsize, backward=transposed_conv))
        # add up the chunks' terms in chunk order: the same sums, bit for bit, however many threads
        parts_w, parts_b = zip(*parts) if parts else ((), ())
        grad_w = _sum_in_order(parts_w, (geo.groups, geo.k, geo.o_g), grad.dtype) if need_w else None  # (g, K, O/g)
        grad_b = _sum_in_order(parts_b, (geo.o,), np.float64) if need_b else None  # float64: accuracy

        if need_w:  # (g, K, O/g) back to (O, C/g, kh, kw)
            grad_w = filters_from_columns(grad_w, geo)
        if need_b:
            grad_b = grad_b.astype(grad.dtype)
        if need_x and not by_overlap_add:
            grad_x = grad_x.transpose(0, 3, 1, 2)  #                                      (N, C, H, W)
        return grad_x, grad_w, grad_b


def _sum_in_order(parts, shape, dtype):
    """parts[0] + parts[1] + … added left to right, into parts[0] (a fresh array); zeros if none."""
    if not parts:
        return np.zeros(shape, dtype)
    total = parts[0]
    for part in parts[1:]:
        total += part
    return total


def input_gradient(grad_rows, flipped, geo, out):
    """∂L/∂x for n samples, as the transposed convolution: a plain convolution of grad (spread
    out by the stride and padded) with the flipped kernel, whose channels in and out swap.

    ∂L/∂x[y'] = Σ_{y,i : s·y + d·i − p = y'} grad[y] · w[i]: put grad[y] at row p' + s·y of a
    zero plane, with p' = d·(k − 1) − p, and every x row y' is then the correlation of that plane
    with the kernel taps in reverse order, dilated by d. Rows that fall outside the plane belong
    to outputs that saw only padding: they reach no input pixel.

    grad_rows (n, Ho, Wo, O), flipped (g, kh·kw·O/g, C/g); writes ``out`` (n, H, W, C).
    """
    n = grad_rows.shape[0]
    (sh, sw), (dh, dw), ((top, _), (left, _)) = geo.stride, geo.dilation, geo.padding
    span_h, span_w = dh * (geo.kh - 1), dw * (geo.kw - 1)
    plane = chunking.scratch("conv.grad_plane", (n, geo.h + span_h, geo.w + span_w, geo.o), grad_rows.dtype)
    # grad row y lands on plane row (span_h − top) + s·y; keep those inside the plane
    rows = _landing(span_h - top, sh, geo.ho, plane.shape[1])
    columns = _landing(span_w - left, sw, geo.wo, plane.shape[2])
    if (sh, sw) == (1, 1):  # grad fills one solid block: only the frame around it needs zeros
        _zero_outside(plane, rows[0], columns[0])
    else:
        plane[...] = 0
    plane[:, rows[0], columns[0]] = grad_rows[:, rows[1], columns[1]]
    cols = windows_as_rows(plane, (geo.h, geo.w), (geo.kh, geo.kw), (1, 1), (dh, dw), geo.groups)  # (g, n·H·W, K')
    np.matmul(cols, flipped, out=out.reshape(-1, geo.groups, geo.c_g).transpose(1, 0, 2))


def input_gradient_by_overlap_add(grad_rows, w_mat, geo, out):
    """∂L/∂x for n samples, for inputs with few channels: every output pixel hands each kernel
    tap its share, Σ_o grad[n, o, y, x] · w[o, c, i, j], in ONE matrix product, and each tap's
    shares are then added onto the pixels that tap read, (s·y + d·i, s·x + d·j):

        spread[(c, i, j), (n, y, x)] = Σ_o w[o, c, i, j] · grad[n, o, y, x]      (g, K, rows)
        ∂L/∂xp[c, n, s·y + d·i, s·x + d·j] += spread[(c, i, j), (n, y, x)]       for each tap (i, j)

    Laid out channels first, every addition runs along whole rows of pixels. (With many input
    channels the transposed convolution, ``input_gradient``, is faster.)

    Only real products are added, so a weight of ∞ or NaN reaches exactly the pixels it touched.

    grad_rows (n, Ho, Wo, O), w_mat (g, C/g·kh·kw, O/g) as ``filters_as_columns`` (channels first);
    writes ``out`` (n, C, H, W).
    """
    n, (hp, wp), ((top, _), (left, _)) = grad_rows.shape[0], geo.padded_hw, geo.padding
    grad_mat = grad_rows.reshape(-1, geo.groups, geo.o_g).transpose(1, 2, 0)  #            (g, O/g, rows)
    spread = chunking.scratch("conv.spread", (geo.groups, geo.k, grad_mat.shape[2]), grad_rows.dtype)
    np.matmul(w_mat, grad_mat, out=spread)
    spread = spread.reshape(geo.groups, geo.c_g, geo.kh, geo.kw, n, geo.ho, geo.wo)
    plane = chunking.scratch("conv.x_plane", (geo.groups, geo.c_g, n, hp, wp), grad_rows.dtype)  # ∂L/∂xp
    plane[...] = 0
    for i in range(geo.kh):
        for j in range(geo.kw):
            rows, columns = geo.tap_slices(i, j)
            plane[..., rows, columns] += spread[:, :, i, j]  #                       (g, C/g, n, Ho, Wo)
    plane = plane.reshape(geo.c, n, hp, wp)
    out[...] = plane[:, :, top : top + geo.h, left : left + geo.w].transpose(1, 0, 2, 3)  # cut the padding off


def _zero_outside(plane, rows, columns):
    """Zero plane (n, Hp, Wp, O) everywhere but the block [rows, columns] (slices with step 1)."""
    plane[:, : rows.start], plane[:, rows.stop :] = 0, 0
    plane[:, rows, : columns.start], plane[:, rows, columns.stop :] = 0, 0


def _landing(offset, stride, count, size):
    """Where grad rows offset + stride·y (y < count) land inside [0, size): (plane slice, grad slice)."""
    first = max(0, -(offset // stride)) if offset < 0 else 0  # skip rows that land before the plane
    last = min(count, (size - 1 - offset) // stride + 1)  # and rows past its end
    if last <= first:
        return slice(0, 0), slice(0, 0)
    return slice(offset + stride * first, offset + stride * (last - 1) + 1, stride), slice(first, last)


def flipped_filters(w, geo):
    """w (O, C/g, kh, kw) → (g, kh·kw·O/g, C/g): the kernel turned 180°, in and out channels swapped,
    as columns matching ``windows_as_rows`` of a plane with O channels."""
    flipped = w[:, :, ::-1, ::-1].reshape(geo.groups, geo.o_g, geo.c_g, geo.kh, geo.kw)
    return flipped.transpose(0, 3, 4, 1, 2).reshape(geo.groups, geo.kh * geo.kw * geo.o_g, geo.c_g)
