"""Sliding windows, the geometry conv2d and max_pool2d share: where each window's taps fall,
and copying them out (``im2col``) and back (``col2im``).

A window slides over a padded plane xp (H_p, W_p) with stride s and dilation d (per axis).
Output pixel (y, x) owns the window whose tap (i, j) reads

    xp[s·y + d·i, s·x + d·j]          for i < kh, j < kw

so tap (i, j), across all output pixels, reads a strided slice of xp (``tap_slices``).

    im2col(xp)[…, i, j, y, x] = xp[…, s·y + d·i, s·x + d·j]        copy every tap's slice out
    col2im(cols)[…, p, q]    = Σ cols[…, i, j, y, x] over the (i, j, y, x) that read (p, q)

col2im is im2col's adjoint (transpose): im2col copies one pixel into every window tap that
reads it, so the gradient of those copies adds up on that pixel. Loops run over the kh·kw taps
only; each step moves a whole slice of the batch (Chainer's ``im2col_cpu``/``col2im_cpu``).
"""

import numpy as np


def output_size(size, pad_before, pad_after, kernel, stride, dilation):
    """Output length along one axis: ⌊(size + pads − d·(k − 1) − 1) / s⌋ + 1."""
    return (size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


def output_size_of_pool(size, kernel, stride, pad, dilation, ceil_mode):
    """A pool's output length: as ``output_size`` with ``pad`` on both sides (⌈·⌉ with ceil_mode,
    but the last window must start inside the input or the left padding, never in the right one)."""
    span = size + 2 * pad - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def tap_slices(i, j, out_hw, stride, dilation):
    """The rows and columns of the padded plane that tap (i, j) reads, across all output pixels."""
    (ho, wo), (sh, sw), (dh, dw) = out_hw, stride, dilation
    return slice(i * dh, i * dh + sh * (ho - 1) + 1, sh), slice(j * dw, j * dw + sw * (wo - 1) + 1, sw)


def pad(x, padding, fill=0, padded_hw=None):
    """x (…, H, W) in a plane of ``fill`` with ``padding`` = ((top, bottom), (left, right));
    ``padded_hw`` may ask for a different total size (the extra goes to the bottom/right)."""
    (top, bottom), (left, right) = padding
    h, w = x.shape[-2:]
    padded_hw = padded_hw or (top + h + bottom, left + w + right)
    xp = np.full(x.shape[:-2] + tuple(padded_hw), fill, dtype=x.dtype)
    xp[..., top : top + h, left : left + w] = x
    return xp


def crop(xp, padding, hw):
    """The inverse of ``pad``: the (H, W) plane at offset (top, left) of xp (…, H_p, W_p)."""
    (top, _), (left, _) = padding
    return xp[..., top : top + hw[0], left : left + hw[1]]


def im2col(xp, kernel, out_hw, stride, dilation):
    """Every window's taps: xp (…, H_p, W_p) → cols (…, kh, kw, Ho, Wo), a copy."""
    cols = np.empty(xp.shape[:-2] + tuple(kernel) + tuple(out_hw), dtype=xp.dtype)
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows, columns = tap_slices(i, j, out_hw, stride, dilation)
            cols[..., i, j, :, :] = xp[..., rows, columns]
    return cols


def col2im(cols, padded_hw, stride, dilation):
    """The adjoint of im2col: cols (…, kh, kw, Ho, Wo) → (…, H_p, W_p), each tap's values added
    back onto the pixels that tap read (a pixel read by several taps collects their sum)."""
    kh, kw, ho, wo = cols.shape[-4:]
    xp = np.zeros(cols.shape[:-4] + tuple(padded_hw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            rows, columns = tap_slices(i, j, (ho, wo), stride, dilation)
            xp[..., rows, columns] += cols[..., i, j, :, :]
    return xp
