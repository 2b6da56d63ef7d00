"""Advanced: in-place ops, views, and why backward can still trust what a node saved.

Read this after the core (tensor.py, autograd/function.py, ops/arithmetic.py, autograd/engine.py):
nothing here is needed for out-of-place programs, which are most programs.

Version counters. Every tensor's memory has a counter, shared by the tensor and its views, that
every in-place change bumps. A node that saved an array remembers the counter's value then
(``watch_saved_versions``); if it moved by the time backward runs, backward refuses, as torch's
does, instead of using changed values (``check_saved_versions``).

In-place ops (``x.add_(y)``, ``x[k] = v``, ...) compute the out-of-place op, then write its result
into x's memory (``write``). The result's node becomes x's ``grad_fn``: it already points at x's
old node, so the graph reads old x → op → new x.

Views (reshape, transpose, slicing, expand, ...) share their base's memory (``become_view_of``):
- an in-place op on a view also changes its base, so the base's node becomes ``CopySlices``
  (grad flows to the op's result in the view's region, to the old base elsewhere);
- an in-place op on a base changes its views' values, so their nodes are remade from the base's
  new node the next time anyone looks (``refresh_view``: the view ops replayed on the base).
"""

import numpy as np

from . import grad_mode
from .function import Function


class VersionCounter:
    """How many in-place changes one block of memory has seen."""

    __slots__ = ("value",)

    def __init__(self):
        self.value = 0


# -- views -----------------------------------------------------------------------------------------


def mark_view(out, source, step):
    """A view op's output shares its input's memory, unless numpy had to copy (a reshape of a
    transposed array): only then is it recorded as a view. (An empty result shares no bytes,
    but numpy's ``.base`` says it is a view; or numpy returned the empty input itself.)"""
    array = out._array
    if array is source._array or np.may_share_memory(array, source._array) or (array.size == 0 and array.base is not None):
        become_view_of(out, source, step)


def become_view_of(view, source, step):
    """Record that ``view`` (made by ``step`` = (view op, its options) from ``source``) shares
    source's memory. Its ``_base`` is the tensor that owns the memory; the chain of view ops from
    there is kept to remake the view's node after an in-place op. A view made under no_grad of a
    tensor that requires grad requires grad too, but stays outside the graph (as torch's)."""
    view._version_counter = source._version_counter  # one counter for a base and all its views
    view._view_version = source._version_counter.value
    view._base = source if source._base is None else source._base
    view._base._has_views = True
    view._view_steps = (() if source._base is None else source._view_steps) + (step,)
    recording = grad_mode.is_grad_enabled()
    view._view_in_graph = recording and (source._base is None or source._view_in_graph)
    if not recording and source.requires_grad:
        view._requires_grad = True


def is_stale(view):
    """Whether an in-place op changed ``view``'s memory since its node was made."""
    return view._base is not None and view._view_version != view._version_counter.value


def refresh_view(view, for_grad_fn=False):
    """Remake a stale view's node by replaying its view ops on the base's current node (torch
    does the same, as one AsStridedBackward0 node). A view made under no_grad has no node: it
    requires grad when its base does, and asking for its node (an op recording with it) after
    its base changed in place is torch's error: which graph it belongs to is ambiguous."""
    if not view._view_in_graph:
        view._requires_grad = view._base._requires_grad
        if for_grad_fn and view._requires_grad and grad_mode.is_grad_enabled():
            raise RuntimeError(REBASED_NO_GRAD_VIEW_MESSAGE)
        return
    if is_a_piece(view) and view._base._requires_grad:
        # torch cannot remake one output of a node with several: the piece keeps its old node,
        # and asking for it (an op recording with the piece) is torch's error
        view._requires_grad = True
        if for_grad_fn and grad_mode.is_grad_enabled():
            raise RuntimeError(
                f"{output_of(view)} is a view and its base or another view of its base has been modified inplace. "
                + MULTIPLE_VIEWS_MESSAGE
            )
        return
    view._view_version = view._version_counter.value
    replayed = view._base
    with grad_mode.enable_grad():
        for op, options in view._view_steps:
            replayed = op.apply(replayed, **options)
    view._grad_fn, view._requires_grad = replayed._grad_fn, replayed._requires_grad


def is_self_overlapping(array):
    """Whether two elements share one memory location (an ``expand()``ed axis: stride 0)."""
    return array.size > 1 and any(stride == 0 and n > 1 for stride, n in zip(array.strides, array.shape))


# -- in-place writes -------------------------------------------------------------------------------


def copy_into(target, values):
    """target[...] = values, cast as torch's in-place ops cast. Through an expand()ed view
    (x.expand(2, 3)[[0, 0]] = v, masked_fill_) several elements are one memory location: only the
    changed ones are written, or an unchanged alias written after a changed one would undo it."""
    changed = True
    if is_self_overlapping(target):
        changed = values != target
        if np.asarray(values).dtype.kind in "fc":  # NaN where NaN was is unchanged too
            changed &= ~(np.isnan(values) & np.isnan(target))
    np.copyto(target, values, casting="unsafe", where=changed)


def check_allowed(tensor, through_expanded_view=False):
    """torch's refusals of an in-place op, each with what to do instead. An op that only writes
    (``fill_``, ``zero_``, and ``masked_fill_`` with a deprecation warning) may write through an
    expand()ed view: ``through_expanded_view``; one that reads the tensor may not."""
    if is_self_overlapping(tensor._array) and not through_expanded_view:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single "
            "memory location. Please clone() the tensor before performing the operation."
        )
    if not grad_mode.is_grad_enabled():
        return
    base = tensor._base
    if base is None:
        if tensor._grad_fn is None and tensor._requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation. "
                "Wrap the update in `with minigrad.no_grad():` or use an out-of-place op."
            )
        return
    for op, options in tensor._view_steps:
        if hasattr(op, "refuse_inplace"):  # a view a custom Function returned (a module's backward hook)
            op.refuse_inplace(**options)
    if not tensor._view_in_graph and base._requires_grad:
        raise RuntimeError(NO_GRAD_VIEW_MESSAGE)
    if base._requires_grad:
        check_not_a_piece(tensor)  # (``write`` checks again when only the written value requires grad)
    if base._grad_fn is None and base._requires_grad:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation. "
            "Wrap the update in `with minigrad.no_grad():` or use an out-of-place op."
        )


MULTIPLE_VIEWS_MESSAGE = (
    "This view is the output of a function that returns multiple views. Such functions do not allow the output "
    "views to be modified inplace. You should replace the inplace operation by an out-of-place one."
)


def is_a_piece(view):
    """Whether a view is a piece of ``split``/``chunk``, or a view of one: torch's graph gives the
    pieces one node with several outputs, which cannot take an in-place change of one of them."""
    return any(getattr(op, "one_of_several_views", None) and op.one_of_several_views(**options)
               for op, options in view._view_steps)


def output_of(view):
    """'Output 1 of Split': which output of which view op (its last) torch's messages name."""
    output_nr = view._view_steps[-1][1].get("output_nr", 0)  # which piece, when the view is the piece itself
    return f"Output {output_nr} of {view._grad_fn.name().removesuffix('Backward0')}"


def check_not_a_piece(view):
    """torch refuses to record an in-place change of a piece of split/chunk (``is_a_piece``).
    Without gradients involved (no_grad, or nothing requires grad) the write is fine."""
    if not is_a_piece(view):
        return
    if view.grad_fn is None:  # the base needed no gradient when it was split
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode enabled. " + MULTIPLE_VIEWS_MESSAGE
        )
    raise RuntimeError(f"{output_of(view)} is a view and is being modified inplace. " + MULTIPLE_VIEWS_MESSAGE)


NO_GRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your "
    "code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


REBASED_NO_GRAD_VIEW_MESSAGE = (
    "A view was created in no_grad mode and its base or another view of its base has been modified inplace "
    "with grad mode enabled. Given that this use case is ambiguous and error-prone, it is forbidden. You can "
    "clarify your code by moving both the view and the inplace either both inside the no_grad block (if you "
    "don't want the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
)


def check_no_partial_overlap(written, read):
    """torch refuses an in-place op whose other operand shares some, but not all, of the written
    memory (``x.t().add_(x)``, ``x[1:].add_(x[:-1])``): its kernel would read values it already
    overwrote. (The very same memory, as in ``y.mul_(y)``, is fine; so are strided views whose
    elements do not meet, ``x[::2].add_(x[1::2])``.) Where torch does not check (a strided view)
    but the elements do meet, its answer depends on its kernel's order: refused here too. (arrays)"""
    a, b = written, read
    overlap = memory_overlap(a, b)
    if overlap == "partial" or overlap == "too hard" and np.shares_memory(a, b) and not same_memory_region(a, b):
        raise RuntimeError(OVERLAP_MESSAGE)


def check_no_overlap(written, read, key=None):
    """torch refuses ``scatter_``'s src and ``x[key] = value``'s value when they share the written
    tensor's memory, even all of it (arrays). It does not check strided views; where their
    elements do meet the written ones (``written[key]``), its answer follows its kernel's order:
    refused here too."""
    overlap = memory_overlap(written, read)
    if overlap in ("partial", "full") or overlap == "too hard" and elements_meet(written, read, key):
        raise RuntimeError(OVERLAP_MESSAGE)


def elements_meet(written, read, key=None):
    """Whether an element of ``read`` is one of those written: all of ``written``, or ``written[key]``."""
    if key is None:
        return np.shares_memory(written, read)
    return bool(np.intersect1d(element_addresses(written)[key], element_addresses(read)).size)


def element_addresses(array):
    """The memory address of each element of ``array`` (an array of its shape)."""
    addresses = np.asarray(array.__array_interface__["data"][0])
    for n, stride in zip(array.shape, array.strides):
        addresses = addresses[..., None] + stride * np.arange(n)
    return addresses


OVERLAP_MESSAGE = (
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
    "memory location. Please clone() the tensor before performing the operation."
)


def memory_overlap(a, b):
    """How two arrays' memory overlaps, judged as torch judges it (its get_overlap_status):
    "full" (the same elements in the same layout), "partial", "none", or "too hard" where one of
    them is not dense (a strided view such as x[::2] or x[:, 0]), which torch does not check."""
    if not isinstance(b, np.ndarray) or a.size == 0 or b.size == 0 or not np.may_share_memory(a, b):
        return "none"
    if not (is_dense(a) and is_dense(b)):
        return "too hard"
    a_begin, b_begin = a.__array_interface__["data"][0], b.__array_interface__["data"][0]
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if (a_begin, a_end) == (b_begin, b_end):
        return "full" if a.strides == b.strides else "partial"
    return "partial" if a_begin < b_end and b_begin < a_end else "none"


def is_dense(array):
    """torch's "non-overlapping and dense": the elements fill one block of memory, without gaps or
    repeats, in some order of the axes (a contiguous array, or a transposed one)."""
    expected = array.itemsize
    for stride, n in sorted((stride, n) for stride, n in zip(array.strides, array.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def write(tensor, compute, through_expanded_view=False):
    """Run ``compute()`` (an out-of-place op on ``tensor``) and write its result into tensor's memory.

    The result's node becomes tensor's ``grad_fn``. When tensor is a view, the write changes its
    base: the base's node becomes ``CopySlices`` (old base outside the view's region, the result
    inside) and the view's node is remade from it. The version counter moves, so nodes that saved
    the old values refuse to run backward (the result's node keeps its own copy of them)."""
    check_allowed(tensor, through_expanded_view)
    result = compute()
    if result.shape != tensor.shape:
        raise RuntimeError(
            f"output with shape {list(tensor.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    if not np.can_cast(result._array.dtype, tensor._array.dtype, casting="same_kind"):
        raise RuntimeError(
            f"result type {result.dtype.name} can't be cast to the desired output type {tensor.dtype.name}"
        )
    node = result._grad_fn
    if node is not None and tensor._base is not None and not tensor._view_in_graph:
        raise RuntimeError(NO_GRAD_VIEW_MESSAGE)  # it would be recorded, on a view made outside the graph
    if node is not None and tensor._base is not None:
        check_not_a_piece(tensor)
    if node is None:  # nothing recorded (no_grad, or nothing requires grad): only the values change
        copy_into(tensor._array, result._array)
    elif tensor._base is None:
        protect_saved(node, tensor._array)
        copy_into(tensor._array, result._array)
        set_history(tensor, node)
    else:  # CopySlices writes result into the base's memory, at the view's region
        protect_saved(node, tensor._array)
        base = tensor._base
        set_history(base, CopySlices.apply(base, result, view_steps=tensor._view_steps)._grad_fn)
    tensor._version_counter.value += 1  # the view (if one) and every other view of the base: remade on next use
    return tensor


class CopySlices(Function):
    """base[view] = value, in place: the node a base gets when one of its views is changed in place.

    ``view_steps`` are the view ops, with their options, that made the view from the base.
        ∂L/∂(old base) = grad with zeros in the view's region (those values were overwritten)
        ∂L/∂value      = grad's view region (found by the same view ops, applied to the
                         base's element positions: right whatever grad's memory layout)"""

    backward_name = "torch::autograd::CopySlices"

    def forward(self, base, value, view_steps):
        region = replay_view(base, view_steps)  # the view's own memory in the base
        # which element of the base (its row-major position) each element of the view is, for
        # backward: replayed on positions, the view ops give them whatever grad's memory layout
        self.positions = replay_view(np.arange(base.size).reshape(base.shape), view_steps)
        copy_into(region, value)
        return base  # the base's own memory, now holding value in the view's region

    def backward(self, grad):
        # torch's backward refuses a write through an expand()ed view when the old base needs a
        # gradient: zeroing the view's region of it would write one memory location several times
        if self.needs_input_grad[0] and is_self_overlapping(self.positions):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single memory "
                "location. Please clone() the tensor before performing the operation."
            )
        flat = np.array(grad, copy=True, order="C").reshape(-1)  # row-major: element k of the base at flat[k]
        grad_value = flat[self.positions]  # grad's view region
        flat[self.positions] = 0  # those values were overwritten
        return flat.reshape(np.shape(grad)), grad_value


def replay_view(array, view_steps):
    """The view of ``array`` that ``view_steps`` (a chain of (view op, options)) make."""
    for op, options in view_steps:
        array = op().forward(array, **options)
    return array


def set_history(tensor, node):
    """An in-place op made ``node``: ``tensor`` now holds its output."""
    if tensor.retains_grad:  # .grad now means ∂L/∂(new tensor)
        node.retained_output = tensor._grad_fn.retained_output
        tensor._grad_fn.retained_output = None
    tensor._grad_fn, tensor._requires_grad = node, True


# -- what nodes saved ----------------------------------------------------------------------------


def watch_saved_versions(node, tensors):
    """Remember the version of every tensor (an input or the output) whose memory an array the
    node saved shares (itself or a view of it), so that an in-place change to it makes backward
    raise instead of silently using the changed values."""
    node._saved_versions = []
    for position, array in enumerate(node._saved or ()):
        if not isinstance(array, np.ndarray):
            continue
        for x in tensors:
            if shares_memory(array, x._array):
                node._saved_versions.append((x._version_counter, x._version_counter.value, position))
                break


def check_saved_versions(node):
    """Raise torch's error if a tensor whose memory the node saved has changed in place since."""
    for counter, version, position in node._saved_versions:
        if counter.value != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: [{node.name()}, saved tensor {position}] is at version {counter.value}; "
                f"expected version {version} instead. Hint: use an out-of-place op (x = x + y) or "
                ".clone() the tensor before changing it in place."
            )


def protect_saved(node, array):
    """An in-place op is about to overwrite ``array`` with ``node``'s own result: keep a private
    copy of whatever the node saved from that memory (its old values)."""
    if not node._saved:
        return
    overwritten = {i for i, s in enumerate(node._saved) if isinstance(s, np.ndarray) and shares_memory(s, array)}
    if overwritten:
        node._saved = tuple(s.copy() if i in overwritten else s for i, s in enumerate(node._saved))
        node._saved_versions = [v for v in node._saved_versions if v[2] not in overwritten]


def same_memory_region(a, b):
    """Whether the arrays a and b are the very same elements of memory, in the same layout."""
    return (isinstance(b, np.ndarray) and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype
            and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])


def shares_memory(a, b):
    """Whether two arrays may overlap: the same array, or a view involved (arrays that own
    their memory and are not the same object never overlap)."""
    return a is b or ((a.base is not None or b.base is not None) and np.may_share_memory(a, b))
