"""Parity of minigrad/ops/shape.py with torch: reshape/view, permute, transpose, flatten, squeeze,
unsqueeze, expand, indexing, cat, stack, where."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_gradcheck, check_op, raises_like_torch
from strategies import DTYPES, arrays, broadcastable_shapes, prime_factors, shapes



def maybe_negative(draw, axis, ndim):
    """``axis`` or the same axis counted from the end."""
    return axis - ndim if draw(st.booleans()) else axis


@st.composite
def array_and_dim(draw, extra=0, max_dims=4, max_side=5):
    """An array and one valid dim for it (negative half the time); ``extra=1`` for ops that add an
    axis (unsqueeze, stack accept dims up to ndim)."""
    x = draw(arrays(draw(shapes(max_dims=max_dims, max_side=max_side)), draw(DTYPES)))
    size = max(x.ndim + extra, 1)
    return x, maybe_negative(draw, draw(st.integers(0, size - 1)), size)


# -- reshape / view, permute, transpose, flatten ---------------------------------------------------


@st.composite
def reshape_case(draw):
    """An array and a new shape with the same number of elements, maybe with one -1."""
    x = draw(arrays(draw(shapes()), draw(DTYPES)))
    factors = [p for n in x.shape for p in prime_factors(n)]
    new_ndim = draw(st.integers(1, 4))
    new_shape = [1] * new_ndim
    for p in factors:  # deal the prime factors out to the new axes
        new_shape[draw(st.integers(0, new_ndim - 1))] *= p
    if draw(st.booleans()):
        new_shape[draw(st.integers(0, new_ndim - 1))] = -1
    return x, tuple(new_shape)


@settings(deadline=None)
@given(case=reshape_case())
def test_reshape_and_view(case):
    x, new_shape = case
    check_op(lambda t: t.reshape(new_shape), lambda t: t.reshape(new_shape), x)
    check_op(lambda t: t.view(*new_shape), lambda t: t.view(*new_shape), x)
    check_op(lambda t: minigrad.reshape(t, new_shape), lambda t: torch.reshape(t, new_shape), x)


@settings(deadline=None)
@given(data=st.data(), x=shapes().flatmap(lambda s: DTYPES.flatmap(lambda d: arrays(s, d))))
def test_permute(data, x):
    order = data.draw(st.permutations(range(x.ndim)), label="order")
    dims = [maybe_negative(data.draw, d, x.ndim) for d in order]
    check_op(lambda t: t.permute(tuple(dims)), lambda t: t.permute(tuple(dims)), x)
    if dims:
        check_op(lambda t: t.permute(*dims), lambda t: t.permute(*dims), x)
    check_op(lambda t: minigrad.permute(t, dims), lambda t: torch.permute(t, dims), x)
    if x.ndim == 2:  # torch deprecates .T for other ranks
        check_op(lambda t: t.T, lambda t: t.T, x)


@settings(deadline=None)
@given(data=st.data(), case=array_and_dim())
def test_transpose(data, case):
    x, dim0 = case
    size = max(x.ndim, 1)
    dim1 = maybe_negative(data.draw, data.draw(st.integers(0, size - 1), label="dim1"), size)
    check_op(lambda t: t.transpose(dim0, dim1), lambda t: t.transpose(dim0, dim1), x)
    check_op(lambda t: minigrad.transpose(t, dim0, dim1), lambda t: torch.transpose(t, dim0, dim1), x)


@settings(deadline=None)
@given(data=st.data(), case=array_and_dim())
def test_flatten(data, case):
    """flatten(start, end) merges axes start..end; with start = end torch returns the input itself."""
    x, start = case
    size = max(x.ndim, 1)
    end = data.draw(st.integers(start % size, size - 1), label="end")
    end = maybe_negative(data.draw, end, size)
    check_op(lambda t: t.flatten(start, end), lambda t: t.flatten(start, end), x)
    check_op(lambda t: minigrad.flatten(t, start), lambda t: torch.flatten(t, start), x)


# -- squeeze, unsqueeze, expand ---------------------------------------------------------------------


@settings(deadline=None)
@given(data=st.data(), x=shapes(max_side=2).flatmap(lambda s: DTYPES.flatmap(lambda d: arrays(s, d))))
def test_squeeze(data, x):
    """Small sides, so size-1 axes are common; a dim that is not size 1 is left alone."""
    size = max(x.ndim, 1)
    dim = data.draw(st.integers(0, size - 1), label="dim")
    dims = data.draw(st.lists(st.integers(0, size - 1), unique=True, max_size=size), label="dims")
    dims = tuple(maybe_negative(data.draw, d, size) for d in dims)
    check_op(lambda t: t.squeeze(), lambda t: t.squeeze(), x)
    check_op(lambda t: t.squeeze(dim), lambda t: t.squeeze(dim), x)
    check_op(lambda t: t.squeeze(dims), lambda t: t.squeeze(dims), x)
    check_op(lambda t: minigrad.squeeze(t, dim), lambda t: torch.squeeze(t, dim), x)


@settings(deadline=None)
@given(case=array_and_dim(extra=1))
def test_unsqueeze(case):
    x, dim = case
    check_op(lambda t: t.unsqueeze(dim), lambda t: t.unsqueeze(dim), x)
    check_op(lambda t: minigrad.unsqueeze(t, dim), lambda t: torch.unsqueeze(t, dim), x)


@st.composite
def expand_case(draw):
    """An array with size-1 axes and sizes to expand it to: -1 keeps an axis, new axes in front."""
    x = draw(arrays(draw(shapes(max_dims=3, max_side=2)), draw(DTYPES)))
    sizes = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]  # new leading axes
    for n in x.shape:
        sizes.append(draw(st.sampled_from([-1, n] if n != 1 else [-1, 1, 2, 3])))
    return x, tuple(sizes)


@settings(deadline=None)
@given(case=expand_case())
def test_expand(case):
    """The gradient sums over the repeated axes."""
    x, sizes = case
    check_op(lambda t: t.expand(sizes), lambda t: t.expand(sizes), x)
    if sizes:
        check_op(lambda t: t.expand(*sizes), lambda t: t.expand(*sizes), x)


# -- indexing -----------------------------------------------------------------------------------


@st.composite
def index_case(draw):
    """An array and a key mixing ints, slices with steps, None, Ellipsis, integer arrays (repeats
    are common: their gradients must add up) and boolean masks.

    Built per axis of x: each axis gets an int, a slice, an index array or nothing (a full
    slice); a boolean mask may cover one or two axes; Ellipsis stands for a run of untouched
    axes; None may be inserted anywhere. All index arrays share one shape (they broadcast
    together); a key with a mask has no other index array.
    """
    x = draw(arrays(draw(shapes(max_dims=4, max_side=4)), draw(DTYPES)))
    array_shape = draw(shapes(min_dims=1, max_dims=2, max_side=3))
    advanced = draw(st.sampled_from(["arrays", "mask"]))  # index arrays, or one boolean mask
    parts, axis = [], 0
    while axis < x.ndim:
        n = x.shape[axis]
        kind = draw(st.sampled_from(["full", "int", "slice", {"arrays": "array", "mask": "mask"}.get(advanced, "full")]))
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == "slice":
            start, stop = (draw(st.none() | st.integers(-n - 1, n + 1)) for _ in range(2))
            parts.append(slice(start, stop, draw(st.none() | st.integers(1, 3))))
        elif kind == "array":
            parts.append(draw(arrays(array_shape, np.int64, elements=st.integers(-n, n - 1))))
        elif kind == "mask":
            span = min(draw(st.integers(1, 2)), x.ndim - axis)
            parts.append(draw(arrays(x.shape[axis : axis + span], np.bool_, elements=st.booleans())))
            advanced, axis = "used", axis + span - 1
        else:
            parts.append(slice(None))
        axis += 1
    is_full = lambda p: isinstance(p, slice) and p == slice(None)
    if draw(st.booleans()):  # Ellipsis replaces a run of full slices (possibly empty)
        start = end = draw(st.integers(0, len(parts)))
        while end < len(parts) and is_full(parts[end]) and draw(st.booleans()):
            end += 1
        parts[start:end] = [Ellipsis]
    for _ in range(draw(st.integers(0, 2))):
        parts.insert(draw(st.integers(0, len(parts))), None)
    # trailing full slices may be left out (not after an Ellipsis: it would then cover them)
    while parts and is_full(parts[-1]) and not any(p is Ellipsis for p in parts) and draw(st.booleans()):
        parts.pop()
    return x, tuple(parts)


def key_for(library, key):
    """The key with index arrays as that library's tensors."""
    return tuple(library.tensor(k) if isinstance(k, np.ndarray) else k for k in key)


@settings(max_examples=150, deadline=None)
@given(case=index_case())
# index arrays on either side of an `...` that stands for no axes are adjacent in torch
@example(case=(np.arange(2.0).reshape(1, 2, 1, 1), (slice(None), slice(None), np.array([0]), Ellipsis, np.array([0]))))
def test_indexing(case):
    """Values and gradients; torch's grad_fn names (SelectBackward0, SliceBackward0, ...) depend
    on how it decomposes a key into view ops, so names are compared only in test_index_names."""
    x, key = case
    check_op(lambda t: t[key_for(minigrad, key)], lambda t: t[key_for(torch, key)], x, compare_names=False)


def test_repeated_indices_accumulate():
    x = np.arange(12.0).reshape(4, 3)
    for key in ([0, 0, 2, 0], ([1, 1], [2, 2]), (slice(None), [0, 0, 0]), ([[3, 3], [3, 0]],)):
        mg_key = tuple(minigrad.tensor(k) if isinstance(k, list) else k for k in (key if isinstance(key, tuple) else (key,)))
        t_key = tuple(torch.tensor(k) if isinstance(k, list) else k for k in (key if isinstance(key, tuple) else (key,)))
        check_op(lambda t: t[mg_key], lambda t: t[t_key], x)
    t = minigrad.tensor(x, requires_grad=True)
    t[minigrad.tensor([0, 0, 0])].sum().backward()
    np.testing.assert_array_equal(t.grad.numpy()[0], [3.0, 3.0, 3.0])


@pytest.mark.parametrize(
    "key",
    [0, -1, (0, 1), slice(1, 3), (slice(None), slice(0, 3, 2)), (Ellipsis, 0), [1, 0, 1], (0, [1, 1]), "mask"],
    ids=str,
)
def test_index_names(key):
    """Keys for which torch's node is one view op: SelectBackward0, SliceBackward0, IndexBackward0.
    (x[None] is UnsqueezeBackward0, x[...] AliasBackward0 and mixed keys end in whichever view
    torch applies last: implementation details that minigrad does not copy.)"""
    x = np.arange(24.0).reshape(2, 3, 4)
    if key == "mask":
        check_op(lambda t: t[t > 3], lambda t: t[t > 3], x)
    else:
        check_op(lambda t: t[key_for(minigrad, key) if isinstance(key, tuple) else key],
                 lambda t: t[key_for(torch, key) if isinstance(key, tuple) else key], x)


def _keys_in_torchs_meaning(lib):
    """Keys whose meaning torch decides differently from numpy (``Tensor._index_key``)."""
    return {
        "list of lists is a tuple": [[0, 1], [1, 2]],
        "list of 0-d tensors is a tuple": [lib.tensor(0), lib.tensor(2)],
        "list with a slice is a tuple": [0, slice(1, 3)],
        "list with None is a tuple": [1, None],
        "list of ints is one index": [1, 2, 1],
        "33 lists are one index": [[0, 1]] * 33,
        "uint8 tensor is a mask": lib.tensor([1, 0, 1], dtype=lib.uint8),
        "0-d int tensor selects": lib.tensor(1),
        "0-d bool tensor": lib.tensor(True),
        "empty list": [],
        "list holding an empty list": [[]],
        "empty tuple": (),
    }


@pytest.mark.filterwarnings("ignore")  # torch warns that a uint8 mask is deprecated
@pytest.mark.parametrize("name", list(_keys_in_torchs_meaning(torch)))
def test_index_keys_mean_what_they_mean_in_torch(name):
    x = np.arange(12.0).reshape(3, 4)
    check_op(lambda t: t[_keys_in_torchs_meaning(minigrad)[name]], lambda t: t[_keys_in_torchs_meaning(torch)[name]],
             x, compare_names=False)


# -- cat, stack, where ----------------------------------------------------------------------------


@st.composite
def cat_case(draw):
    """1-3 arrays that agree on every axis but ``dim``, possibly of different float dtypes."""
    base, dim = draw(array_and_dim())
    if base.ndim == 0:
        base, dim = base.reshape(1), 0
    arrays_ = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base.shape)
        shape[dim] = draw(st.integers(1, 3))
        arrays_.append(draw(arrays(tuple(shape), draw(DTYPES))))
    return arrays_, dim


@settings(deadline=None)
@given(case=cat_case())
def test_cat(case):
    arrays_, dim = case
    check_op(lambda *ts: minigrad.cat(ts, dim), lambda *ts: torch.cat(ts, dim), *arrays_)
    check_op(lambda *ts: minigrad.cat(list(ts), dim=dim), lambda *ts: torch.cat(list(ts), dim=dim), *arrays_)


@pytest.mark.parametrize("shapes_, dim", [([(0,), (2, 3)], 0), ([(0,), (2, 3)], -1), ([(2, 3), (0,), (1, 3)], 0),
                                          ([(0,), (0,)], 0), ([(0,), (0, 3)], 0), ([(0,)], 2)], ids=str)
def test_cat_leaves_out_1d_empty_tensors_as_torch(shapes_, dim):
    xs = [np.ones(shape) * (i + 1) for i, shape in enumerate(shapes_)]
    check_op(lambda *ts: minigrad.cat(ts, dim), lambda *ts: torch.cat(ts, dim), *xs)


@settings(deadline=None)
@given(data=st.data(), case=array_and_dim(extra=1), count=st.integers(1, 3))
def test_stack(data, case, count):
    x, dim = case
    others = [data.draw(arrays(x.shape, x.dtype.type), label="other") for _ in range(count - 1)]
    check_op(lambda *ts: minigrad.stack(ts, dim), lambda *ts: torch.stack(ts, dim), x, *others)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shapes_=broadcastable_shapes(3), scalar=st.sampled_from([0.0, -1.5, 2]))
def test_where(data, dtype, shapes_, scalar):
    """The condition, input and other broadcast; either branch may be a number."""
    condition = data.draw(arrays(shapes_[0], np.bool_, elements=st.booleans()), label="condition")
    a, b = (data.draw(arrays(s, dtype), label=n) for s, n in zip(shapes_[1:], "ab"))
    mg_condition, t_condition = minigrad.tensor(condition), torch.tensor(condition)
    check_op(lambda x, y: minigrad.where(mg_condition, x, y), lambda x, y: torch.where(t_condition, x, y), a, b)
    check_op(lambda x: minigrad.where(mg_condition, x, scalar), lambda x: torch.where(t_condition, x, scalar), a)
    check_op(lambda y: minigrad.where(mg_condition, scalar, y), lambda y: torch.where(t_condition, scalar, y), b)


# -- item assignment: x[key] = value --------------------------------------------------------------

SETITEM_CASES = [  # (key, value's shape) into x of shape (3, 4)
    ((0,), (4,)),
    ((0,), (1, 4)),  # value's extra leading size-1 axes are dropped
    ((0, 1), (1,)),  # into a single element
    ((slice(None), 1), (3,)),
    ((slice(None), slice(1, 3)), (1, 2)),  # value broadcasts: its gradient is summed back
    ((slice(None),), (4,)),  # the whole tensor: a plain copy
    ((None, 0), (4,)),
    ((np.array([0, 0]),), (4,)),  # a row written twice: value gets both gradients
    ((np.array([0, 2]), 1), (2,)),
    ((1, np.array([0, 2])), (2,)),
    ((np.array([True, False, True]),), (2, 1)),
    ((Ellipsis, np.array([0, 1])), (3, 2)),
]


@pytest.mark.parametrize("key, value_shape", SETITEM_CASES, ids=[str(i) for i in range(len(SETITEM_CASES))])
@pytest.mark.parametrize("x_requires_grad", [False, True])
def test_setitem_records_the_write_like_torch(key, value_shape, x_requires_grad):
    """x[key] = value with value requiring grad (and x too, or not): x's new grad_fn, its values and
    the gradients reaching value and old x all equal torch's. Before, value's gradient was dropped."""
    rng = np.random.default_rng(0)
    value, upstream, base = rng.standard_normal(value_shape), rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    results = []
    for lib in (minigrad, torch):
        v = lib.tensor(value, requires_grad=True)
        a = lib.tensor(base, requires_grad=True)
        x = a * 1.0 if x_requires_grad else lib.tensor(base)
        x[key_for(lib, key)] = v * 2.0
        name = x.grad_fn.name()
        x.backward(lib.tensor(upstream))
        results.append((name, x.detach().numpy(), v.grad.numpy(), a.grad.numpy() if x_requires_grad else None))
    (name, values, v_grad, a_grad), (t_name, t_values, t_v_grad, t_a_grad) = results
    assert name == t_name
    np.testing.assert_allclose(values, t_values)
    np.testing.assert_allclose(v_grad, t_v_grad)
    if x_requires_grad:
        np.testing.assert_allclose(a_grad, t_a_grad)


def test_setitem_never_drops_a_gradient_silently():
    v = minigrad.tensor([1.0, 2.0], requires_grad=True)
    leaf = minigrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        leaf[:2] = v  # torch's error too
    base = minigrad.zeros(2, 3)
    base[0][:2] = v  # a write into a view of base: base's node becomes CopySlices (as torch's)
    base.sum().backward()
    assert base.grad_fn.name().endswith("CopySlices") and v.grad.tolist() == [1.0, 1.0]
    ints = minigrad.zeros(3, dtype=minigrad.int64)
    ints[:2] = v  # an integer tensor has no gradient: the values are cast, nothing is recorded (as torch)
    assert ints.tolist() == [1, 2, 0] and not ints.requires_grad
    with minigrad.no_grad():
        leaf[:2] = v
    assert leaf.tolist() == [1.0, 2.0, 0.0] and leaf.grad_fn is None


# -- gradcheck ----------------------------------------------------------------------------------


@settings(max_examples=10, deadline=None)
@given(x=shapes(min_dims=2, max_dims=3, max_side=3).flatmap(arrays))
def test_gradcheck(x):
    check_gradcheck(lambda t: t.reshape(-1), x)
    check_gradcheck(lambda t: t.permute(*reversed(range(t.ndim))), x)
    check_gradcheck(lambda t: t.transpose(0, -1), x)
    check_gradcheck(lambda t: t.unsqueeze(1).expand(-1, 2, *t.shape[1:]), x)
    check_gradcheck(lambda t: t[minigrad.tensor([0, 0, -1])], x)
    check_gradcheck(lambda t: t[..., ::2], x)
    mask = minigrad.tensor(x > 0)  # fixed: a mask computed from t would move under finite differences
    check_gradcheck(lambda t: t[mask], x)
    check_gradcheck(lambda t: minigrad.cat([t, t * 2], -1), x)
    check_gradcheck(lambda t: minigrad.stack([t, t * 2], 1), x)
    check_gradcheck(lambda t, u: minigrad.where(mask, t, u), x, x[::-1].copy())


# -- errors: the type torch raises and the key part of its message --------------------------------


TYPE_ONLY = ""  # torch and numpy word the message differently: compare the exception type only


@pytest.mark.parametrize(
    "call, key",
    [
        (lambda lib: lib.zeros(2, 3).reshape(4, 2), None),  # shape '[4, 2]' is invalid for input of size 6
        (lambda lib: lib.zeros(2, 3).reshape(4, -1), None),
        (lambda lib: lib.zeros(2, 3).view(-1, -1), None),
        (lambda lib: lib.zeros(2, 3).permute(0, 2), None),  # dim out of range
        (lambda lib: lib.zeros(2, 3).permute(0, 0), "duplicate dims are not allowed"),
        (lambda lib: lib.zeros(2, 3).permute(0), "does not match the length of the desired ordering"),
        (lambda lib: lib.zeros(2, 3).transpose(0, 2), None),
        (lambda lib: lib.zeros(2, 3).squeeze(-3), None),
        (lambda lib: lib.zeros(2, 3).unsqueeze(3), None),
        (lambda lib: lib.zeros(2, 3).flatten(1, 0), None),
        (lambda lib: lib.zeros(2, 3).flatten(0, 2), None),
        (lambda lib: lib.zeros(3, 1).expand(5, 4), None),
        (lambda lib: lib.zeros(3, 1).expand(-1, 3, 4), None),
        (lambda lib: lib.zeros(3, 1).expand(4), "must be greater or equal to the number of dimensions"),
        (lambda lib: lib.zeros(3, 1, dtype=lib.float64).expand(4), "DoubleTensor{[3, 1]}, size=[4]): the number"),
        (lambda lib: lib.zeros(3, 1, dtype=lib.int64).expand(4), "LongTensor{[3, 1]}, size=[4]): the number"),
        (lambda lib: lib.zeros(2, 3).expand(3, 4), None),  # both axes clash: torch names the last one
        (lambda lib: lib.zeros(2, 3).expand(-1, 2, 4), None),  # a clash is found before the leading -1
        (lambda lib: lib.zeros(2, 3).expand(-1, 2, 3), None),
        (lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)], 0), None),  # sizes must match except in dim 0
        (lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2)], 0), None),
        (lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 3)], 2), None),
        (lambda lib: lib.cat([lib.zeros(()), lib.zeros(())]), None),
        (lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(2, 4)]), None),  # stack expects each tensor to be equal size
        (lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(2, 3)], 3), None),
        (lambda lib: lib.zeros(2, 3)[2], None),  # index 2 is out of bounds for dimension 0 with size 2
        (lambda lib: lib.zeros(2, 3)[:, -4], None),
        (lambda lib: lib.zeros(2, 3)[0, 0, 0], None),  # too many indices
        (lambda lib: lib.zeros(2, 3)[::-1], "step must be greater than zero"),
        (lambda lib: lib.zeros(2, 3)[lib.tensor([True, False, True])], TYPE_ONLY),  # mask of the wrong size
        (lambda lib: lib.where(lib.zeros(2), lib.zeros(2), lib.zeros(2)), None),  # condition must be bool
    ],
)
def test_errors(call, key):
    raises_like_torch(call, key)
