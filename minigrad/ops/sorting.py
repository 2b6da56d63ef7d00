"""Sorting: sort, argsort, topk.

Sorting moves values, it never changes them: ``values[..., j] = x[..., indices[..., j]]`` along
``dim``. So the backward puts each element of grad back where its value came from (a scatter by
``indices``), as ``max(x, dim)``'s backward does for its single index.

The order is torch's (CPU):
- ascending by default; NaN is larger than every number (last ascending, first descending);
- with ``stable=True`` equal values keep their order in x, descending too. Otherwise (torch's
  default) torch sorts with C++'s ``std::sort``, which leaves ties of a slice longer than 16 in
  an order of its own: ``introsort.py`` retraces it, so indices and gradients go where torch's
  do. (Shorter slices, and torch's radix sort of long 1-D integer tensors, keep ties in order.)
- topk takes the first k of that order. Among tied values torch's topk may return other
  positions than these (its kernel selects the k entries, it does not sort them): the values
  agree, and each value's gradient goes to the position returned with it.
"""

import operator

import numpy as np

from ..autograd.function import Function
from . import introsort
from .reduction import normalize_dim, return_type

#: what sort and topk return, fields values and indices (torch.return_types.sort / .topk)
SortResult = return_type("sort")
TopKResult = return_type("topk")


def sorted_order(x, dim, descending=False, stable=True):
    """The order of x along ``dim``, NaN largest: indices such that x[indices] is sorted.

    numpy's stable argsort already puts NaN last. For descending order, sort x reversed along
    dim, then read the result backwards: equal values come out in x's order, NaN first.
    Not ``stable``: ties as torch's std::sort leaves them (``with_std_sort_ties``)."""
    if not descending:
        order = np.argsort(x, axis=dim, kind="stable")
    else:
        backwards = np.argsort(np.flip(x, dim), axis=dim, kind="stable")  # positions in the reversed x
        order = x.shape[dim] - 1 - np.flip(backwards, dim)
    if stable or x.shape[dim] <= introsort.THRESHOLD or radix_sorted(x, descending):
        return order
    return with_std_sort_ties(x, order, dim, descending)


def radix_sorted(x, descending):
    """Whether torch sorts x with its (stable) radix sort: a long 1-D integer tensor, ascending."""
    return x.ndim == 1 and x.size >= 32768 and x.dtype.kind in "iu" and not descending


def with_std_sort_ties(x, order, dim, descending):
    """``order`` (stable) with each slice that holds ties (equal values, or several NaNs) in the
    order torch's std::sort leaves them: only the tied positions can move."""
    x, order = np.moveaxis(x, dim, -1), np.moveaxis(order, dim, -1).copy()
    ordered = np.take_along_axis(x, order, axis=-1)
    tied = ordered[..., 1:] == ordered[..., :-1]
    if x.dtype.kind in "fc":
        tied |= np.isnan(ordered[..., 1:]) & np.isnan(ordered[..., :-1])
    for slice_index in map(tuple, np.argwhere(tied.any(axis=-1))):
        order[slice_index] = introsort.std_sort_order(x[slice_index].tolist(), descending)
    return np.moveaxis(order, -1, dim)


class Sort(Function):
    """(values, indices) = x sorted along dim      ∂L/∂x = grad put back at indices, 0 nowhere else
    where values[..., j] = x[..., indices[..., j]] along dim (every entry of x is moved once)

    ``indices`` is a second output, not differentiable (int64)."""

    def forward(self, x, dim=-1, descending=False, stable=None):
        # torch's node is SortBackward1 when ``stable`` is given (its sort.stable overload)
        self.backward_name = "SortBackward0" if stable is None else "SortBackward1"
        self.input_shape, self.dim = x.shape, normalize_dim(dim, x.ndim)
        x = np.atleast_1d(x)  # a 0-d x sorts as one element
        indices = sorted_order(x, self.dim, descending, stable=bool(stable))
        return self.select(x, indices)

    def select(self, x, indices):
        """values and indices (both in x's own number of axes) from an order along self.dim."""
        self.indices = indices
        values = np.take_along_axis(x, indices, axis=self.dim)
        shape = self.input_shape if not self.input_shape else values.shape  # a 0-d x gives 0-d results
        return values.reshape(shape), indices.reshape(shape).astype(np.int64, copy=False)

    def backward(self, grad):
        grad_x = np.zeros(self.input_shape or (1,), dtype=grad.dtype)
        # each value goes back to where it came from; indices along dim are distinct, so no position is written twice
        np.put_along_axis(grad_x, self.indices, grad.reshape(self.indices.shape), axis=self.dim)
        return grad_x.reshape(self.input_shape)


class TopK(Sort):
    """(values, indices) = the k largest (or smallest) entries of x along dim, largest first
    ∂L/∂x = grad put at indices, 0 elsewhere
    where values[..., j] = x[..., indices[..., j]] along dim, j < k

    Sort's code, keeping the first k of the order. ``sorted=False`` allows any order in torch;
    minigrad returns them sorted all the same."""

    backward_name = "TopkBackward0"

    def forward(self, x, k, dim=-1, largest=True, sorted=True):
        self.input_shape, self.dim = x.shape, normalize_dim(dim, x.ndim)
        if x.dtype == np.bool_:
            raise RuntimeError("topk does not support bool dtypes on CPU")
        x = np.atleast_1d(x)
        if not 0 <= k <= x.shape[self.dim]:
            raise RuntimeError("selected index k out of range")
        indices = sorted_order(x, self.dim, descending=largest)
        kept = k if self.input_shape else 1  # a 0-d x gives its element for k = 0 too, as torch
        return self.select(x, np.take(indices, np.arange(kept), axis=self.dim))


# -- the functions users call ---------------------------------------------------------------------


def sort(input, dim=-1, descending=False, *, stable=None):
    """(values, indices) along ``dim``: ``values, indices = x.sort()``; ``x.sort(descending=True)``."""
    values, indices = Sort.apply(input, dim=dim, descending=bool(descending), stable=stable)
    return SortResult(values, indices)


def argsort(input, dim=-1, descending=False, *, stable=False):
    """The indices that sort ``input`` along ``dim`` (sort's second output; not differentiable)."""
    return sort(input.detach(), dim, descending, stable=stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):
    """(values, indices) of the k largest (``largest=False``: smallest) entries along ``dim``."""
    if isinstance(k, (bool, np.bool_)) or not hasattr(k, "__index__"):
        raise TypeError(f"topk(): argument 'k' (position 1) must be int, not {type(k).__name__}")
    values, indices = TopK.apply(input, k=operator.index(k), dim=dim, largest=bool(largest), sorted=sorted)
    return TopKResult(values, indices)
