"""Parity of minigrad/ops/unary.py with torch: exp, log, sqrt, abs, sigmoid, tanh, relu, clamp."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_gradcheck, check_op, check_parity, check_under_upstream
from strategies import DTYPES, arrays, broadcastable_shapes, distinct_arrays, positive_arrays, shapes




# name → (strategy for the input's values, whether gradcheck must avoid a kink at 0)
UNARY = {
    "exp": (arrays, False),
    "log": (positive_arrays, False),
    "sqrt": (positive_arrays, False),
    "abs": (arrays, True),
    "sigmoid": (arrays, False),
    "tanh": (arrays, False),
    "relu": (arrays, True),
}


@pytest.mark.parametrize("name", UNARY)
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes())
def test_unary(name, data, dtype, shape):
    strategy, _ = UNARY[name]
    x = data.draw(strategy(shape, dtype), label="x")
    check_op(getattr(minigrad, name), getattr(torch, name), x)
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)  # the method form


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3, max_side=3))
def test_unary_gradcheck(name, data, shape):
    strategy, has_kink = UNARY[name]
    # abs and relu have no derivative at 0: finite differences need inputs away from it
    x = data.draw(distinct_arrays(shape) if has_kink else strategy(shape), label="x")
    if has_kink:
        x = np.where(np.abs(x) < 1e-3, 0.5, x)
    check_gradcheck(getattr(minigrad, name), x)


@pytest.mark.parametrize("name", ["abs", "relu"])
def test_kinks_at_zero(name):
    """|x|' and relu' at 0 are 0 (sign(0) = 0, relu'(0) = 0), as in torch."""
    x = np.array([0.0, -0.0, 1.0, -1.0])
    check_op(getattr(minigrad, name), getattr(torch, name), x)
    out = getattr(minigrad, name)(t := minigrad.tensor(x, requires_grad=True))
    out.sum().backward()
    assert t.grad.numpy()[0] == 0 and t.grad.numpy()[1] == 0


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_saturates(dtype):
    """Large |x| saturates to 0 or 1 without overflow warnings; the gradient underflows to 0."""
    x = np.array([-100.0, 100.0, -1000.0, 1000.0, 0.0, -40.0, 40.0], dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        check_op(minigrad.sigmoid, torch.sigmoid, x)
        check_op(minigrad.tanh, torch.tanh, x)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "sigmoid", "tanh", "abs", "relu"])
def test_integer_input(name):
    """Transcendental functions of an integer tensor compute in the default float dtype;
    abs and relu keep the integer dtype."""
    check_parity(getattr(minigrad, name), getattr(torch, name), np.array([1, 2, 3]), requires_grad=False)


# -- clamp ----------------------------------------------------------------------------------------

BOUNDS = st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.5])  # the values strategies draw often: ties with x


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes(), low=st.none() | BOUNDS, high=st.none() | BOUNDS)
@example(data=None, dtype=np.float64, shape=(5,), low=0.0, high=1.0)  # x on both bounds
@example(data=None, dtype=np.float64, shape=(5,), low=1.0, high=0.0)  # low > high: every element is high
def test_clamp_number_bounds(data, dtype, shape, low, high):
    """∂L/∂x = grad · [low < x < high]: torch 2.14 passes no gradient to x on a bound."""
    if low is None and high is None:
        low = 0.0
    if data is None:
        x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0], dtype)
    else:
        x = data.draw(arrays(shape, dtype), label="x")
    check_op(lambda t: minigrad.clamp(t, low, high), lambda t: torch.clamp(t, low, high), x)
    check_op(lambda t: t.clamp(min=low, max=high), lambda t: t.clamp(min=low, max=high), x)


@settings(deadline=None)
@given(
    data=st.data(), dtype=DTYPES, shapes_=broadcastable_shapes(3, max_dims=3), which=st.sampled_from(["min", "max", "both"])
)
def test_clamp_tensor_bounds(data, dtype, shapes_, which):
    """Tensor bounds broadcast and get gradients; ties share them (the values repeat often)."""
    few_values = st.sampled_from([-1.0, 0.0, 0.5, 1.0, np.nan])
    x, low, high = (data.draw(arrays(s, dtype, elements=few_values), label=n) for s, n in zip(shapes_, ["x", "low", "high"]))
    if which == "min":
        check_op(lambda t, lo: t.clamp(min=lo), lambda t, lo: t.clamp(min=lo), x, low)
    elif which == "max":
        check_op(lambda t, hi: t.clamp(max=hi), lambda t, hi: t.clamp(max=hi), x, high)
    else:
        check_op(minigrad.clamp, torch.clamp, x, low, high)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3, max_side=3))
def test_clamp_gradcheck(data, shape):
    x = data.draw(distinct_arrays(shape), label="x")
    x = np.where(np.abs(np.abs(x) - 2.0) < 1e-3, 0.0, x)  # keep away from the bounds ±2
    check_gradcheck(lambda t: t.clamp(-2.0, 2.0), x)
    check_gradcheck(lambda t: t.clamp(min=-2.0), x)
    check_gradcheck(lambda t, lo, hi: minigrad.clamp(t, lo, hi), x, np.full(shape, -2.0), np.full(shape, 2.0))


def test_clamp_dtypes_and_errors():
    ints = np.array([1, 2, 3])
    for low, high in [(1.5, None), (None, 2), (0, 2), (None, 2.5)]:  # int.clamp(float) is a float tensor
        check_parity(lambda t: t.clamp(low, high), lambda t: t.clamp(low, high), ints)
    check_parity(lambda t, lo: t.clamp(lo), lambda t, lo: t.clamp(lo), np.array([1.0, 2.0], np.float32), np.array(1.5))
    for library in (torch, minigrad):
        with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
            library.clamp(library.tensor([1.0]))


# -- NaN, ∞ and masks that select ---------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, -1e30, 1e-30, 1.0, -2.0, 3.0])
CLAMPS = [(0.0, None), (None, 2.0), (0.0, 2.0), (2.0, 0.0), (1.0, 1.0), (np.nan, None), (None, np.inf), (-np.inf, None)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("upstream", [1.0, np.nan, np.inf, 0.0])
@pytest.mark.parametrize("name", ["relu", "abs", *[f"clamp{i}" for i in range(len(CLAMPS))]])
def test_special_values_and_upstreams(name, upstream, dtype):
    """relu and clamp select (0 where masked, even under a NaN or ∞ grad); relu passes grad at a
    NaN x; abs multiplies by sign(x) with sign(NaN) = 0; clamp(x, min=0) passes grad at x = ∞."""
    if name.startswith("clamp"):
        low, high = CLAMPS[int(name[5:])]
        fn = lambda t: t.clamp(low, high)  # noqa: E731
    else:
        fn = lambda t: getattr(t, name)()  # noqa: E731
    check_under_upstream(lambda library, t: fn(t), SPECIAL.astype(dtype), upstream=upstream, rtol=1e-6)


def test_relu_sqrt_reproducer():
    x = minigrad.tensor([-1.0, 0.0, 4.0], requires_grad=True)
    x.relu().sqrt().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


@pytest.mark.parametrize("upstream", [1.0, np.nan, np.inf])
@pytest.mark.parametrize("bounds", ["min", "max", "both"])
def test_clamp_tensor_bounds_select(upstream, bounds):
    """Tensor bounds: a missing bound never ties (x = ∞ with min only gets all of grad), and every
    mask selects."""
    low, high = np.zeros_like(SPECIAL), np.full_like(SPECIAL, 2.0)
    grads = []
    for library in (minigrad, torch):
        x, lo, hi = (library.tensor(a, requires_grad=True) for a in (SPECIAL, low, high))
        out = {"min": lambda: x.clamp(min=lo), "max": lambda: x.clamp(max=hi), "both": lambda: x.clamp(lo, hi)}[bounds]()
        out.backward(library.full(tuple(out.shape), upstream, dtype=out.dtype))
        grads.append([None if t.grad is None else t.grad.numpy() for t in (x, lo, hi)])
    for m, t in zip(*grads):
        assert (m is None) == (t is None)
        if t is not None:
            np.testing.assert_allclose(m, t, equal_nan=True)


@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "relu"])
def test_changed_0d_output_raises(name):
    """The saved output of a 0-d op is the returned tensor's memory: changing it breaks backward."""
    for library in (minigrad, torch):
        out = getattr(library.tensor(2.0, requires_grad=True), name)()
        out.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()
