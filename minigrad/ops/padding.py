"""Padding: ``pad(input, pad, mode, value)``, as ``torch.nn.functional.pad``.

``pad`` lists (before, after) amounts for the LAST dimensions first:
(left, right) pads the last axis, (left, right, top, bottom) the last two, and so on.
Negative amounts crop. What the new border holds depends on ``mode`` (one row, pads of 2):

    input          a b c d
    constant   0 0 a b c d 0 0     the value (0 by default)
    reflect    c b a b c d c b     mirrored at the edge, the edge itself not repeated
    replicate  a a a b c d d d     the edge repeated
    circular   c d a b c d a b     wrapped around, as if the row were a ring

Along each padded axis every output position copies ONE input position (or the constant):
``source[k]``. So forward is a gather, ``out[..., k] = x[..., source[k]]``, and backward adds
each output position's gradient into the input position it was copied from.
"""

import numpy as np

from ..autograd.function import Function

_TORCH_NAMES = {
    "constant": "ConstantPadNdBackward0",
    "reflect": "ReflectionPad{}DBackward0",
    "replicate": "ReplicationPad{}DBackward0",
    "circular": "torch::autograd::CopySlices",
}


def source_positions(size, before, after, mode):
    """For an axis of length ``size`` padded by (before, after): the input position that each
    output position copies, or −1 where the constant goes."""
    k = np.arange(-before, size + after)  # output positions, in input coordinates
    if mode == "constant":
        return np.where((k >= 0) & (k < size), k, -1)
    if mode == "replicate":
        return np.clip(k, 0, size - 1)
    if mode == "circular":  # a ring made of what is left after cropping by negative amounts
        lo, hi = max(0, -before), size - max(0, -after)
        return lo + (k - lo) % (hi - lo)
    k = np.abs(k)  # reflect: mirror at 0 (−1 → 1) and at size − 1 (size → size − 2)
    return np.where(k > size - 1, 2 * (size - 1) - k, k)


def _along(axis, index):
    """An indexing tuple that applies ``index`` to ``axis`` and takes everything elsewhere."""
    return (slice(None),) * axis + (index,)


class Pad(Function):
    """out[..., k] = x[..., source[k]] along each padded axis (the constant where source[k] = −1)

    ∂L/∂x[..., j] = Σ_{k : source[k] = j} grad[..., k]
    where source[k] = the input position that output position k copies, as the mode says;
          −1 where the constant goes; ... = the other axes

    The interior is a one-to-one copy, so its gradient is copied back; each border position
    then adds its gradient into the input position it copied (an interior one for reflect and
    circular, an edge for replicate). Constant positions copied nothing and send nothing back.
    """

    def forward(self, x, pads, mode, value, backward_name):
        self.backward_name = backward_name
        if mode in ("reflect", "replicate"):  # torch's reflection and replication pads save x (for its shape):
            self.save_for_backward(x)  # changing x in place then breaks backward, as in torch
        self.gathers = []  # (axis, input length, before, source positions) per padded axis
        out = x
        for axis, (before, after) in pads:
            source = source_positions(x.shape[axis], before, after, mode)
            self.gathers.append((axis, x.shape[axis], before, source))
            if x.shape[axis] == 0:  # nothing to copy: every position holds the constant
                out = np.full(out.shape[:axis] + (len(source),) + out.shape[axis + 1 :], value, out.dtype)
                continue
            out = np.take(out, np.maximum(source, 0), axis=axis)
            if mode == "constant":
                out[_along(axis, source < 0)] = value
        return out if self.gathers else x.copy()

    def backward(self, grad):
        self.saved_tensors  # (checks that x, if saved, was not changed in place)
        for axis, size, before, source in reversed(self.gathers):
            grad_in = np.zeros(grad.shape[:axis] + (size,) + grad.shape[axis + 1 :], grad.dtype)
            # interior: output k copied input k − before, for the inputs [lo, hi) that cropping kept
            lo, hi = max(0, -before), min(size, len(source) - before)
            border = np.ones(len(source), bool)
            if lo < hi:
                grad_in[_along(axis, slice(lo, hi))] = grad[_along(axis, slice(lo + before, hi + before))]
                border[lo + before : hi + before] = False
            # border: the few positions outside the interior, each adding into the input it copied
            for k in np.flatnonzero(border & (source >= 0)):
                grad_in[_along(axis, source[k])] += grad[_along(axis, k)]
            grad = grad_in
        return grad


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dimensions of ``input``.

    ``pad = (left, right, top, bottom, ...)`` starts at the LAST dimension. ``mode`` is
    'constant' (filled with ``value``, default 0), 'reflect', 'replicate' or 'circular'.
    """
    pad = [int(p) for p in pad]
    if mode not in _TORCH_NAMES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.ndim}"
        )
    n_axes = len(pad) // 2
    # pairs (axis, (before, after)), turning torch's last-dimension-first order around
    pads = [(input.ndim - 1 - i, (pad[2 * i], pad[2 * i + 1])) for i in range(n_axes)]
    pads = [(axis, pair) for axis, pair in reversed(pads) if pair != (0, 0)]
    if mode != "constant":
        _check_non_constant(input, pad, pads, mode, value)
    for axis, (before, after) in pads:
        size = input.shape[axis]
        if mode == "constant" and size + min(before, 0) + min(after, 0) < 0:  # torch crops first, then pads
            raise RuntimeError(
                f"narrow(): length must be non-negative. (padding {(before, after)} crops more than the "
                f"{size} elements of dimension {axis} of input {list(input.shape)})"
            )
        if mode in ("reflect", "replicate") and size + before + after < 1:
            raise RuntimeError(
                f"padding {(before, after)} leaves dimension {axis} of input {list(input.shape)} with "
                f"{size + before + after} elements; crop less"
            )
    value = 0 if value is None else value
    return Pad.apply(input, pads=pads, mode=mode, value=value, backward_name=_TORCH_NAMES[mode].format(n_axes))


def _check_non_constant(input, pad, pads, mode, value):
    """torch's rules for reflect, replicate and circular padding."""
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n_axes = len(pad) // 2
    if n_axes > 3 or input.ndim not in (n_axes + 1, n_axes + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    batched = input.ndim == n_axes + 2  # then dim 0 is the batch, which alone may be empty
    if 0 in input.shape[1 if batched else 0 :] and mode != "circular":
        raise RuntimeError(
            f"Expected {n_axes + 1}D or {n_axes + 2}D (batch mode) tensor with possibly 0 batch size and other "
            f"non-zero dimensions for input, but got: {list(input.shape)}"
        )
    for axis, (before, after) in pads:
        size = input.shape[axis]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(
                "Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({before}, {after}) at dimension {axis} of input {list(input.shape)}"
            )
        if mode == "circular":
            ring = size + min(before, 0) + min(after, 0)  # what is left after cropping
            if size + before + after < 0:  # (cropping to exactly nothing is allowed)
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
            if size + before + after > 0 and (before > ring or after > ring):  # (torch returns uninitialised memory when ring < pad <= size)
                raise RuntimeError("Padding value causes wrapping around more than once.")

