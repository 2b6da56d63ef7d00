"""Memory layout: which strides torch's tensor would have, so that minigrad's ``reshape`` makes a
view exactly when torch's does (and a write through it reaches the same memory).

Values never depend on the layout, but three things users see do: whether ``reshape`` returns a
view or a copy (an in-place op on its result then changes the input, or not), whether ``view``
is allowed, and ``is_contiguous()``. torch decides them on strides:

- an elementwise op (add, mul, exp, relu, clamp, where, clone, ``to``, dropout, comparisons)
  lays its result out in the order of its inputs' strides, so ``(x.t() * 2)`` is "transposed"
  too and reshaping it copies (torch's TensorIterator, ``reorder_dimensions``);
- every other op (reductions, matmul, conv, softmax, cat, ...) returns a row-major result;
- a view op computes new strides from its input's.

minigrad keeps torch's strides of a result in ``tensor._torch_strides`` (in elements; None means
row-major), and views replay their view ops on an array with the base's strides. numpy's own
layout mostly agrees (its ufuncs also keep their inputs' order), and where it does not (the
kernels' channels-last results, a reduction of a transposed array, broadcasting) the array is
re-laid in torch's order before a view is taken of it.
"""

import numpy as np

from ..autograd import function


def strides_in_elements(array):
    return tuple(s // array.itemsize for s in array.strides) if array.itemsize else (0,) * array.ndim


def array_with_strides(shape, strides, dtype=np.bool_):
    """An empty array with ``shape`` and ``strides`` (in elements; any sign)."""
    itemsize = np.dtype(dtype).itemsize
    if not all(shape):
        return np.empty(shape, dtype)
    start = sum((n - 1) * -s for n, s in zip(shape, strides) if s < 0)  # negative strides walk back from here
    extent = start + 1 + sum((n - 1) * s for n, s in zip(shape, strides) if s > 0)
    return np.lib.stride_tricks.as_strided(np.empty(extent, dtype)[start:], shape, tuple(s * itemsize for s in strides))


def dense_strides(shape, fastest_first):
    """Row-major strides over the dims taken in the order ``fastest_first`` (last dim first = C order)."""
    strides, step = [0] * len(shape), 1
    for dim in fastest_first:
        strides[dim] = step
        step *= max(shape[dim], 1)
    return tuple(strides)


def layout_in_torch(tensor):
    """An array (1 byte per element) with the strides torch's tensor would have: a non-view has
    its op's result layout (``_torch_strides``), a view what its view ops make of its base."""
    base = tensor if tensor._base is None else tensor._base
    if base._torch_strides is None:
        layout = np.empty(base._array.shape, np.bool_)
    else:
        layout = array_with_strides(base._array.shape, base._torch_strides)
    for op, options in () if tensor._base is None else tensor._view_steps:
        layout = op().forward(layout, **options)
    return layout


def is_contiguous_in_torch(tensor):
    """Whether torch's tensor would be row-major (cheap answers first)."""
    base = tensor if tensor._base is None else tensor._base
    if base._torch_strides is None and (tensor._base is None or base._array.flags.c_contiguous):
        # row-major in torch; a view of it has numpy's strides, which are torch's
        return tensor._base is None or tensor._array.flags.c_contiguous
    return layout_in_torch(tensor).flags.c_contiguous


# -- elementwise ops: torch's TensorIterator order ------------------------------------------------


def elementwise_result_strides(inputs, shape):
    """torch's strides for the result of an elementwise op on ``inputs`` (tensors and numbers, in
    torch's operand order), broadcast to ``shape``; None when the result is row-major.

    TensorIterator sorts the dims from fastest to slowest by the inputs' strides: the first input
    whose strides tell two dims apart decides (a broadcast dim, stride 0, tells nothing); equal
    strides put the smaller dim first. All-row-major inputs give a row-major result."""
    tensors = [x for x in inputs if isinstance(x, function.Tensor)]
    if all(is_contiguous_in_torch(x) for x in tensors):
        return None
    ndim = len(shape)
    operand_strides = []
    for x in tensors:
        layout = layout_in_torch(x)
        padded = (0,) * (ndim - layout.ndim) + strides_in_elements(layout)  # missing leading dims broadcast
        operand_strides.append([0 if n == 1 and shape[d] != 1 else s
                                for d, (n, s) in enumerate(zip((1,) * (ndim - layout.ndim) + layout.shape, padded))])

    def should_swap(dim0, dim1):  # 1: dim1 is faster than dim0; -1: keep; 0: undecided
        for strides in operand_strides:
            s0, s1 = strides[dim0], strides[dim1]
            if s0 == 0 or s1 == 0:
                continue
            if s0 != s1:
                return 1 if s0 > s1 else -1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    fastest_first = list(range(ndim))[::-1]
    for i in range(1, ndim):  # torch's insertion sort, which stops at the first "keep"
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(fastest_first[dim0], fastest_first[dim1])
            if comparison > 0:
                fastest_first[dim0], fastest_first[dim1] = fastest_first[dim1], fastest_first[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    strides = dense_strides(shape, fastest_first)
    return None if strides == dense_strides(shape, range(ndim - 1, -1, -1)) else strides


def record_elementwise_layout(out, inputs):
    """Give an elementwise op's result torch's strides (see ``elementwise_result_strides``).
    Inputs that are row-major results of ops (neither views nor strided) give a row-major result:
    the usual case, answered without looking further (``out`` starts row-major)."""
    for x in inputs:
        if isinstance(x, function.Tensor) and (x._base is not None or x._torch_strides is not None):
            out._torch_strides = elementwise_result_strides(inputs, out._array.shape)
            return


# -- numpy's layout made torch's -----------------------------------------------------------------


def same_order(array, strides):
    """Whether ``array``'s strides order its dims as ``strides`` do (dims of size 1 aside)."""
    if strides is None:
        return array.flags.c_contiguous
    mine = strides_in_elements(array)
    return all(mine[d] == s for d, s in enumerate(strides) if array.shape[d] > 1)


def lay_out_as_torch(tensor):
    """Before a view op: put the values of a tensor (not a view, without views) in torch's memory
    order, in place, when numpy's differs (a kernel's channels-last result, a reduction of a
    transposed array), so that numpy's reshape copies or views exactly as torch's. Views already
    taken would lose their memory, so a tensor with views is left alone."""
    if tensor._base is not None or tensor._has_views:
        return
    array, strides = tensor._array, tensor._torch_strides
    if same_order(array, strides):
        return
    relaid = np.empty_like(array, order="C") if strides is None else array_with_strides(array.shape, strides, array.dtype)
    relaid[...] = array
    tensor._array = relaid
