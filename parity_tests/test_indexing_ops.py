"""Parity of minigrad/ops/indexing.py with torch: gather, scatter (src and value), scatter_add,
masked_fill, and their in-place forms: values, dtypes, every input gradient, node names, errors."""

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_gradcheck, check_op, check_under_upstream, raises_like_torch
from strategies import DTYPES, arrays, broadcastable_shapes, shapes


@st.composite
def index_case(draw, unique=False, max_dims=3):
    """(x's shape, dim, index as an int64 array) for gather/scatter along dim. Along the other
    dims the index is at most as long as x; along dim any length (gather, scatter_add) or at most
    x's size with no position named twice in a slice (scatter: then the result is determined).
    A 0-d x takes a 0-d index."""
    shape = draw(shapes(min_dims=0, max_dims=max_dims, min_side=1, max_side=4))
    ndim = max(len(shape), 1)
    dim = draw(st.integers(-ndim, ndim - 1))
    axis, full = dim % ndim, shape or (1,)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if not shape:
        return shape, dim, np.array(0)
    longest = full[axis] if unique else 4
    index_shape = tuple(draw(st.integers(0, longest if d == axis else n)) for d, n in enumerate(full))
    if unique:  # a permutation of x's positions along dim, for each slice; its first entries
        draw_shape = tuple(full[axis] if d == axis else n for d, n in enumerate(index_shape))
        index = np.argsort(rng.random(draw_shape), axis=axis).take(np.arange(index_shape[axis]), axis=axis)
    else:
        index = rng.integers(0, full[axis], index_shape)
    return shape, dim, index.astype(np.int64)


def pair(index):
    """The index as a minigrad and as a torch tensor."""
    return minigrad.tensor(index), torch.tensor(index)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, case=index_case(), int32=st.booleans())
def test_gather(data, dtype, case, int32):
    """Repeated positions in index add their gradients up; index may be int32."""
    shape, dim, index = case
    x = data.draw(arrays(shape, dtype), label="x")
    mg_index, t_index = pair(index.astype(np.int32) if int32 else index)
    check_op(lambda t: t.gather(dim, mg_index), lambda t: t.gather(dim, t_index), x)
    check_op(lambda t: minigrad.gather(t, dim, mg_index), lambda t: torch.gather(t, dim, t_index), x)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, case=index_case(unique=True))
def test_scatter(data, dtype, case):
    """src of index's shape: x's gradient is 0 where src was written, src's is grad gathered."""
    shape, dim, index = case
    x = data.draw(arrays(shape, dtype), label="x")
    src = data.draw(arrays(index.shape, dtype), label="src")
    mg_index, t_index = pair(index)
    check_op(lambda a, b: a.scatter(dim, mg_index, b), lambda a, b: a.scatter(dim, t_index, b), x, src)
    check_op(lambda a, b: minigrad.scatter(a, dim, mg_index, src=b), lambda a, b: torch.scatter(a, dim, t_index, src=b), x, src)
    check_op(lambda a: a.scatter(dim, mg_index, 2.5), lambda a: a.scatter(dim, t_index, 2.5), x)  # ScatterBackward1
    check_op(lambda a: minigrad.scatter(a, dim, mg_index, value=-1), lambda a: torch.scatter(a, dim, t_index, value=-1), x)


@settings(deadline=None)
@given(data=st.data(), case=index_case(unique=True, max_dims=2), extra=st.integers(1, 2))
def test_scatter_writes_only_index_shaped_corner_of_a_larger_src(data, case, extra):
    """src may be larger than index: only its corner of index's shape is written. (torch's
    backward then fails on src's gradient, a torch bug; minigrad gives 0 for the unwritten rest.)"""
    shape, dim, index = case
    if not shape:
        return
    x = data.draw(arrays(shape), label="x")
    src = data.draw(arrays(tuple(n + extra for n in index.shape)), label="src")
    mg_index, t_index = pair(index)
    for name in ("scatter", "scatter_add"):
        expected = getattr(torch.tensor(x), name)(dim, t_index, torch.tensor(src))
        actual = getattr(minigrad.tensor(x), name)(dim, mg_index, minigrad.tensor(src))
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-12)
    s = minigrad.tensor(src, requires_grad=True)
    minigrad.tensor(x).scatter(dim, mg_index, s).backward(minigrad.ones(shape))
    expected_grad = np.zeros(src.shape)
    expected_grad[tuple(slice(0, n) for n in index.shape)] = 1.0
    np.testing.assert_array_equal(s.grad.numpy(), expected_grad)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, case=index_case())
def test_scatter_add(data, dtype, case):
    """A position named twice adds both entries of src (ties in index are frequent here)."""
    shape, dim, index = case
    x = data.draw(arrays(shape, dtype), label="x")
    src = data.draw(arrays(index.shape, dtype), label="src")
    mg_index, t_index = pair(index)
    check_op(lambda a, b: a.scatter_add(dim, mg_index, b), lambda a, b: a.scatter_add(dim, t_index, b), x, src)
    check_op(lambda a, b: minigrad.scatter_add(a, dim, mg_index, b), lambda a, b: torch.scatter_add(a, dim, t_index, b), x, src)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=broadcastable_shapes(), tensor_value=st.booleans())
@example(data=None, dtype=np.float64, shape_pair=((2, 3), (3,)), tensor_value=True)
def test_masked_fill(data, dtype, shape_pair, tensor_value):
    """mask broadcasts against x (the result takes the broadcast shape); a 0-d tensor value gets
    the sum of grad under the mask (MaskedFillBackward1), a number none (MaskedFillBackward0)."""
    x_shape, mask_shape = shape_pair
    if data is None:
        x, mask = np.arange(6.0).reshape(2, 3), np.array([True, False, True])
    else:
        x = data.draw(arrays(x_shape, dtype), label="x")
        mask = data.draw(arrays(mask_shape, np.bool_, elements=st.booleans()), label="mask")
    mg_mask, t_mask = minigrad.tensor(mask), torch.tensor(mask)
    if tensor_value:
        value = np.array(-2.5, dtype=x.dtype)
        check_op(lambda a, v: a.masked_fill(mg_mask, v), lambda a, v: a.masked_fill(t_mask, v), x, value)
        check_op(lambda a, v: minigrad.masked_fill(a, mg_mask, v), lambda a, v: torch.masked_fill(a, t_mask, v), x, value)
    else:
        check_op(lambda a: a.masked_fill(mg_mask, 7.0), lambda a: a.masked_fill(t_mask, 7.0), x)


@pytest.mark.parametrize("upstream", [np.nan, np.inf])
def test_masks_select_a_nonfinite_upstream_gradient(upstream):
    """masked_fill's masks select (torch's where): a NaN or ∞ grad reaches neither input where its mask is off."""
    mask = np.array([[True, False, True], [False, False, True]])
    check_under_upstream(lambda lib, x, v: x.masked_fill(lib.tensor(mask), v), np.arange(6.0).reshape(2, 3), np.array(3.0),
                         upstream=upstream, exact=True)
    index = np.array([[0, 2], [1, 0]])
    check_under_upstream(lambda lib, x, s: x.scatter(1, lib.tensor(index), s), np.arange(6.0).reshape(2, 3),
                         np.ones((2, 2)), upstream=upstream, exact=True)


def test_dtypes_of_written_values():
    """A number is converted to x's dtype as torch converts it; the result keeps x's dtype."""
    for lib in (minigrad, torch):
        mask = lib.tensor([True, False, True])
        assert lib.tensor([1, 2, 3]).masked_fill(mask, 2.7).tolist() == [2, 2, 2]
        assert lib.tensor([True, False, False]).masked_fill(mask, 2).tolist() == [True, False, True]
        assert lib.tensor([1.0, 2.0, 3.0]).masked_fill(mask, lib.tensor(5, dtype=lib.int64)).tolist() == [5.0, 2.0, 5.0]
        assert lib.tensor([1, 2, 3], dtype=lib.uint8).masked_fill(mask, -1).tolist() == [255, 2, 255]
        assert lib.zeros(2, dtype=lib.int64).scatter(0, lib.tensor([0]), 2.7).tolist() == [2, 0]
        assert str(lib.zeros(2).scatter(0, lib.tensor([1]), 1).dtype).endswith("float32")
        assert lib.zeros(5).scatter(0, lib.tensor([1, 1, 1]), lib.tensor([1.0, 2.0, 3.0])).tolist()[1] == 3.0  # the last write
        # the value's dtype does not make the result's, but its gradient has the value's dtype
        v = lib.tensor(2.0, dtype=lib.float32, requires_grad=True)
        out = lib.zeros(3, dtype=lib.float64).masked_fill(mask, v)
        out.sum().backward()
        assert str(out.dtype).endswith("float64") and str(v.grad.dtype).endswith("float32") and v.grad.item() == 2.0


@pytest.mark.parametrize("name", ["masked_fill_", "scatter_", "scatter_value_", "scatter_add_"])
def test_in_place_forms(name):
    """The in-place forms write into x's memory, bump its version and record torch's node on a
    non-leaf; on a leaf that requires grad they raise torch's error."""
    rng = np.random.default_rng(0)
    base, src, upstream = rng.standard_normal((3, 4)), rng.standard_normal((2, 4)), rng.standard_normal((3, 4))
    index = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    results = []
    for lib in (minigrad, torch):
        a, s = lib.tensor(base, requires_grad=True), lib.tensor(src, requires_grad=True)
        calls = {
            "masked_fill_": lambda x: x.masked_fill_(lib.tensor([True, False, False, True]), s[0, 0]),
            "scatter_": lambda x: x.scatter_(0, lib.tensor(index), s),
            "scatter_value_": lambda x: x.scatter_(0, lib.tensor(index), value=0.5),
            "scatter_add_": lambda x: x.scatter_add_(0, lib.tensor(index), s),
        }
        x = a * 1.0
        version, memory = x._version, x.detach().numpy()
        assert calls[name](x) is x and x._version == version + 1
        np.testing.assert_array_equal(memory, x.detach().numpy())  # the same memory, changed
        name_of_node = x.grad_fn.name()
        x.backward(lib.tensor(upstream))
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            calls[name](lib.tensor(base, requires_grad=True))
        results.append((name_of_node, x.detach().numpy(), a.grad.numpy(), s.grad.numpy() if s.grad is not None else None))
    (node, values, a_grad, s_grad), (t_node, t_values, t_a_grad, t_s_grad) = results
    assert node == t_node
    np.testing.assert_allclose(values, t_values)
    np.testing.assert_allclose(a_grad, t_a_grad)
    if t_s_grad is not None:
        np.testing.assert_allclose(s_grad, t_s_grad)


def test_writes_through_an_expanded_view_as_torch():
    """torch writes masked_fill_ and x[indices] = v through an expand()ed view (several elements,
    one memory location), with deprecation warnings: a location takes the value if any of its
    elements is written. Its backward refuses when the old values need a gradient."""
    mask = [[True, False, False], [False, False, True]]
    writes = {
        "masked_fill_": lambda lib, v: v.masked_fill_(lib.tensor(mask), 1.0),
        "masked_fill_ 0-d tensor": lambda lib, v: v.masked_fill_(lib.tensor(mask), lib.tensor(4.0)),
        "x[mask] = number": lambda lib, v: v.__setitem__(lib.tensor(mask), 2.0),
        "x[mask] = values": lambda lib, v: v.__setitem__(lib.tensor(mask), lib.tensor([5.0, 6.0])),
        "x[mask] = one value": lambda lib, v: v.__setitem__(lib.tensor(mask), lib.tensor([5.0])),
        "x[rows, columns] = number": lambda lib, v: v.__setitem__((lib.tensor([0, 1]), lib.tensor([0, 2])), 7.0),
        "x[0] = number": lambda lib, v: v.__setitem__(0, 8.0),
    }
    for (name, write), start in itertools.product(writes.items(), [0.0, float("nan")]):
        seen = []  # (a NaN that stays where it was must not be written back over the new value)
        for lib in (minigrad, torch):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                x = lib.full((3,), start)
                write(lib, x.expand(2, 3))
            seen.append((str(x.tolist()), [str(w.message).split(" (Triggered internally")[0] for w in caught]))
        assert seen[0] == seen[1], (name, start)
    for lib in (minigrad, torch):
        leaf = lib.zeros(3, requires_grad=True)
        y = leaf * 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y.expand(2, 3).masked_fill_(lib.tensor(mask), 3.0)
        assert y.tolist() == [3.0, 0.0, 3.0]
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single memory"):
            y.sum().backward()


def test_mask_must_broadcast_to_the_tensor_written_in_place():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn't match the broadcast shape \[1, 3\]"):
            lib.zeros(3).masked_fill_(lib.tensor([[True, False, True]]), 1.0)


@settings(max_examples=10, deadline=None)
@given(data=st.data(), case=index_case(max_dims=2))
def test_gradcheck(data, case):
    shape, dim, index = case
    x = data.draw(arrays(shape), label="x")
    src = data.draw(arrays(index.shape), label="src")
    mg_index = minigrad.tensor(index)
    check_gradcheck(lambda t: t.gather(dim, mg_index), x)
    if src.size:  # (gradcheck perturbs elements: an empty src has none)
        check_gradcheck(lambda t, s: t.scatter_add(dim, mg_index, s), x, src)
    mask = minigrad.tensor(x > 0)
    check_gradcheck(lambda t, v: t.masked_fill(mask, v), x, np.array(1.5))



def _x(lib):
    return lib.tensor([[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize(
    "call, key",
    [
        (lambda lib: _x(lib).gather(1, lib.tensor([[0, 2]])), None),  # index 2 is out of bounds for dimension 1 with size 2
        (lambda lib: _x(lib).gather(1, lib.tensor([[0, -1]])), None),
        (lambda lib: _x(lib).gather(1, lib.tensor([[1, 5], [7, 0]])), None),  # the first one named
        (lambda lib: _x(lib).gather(1, lib.tensor([0, 1])), None),  # same number of dimensions
        (lambda lib: _x(lib).gather(2, lib.tensor([[0, 1]])), None),  # dim out of range
        (lambda lib: _x(lib).gather(1, lib.tensor([[0.0, 1.0]])), None),  # Expected dtype int32/int64 for index
        (lambda lib: _x(lib).gather(1, lib.tensor([[True]])), None),
        (lambda lib: _x(lib).gather(1, lib.tensor([[0], [1], [0]])), None),  # no larger than self apart from dim 1
        (lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([[0, 1, 2, 0, 1]]), 1.0), None),
        (lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([[0, 1, 2, 0, 1]]), lib.ones(2, 4)), None),
        (lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([0, 1]), 1.0), None),  # as self tensor
        (lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([[0]]), lib.ones(2, 4, dtype=lib.float64)), None),
        (lambda lib: lib.zeros(3, 4).scatter(0, lib.tensor([[3]]), 1.0), None),
        (lambda lib: lib.zeros(3, 4).scatter_add(0, lib.tensor([[5]]), lib.ones(1, 1)), None),
        (lambda lib: lib.zeros(3, 4).scatter_add(0, lib.tensor([[0]]).float(), lib.ones(1, 1)), None),
        (lambda lib: lib.zeros(3, 4).scatter_add(0, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)), None),
        (lambda lib: lib.zeros(3, dtype=lib.uint8).scatter(0, lib.tensor([0]), 300), "without overflow"),
        (lambda lib: lib.zeros(3).masked_fill(lib.tensor([1, 0, 1], dtype=lib.uint8), 1.0), None),  # only boolean masks
        (lambda lib: lib.zeros(3).masked_fill(lib.tensor([1, 0, 1]), 1.0), None),
        (lambda lib: lib.zeros(3).masked_fill(lib.tensor([True, False, True]), lib.tensor([1.0, 2.0])), None),
        (lambda lib: lib.zeros(2, 3).masked_fill(lib.tensor([True, False]), 1.0), None),  # shapes do not broadcast
        (lambda lib: lib.zeros(3).masked_fill(lib.tensor([True, False, True]), "a"), "masked_fill() received an invalid"),
        (lambda lib: lib.tensor([1, 2], dtype=lib.uint8).masked_fill(lib.tensor([True, False]), 300), "without overflow"),
    ],
)
def test_errors(call, key):
    raises_like_torch(call, key)


@pytest.mark.parametrize("rows", [2, 0])
def test_changing_gathers_input_in_place_breaks_backward_as_in_torch(rows):
    """torch's gather saves its input: an in-place change before backward is its error (the
    composition fuzzer's find: minigrad, which needs only x's shape, computed the gradient)."""
    for lib in (minigrad, torch):
        x = lib.ones(rows, 3, requires_grad=True)
        y = x * 1
        out = y.gather(1, lib.zeros(rows, 2, dtype=lib.int64))
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()
