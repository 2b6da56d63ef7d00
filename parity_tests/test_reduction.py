"""Parity of minigrad/ops/reduction.py with torch: sum, mean, var, max/min (with and without dim),
amax/amin, maximum/minimum, argmax/argmin."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
import strategies
from harness import check_gradcheck, check_op, check_parity, check_under_upstream, raises_like_torch
from strategies import DTYPES, arrays, broadcastable_shapes, distinct_arrays, shapes




@st.composite
def shape_and_dims(draw, min_dims=0, max_dims=4, tuples=True, allow_none=True):
    """A shape and a ``dim`` for it: None, an int or a tuple of distinct axes, each maybe negative."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    ndim = max(len(shape), 1)  # a 0-d tensor accepts dim 0 and -1
    kinds = ["int"] + ["tuple"] * tuples + ["none"] * allow_none
    kind = draw(st.sampled_from(kinds))
    if kind == "none":
        return shape, None
    axis = st.integers(0, ndim - 1)
    axes = [draw(axis)] if kind == "int" else draw(st.lists(axis, unique=True, max_size=ndim))
    axes = [a - ndim if draw(st.booleans()) else a for a in axes]
    return shape, axes[0] if kind == "int" else tuple(axes)


# float32 sums of a few hundred values of size 10 differ by rounding order, up to ~1e-4 absolute
FLOAT32_SUM = dict(atol=2e-4)


def sum_tolerance(dtype):
    return FLOAT32_SUM if dtype == np.float32 else {}


@pytest.mark.parametrize("name", ["sum", "mean"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_dim=shape_and_dims(), keepdim=st.booleans())
def test_sum_mean(name, data, dtype, shape_dim, keepdim):
    shape, dim = shape_dim
    x = data.draw(arrays(shape, dtype), label="x")
    if dim is None and not keepdim:
        fn = lambda t: getattr(t, name)()  # SumBackward0 / MeanBackward0
    else:
        fn = lambda t: getattr(t, name)(dim, keepdim=keepdim)
    check_op(fn, fn, x, **sum_tolerance(dtype))


@pytest.mark.parametrize("name", ["amax", "amin"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_dim=shape_and_dims(allow_none=False), keepdim=st.booleans())
def test_amax_amin(name, data, dtype, shape_dim, keepdim):
    """Ties (frequent in the drawn values) split the gradient evenly."""
    shape, dim = shape_dim
    x = data.draw(arrays(shape, dtype), label="x")
    fn = lambda t: getattr(t, name)(dim, keepdim=keepdim)
    check_op(fn, fn, x)


@pytest.mark.parametrize("name", ["max", "min"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes())
@example(data=None, dtype=np.float64, shape=None)
def test_max_min_all(name, data, dtype, shape):
    """max() and min() without dim split the gradient evenly among tied extremes."""
    if data is None:  # pinned ties: 3 maxima, 2 minima
        x = np.array([[1.0, 3.0, 3.0], [-2.0, 3.0, -2.0]])
    else:
        x = data.draw(arrays(shape, dtype), label="x")
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)
    check_op(getattr(minigrad, name), getattr(torch, name), x)


@pytest.mark.parametrize("name", ["max", "min"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_dim=shape_and_dims(tuples=False, allow_none=False), keepdim=st.booleans())
def test_max_min_dim(name, data, dtype, shape_dim, keepdim):
    """max(dim)/min(dim) return (values, indices); the gradient goes to the index. Without ties
    the indices must equal torch's."""
    shape, dim = shape_dim
    x = data.draw(distinct_arrays(shape, dtype), label="x")
    out = check_op(lambda t: getattr(t, name)(dim, keepdim)[0], lambda t: getattr(t, name)(dim, keepdim)[0], x)
    actual = getattr(minigrad.tensor(x), name)(dim, keepdim=keepdim)
    expected = getattr(torch.tensor(x), name)(dim, keepdim=keepdim)
    assert actual.indices.dtype == minigrad.int64
    np.testing.assert_array_equal(actual.indices.numpy(), expected.indices.numpy())
    np.testing.assert_array_equal(actual.values.numpy(), out.detach().numpy())
    assert actual.values.shape == expected.values.shape  # also by name, like torch's namedtuple


@pytest.mark.parametrize("name", ["max", "min"])
@settings(deadline=None)
@given(data=st.data(), shape_dim=shape_and_dims(min_dims=1, tuples=False, allow_none=False))
def test_max_min_dim_with_ties(name, data, shape_dim):
    """With ties any tied index is a valid answer: the values equal torch's, the index points at
    an extreme, and the gradient is the upstream gradient placed at the returned indices (a
    one-hot along dim), zero elsewhere."""
    shape, dim = shape_dim
    x = data.draw(arrays(shape, elements=st.sampled_from([0.0, 1.0, -1.0])), label="x")
    t = minigrad.tensor(x, requires_grad=True)
    values, indices = getattr(t, name)(dim)
    np.testing.assert_array_equal(values.detach().numpy(), getattr(torch.tensor(x), name)(dim).values.numpy())
    picked = np.take_along_axis(x, np.expand_dims(indices.numpy(), dim), axis=dim)
    np.testing.assert_array_equal(picked.squeeze(dim), values.detach().numpy())
    upstream = np.random.default_rng(0).standard_normal(values.shape)
    values.backward(minigrad.tensor(upstream))
    expected = np.zeros(shape)
    np.put_along_axis(expected, np.expand_dims(indices.numpy(), dim), np.expand_dims(upstream, dim), axis=dim)
    np.testing.assert_array_equal(t.grad.numpy(), expected)


WITH_NAN = st.one_of(strategies.values(), st.just(float("nan")))


@pytest.mark.parametrize("name", ["amax", "amin", "max", "min"])
@settings(deadline=None, max_examples=30)
@given(data=st.data(), shape_dim=shape_and_dims(max_dims=3))
@example(data=None, shape_dim=None)
def test_extremes_with_nan(name, data, shape_dim):
    """NaN is the extreme. max()/min() without dim give the NaNs the gradient (split among them);
    amax/amin match extremes by x == out, which no NaN satisfies: the whole slice's gradient is NaN."""
    if data is None:  # pinned: a NaN in row 0 only
        x, dim = np.array([[1.0, np.nan, 3.0], [2.0, 5.0, 5.0]]), 1
    else:
        shape, dim = shape_dim
        x = data.draw(arrays(shape, elements=WITH_NAN), label="x")
    if name in ("max", "min"):  # without dim (with dim: test_max_min_dim_with_nan)
        fn = lambda t: getattr(t, name)()
    else:
        fn = lambda t: getattr(t, name)(() if dim is None else dim)
    check_op(fn, fn, x)


@pytest.mark.parametrize("name", ["max", "min"])
@settings(deadline=None, max_examples=30)
@given(data=st.data(), shape_dim=shape_and_dims(min_dims=1, max_dims=3, tuples=False, allow_none=False))
def test_max_min_dim_with_nan(name, data, shape_dim):
    """max(dim)/min(dim): a slice holding NaN returns NaN and the index of its first NaN."""
    shape, dim = shape_dim
    x = data.draw(arrays(shape, elements=WITH_NAN), label="x")
    check_op(lambda t: getattr(t, name)(dim)[0], lambda t: getattr(t, name)(dim)[0], x)
    actual, expected = getattr(minigrad.tensor(x), name)(dim), getattr(torch.tensor(x), name)(dim)
    has_nan = np.isnan(x).any(axis=dim)
    np.testing.assert_array_equal(actual.indices.numpy()[has_nan], expected.indices.numpy()[has_nan])


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")  # n − correction ≤ 0: inf/nan, torch warns
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_dim=shape_and_dims(), correction=st.sampled_from([0, 1]), keepdim=st.booleans())
def test_var(data, dtype, shape_dim, correction, keepdim):
    shape, dim = shape_dim
    if dim == ():  # reduces everything; torch's backward then divides by n = 1 (a torch bug): skip it
        dim = None
    x = data.draw(arrays(shape, dtype), label="x")
    fn = lambda t: t.var(dim, correction=correction, keepdim=keepdim)
    check_op(fn, fn, x, **sum_tolerance(dtype), grad_atol=1e-4 if dtype == np.float32 else None)
    # the unbiased= spelling: unbiased=True is correction 1
    unbiased = lambda t: t.var(dim, correction == 1, keepdim)
    check_op(unbiased, unbiased, x, **sum_tolerance(dtype))


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0")
def test_var_with_too_few_elements():
    """n − correction ≤ 0 divides by 0: inf or nan, as in torch (which also warns)."""
    cases = [(np.array([1.0, 2.0]), dict(correction=2)), (np.array([3.0]), {}), (np.array(4.0), dict(correction=0))]
    for x, kwargs in cases:
        check_op(lambda t: t.var(**kwargs), lambda t: t.var(**kwargs), x)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=broadcastable_shapes())
def test_maximum_minimum(name, data, dtype, shape_pair):
    """Elementwise: a tie splits the gradient ½/½; NaN propagates (and both inputs get grad)."""
    few_values = st.sampled_from([0.0, 1.0, -1.0, np.nan])
    a, b = (data.draw(arrays(s, dtype, elements=few_values), label=n) for s, n in zip(shape_pair, "ab"))
    check_op(getattr(minigrad, name), getattr(torch, name), a, b)
    other_name = "max" if name == "maximum" else "min"  # torch.max(a, b) is maximum(a, b)
    check_op(getattr(minigrad, other_name), getattr(torch, other_name), a, b)


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_dim=shape_and_dims(tuples=False), keepdim=st.booleans())
def test_argmax_argmin(name, data, dtype, shape_dim, keepdim):
    """Not differentiable: int64 indices of the first extreme (ties are frequent here)."""
    shape, dim = shape_dim
    x = data.draw(arrays(shape, dtype), label="x")
    fn = lambda t: getattr(t, name)(dim, keepdim=keepdim)
    check_parity(fn, fn, x, requires_grad=False)
    check_parity(lambda t: getattr(minigrad, name)(t, dim), lambda t: getattr(torch, name)(t, dim), x, requires_grad=False)


# -- gradcheck: finite differences need inputs without ties ---------------------------------------


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape_dim=shape_and_dims(max_dims=3), keepdim=st.booleans())
def test_gradcheck(data, shape_dim, keepdim):
    shape, dim = shape_dim
    x = data.draw(distinct_arrays(tuple(min(n, 3) for n in shape)), label="x")  # few elements: fast
    check_gradcheck(lambda t: t.sum(dim, keepdim=keepdim) if dim is not None else t.sum(), x)
    check_gradcheck(lambda t: t.mean(dim, keepdim=keepdim) if dim is not None else t.mean(), x)
    check_gradcheck(lambda t: t.var(dim, keepdim=keepdim, correction=0), x)
    check_gradcheck(lambda t: t.amax(() if dim is None else dim, keepdim=keepdim), x)
    check_gradcheck(lambda t: t.amin(() if dim is None else dim, keepdim=keepdim), x)
    check_gradcheck(lambda t: t.max(), x)
    if isinstance(dim, int):
        check_gradcheck(lambda t: t.max(dim, keepdim)[0], x)
        check_gradcheck(lambda t: t.min(dim, keepdim)[0], x)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=2, max_side=3))
def test_maximum_gradcheck(data, shape):
    a = data.draw(distinct_arrays(shape), label="a")
    check_gradcheck(minigrad.maximum, a, -a + 0.37)
    check_gradcheck(minigrad.minimum, a, -a + 0.37)


# -- errors: the type torch raises and the key part of its message ------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, x: x.sum(3),
        lambda lib, x: x.mean(-4),
        lambda lib, x: x.var(5),
        lambda lib, x: x.amax((0, 7)),
        lambda lib, x: x.max(3),
        lambda lib, x: x.min(-4),
        lambda lib, x: x.argmax(3),
        lambda lib, x: lib.tensor(1.0).sum(1),
    ],
)
def test_dim_out_of_range(call):
    raises_like_torch(lambda lib: call(lib, lib.zeros(2, 3, 4)))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib: lib.zeros(2, 3).sum((0, -2)),  # the same axis twice
        lambda lib: lib.zeros(2, 3).amax((1, 1)),
        lambda lib: lib.zeros(0).max(),  # nothing to take the max of
        lambda lib: lib.zeros(2, 0).max(1),
        lambda lib: lib.zeros(2, 0).amin(1),
        lambda lib: lib.zeros(2, 0).argmax(1),
        lambda lib: lib.tensor([1, 2]).mean(),  # integer input
        lambda lib: lib.tensor([1, 2]).var(),
    ],
)
def test_errors(call):
    raises_like_torch(call)


def test_integer_and_bool_sums():
    """torch sums bool and integer tensors in int64, unless dtype= says otherwise."""
    for x in (np.array([1, 2, 3], np.int32), np.array([True, False, True]), np.array([1, 2], np.uint8)):
        check_parity(lambda t: t.sum(), lambda t: t.sum(), x)
        check_parity(lambda t: t.sum(0), lambda t: t.sum(0), x)
    check_parity(lambda t: t.sum(dtype=minigrad.float64), lambda t: t.sum(dtype=torch.float64), np.array([1, 2, 3]))


# -- NaN/∞ upstreams, saved tensors ---------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1.0, 1.0, 3.0, 3.0, -2.0])
REDUCTIONS = {
    "max": lambda t: t.max(),
    "min": lambda t: t.min(),
    "max without NaN": lambda t: t[1:].max(),
    "amax": lambda t: t[1:].amax(),  # torch's amax multiplies by its mask: a NaN grad spreads
    "amin dim": lambda t: t[1:].reshape(-1, 1).amin(0),
    "max(dim)": lambda t: t.reshape(3, 4).max(1)[0],
    "min(dim)": lambda t: t.reshape(3, 4).min(0)[0],
    "var": lambda t: t.var(),
    "var one inf": lambda t: t[1:2].var() + t[7:10].var() + t[[7, 1, 9]].var(),
    "var dim": lambda t: t.reshape(3, 4).var(1),
}


@pytest.mark.parametrize("upstream", [1.0, np.nan, np.inf])
@pytest.mark.parametrize("name", REDUCTIONS)
def test_special_values_and_upstreams(name, upstream):
    """max()/min() and max(dim) select their maxima (0 elsewhere even under a NaN or ∞ grad)."""
    check_under_upstream(lambda library, t: REDUCTIONS[name](t), SPECIAL, upstream=upstream)


SAVED = {
    "changed max() output": lambda x: (lambda out: (out.add_(1), out)[1])(x.max()),
    "changed amax output": lambda x: (lambda out: (out.add_(1), out)[1])(x.amax()),
    "changed var input": lambda x: (lambda h: (lambda out: (h.add_(1), out)[1])(h.var()))(x * 1),
    "changed var(dim) input": lambda x: (lambda h: (lambda out: (h.add_(1), out)[1])(h.var(0)))(x * 1),
}


@pytest.mark.parametrize("shape", [(), (3,)])
@pytest.mark.parametrize("case", SAVED)
def test_changed_saved_tensor_raises(case, shape):
    for library in (minigrad, torch):
        x = library.tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape), requires_grad=True)
        out = SAVED[case](x)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()
