"""Parity of minigrad/ops/softmax.py with torch: softmax and log_softmax along any dim,
numerically stable for logits of any size."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_gradcheck, check_op, check_parity
from strategies import DTYPES, arrays, shapes

FUNCTIONS = ["softmax", "log_softmax"]



@st.composite
def logits_and_dim(draw, low=-10.0, high=10.0, max_side=5):
    x = draw(arrays(draw(shapes(max_side=max_side)), draw(DTYPES), low=low, high=high))
    size = max(x.ndim, 1)  # a 0-d tensor accepts dim 0 and -1
    dim = draw(st.integers(0, size - 1))
    return x, dim - size if draw(st.booleans()) else dim


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(deadline=None)
@given(case=logits_and_dim())
def test_along_each_dim(name, case):
    x, dim = case
    check_op(lambda t: getattr(minigrad, name)(t, dim), lambda t: getattr(torch, name)(t, dim), x)
    check_op(lambda t: getattr(t, name)(dim=dim), lambda t: getattr(t, name)(dim=dim), x)


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(deadline=None)
@given(case=logits_and_dim(low=-1e4, high=1e4))
def test_large_logits(name, case):
    """Logits far beyond exp's float range: the row maximum is subtracted first, so nothing overflows."""
    x, dim = case
    with np.errstate(over="raise", invalid="raise"):
        check_op(lambda t: getattr(minigrad, name)(t, dim), lambda t: getattr(torch, name)(t, dim), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_softmax_pinned(dtype):
    """log_softmax([1e4, 0, −1e4]) = [0, −1e4, −2e4]: finite, as in torch."""
    x = np.array([1e4, 0.0, -1e4], dtype)
    out = check_op(lambda t: minigrad.log_softmax(t, 0), lambda t: torch.log_softmax(t, 0), x)
    np.testing.assert_array_equal(out.detach().numpy(), np.array([0.0, -1e4, -2e4], dtype))
    check_op(lambda t: minigrad.softmax(t, 0), lambda t: torch.softmax(t, 0), x)


@pytest.mark.parametrize("name", FUNCTIONS)
@settings(max_examples=15, deadline=None)
@given(case=logits_and_dim(max_side=3))
def test_gradcheck(name, case):
    x, dim = case
    check_gradcheck(lambda t: getattr(minigrad, name)(t, dim), x.astype(np.float64))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_dtype_argument(name):
    """dtype= casts the input first: a float32 or integer input computed in float64."""
    fn = lambda library: lambda t: getattr(library, name)(t, 1, dtype=library.float64)
    check_parity(fn(minigrad), fn(torch), np.random.default_rng(0).standard_normal((2, 3)).astype(np.float32))
    check_parity(fn(minigrad), fn(torch), np.arange(6).reshape(2, 3))


@pytest.mark.parametrize("name", FUNCTIONS)
def test_errors(name):
    for call in (lambda lib: getattr(lib, name)(lib.tensor([1, 2]), 0),  # integers: no kernel
                 lambda lib: getattr(lib, name)(lib.zeros(2, 3), 2),  # dim out of range
                 lambda lib: getattr(lib, name)(lib.zeros(2, 3), -3)):
        with pytest.raises(Exception) as expected:
            call(torch)
        with pytest.raises(expected.type) as actual:
            call(minigrad)
        assert str(expected.value) in str(actual.value)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("shape, dim", [((0, 3), 0), ((3, 0), 1), ((3, 0), 0), ((2, 0, 4), -1)])
def test_empty_inputs(name, shape, dim):
    """Along (or across) a 0-size dim the result is empty, as in torch."""
    check_op(lambda t: getattr(minigrad.nn.functional, name)(t, dim), lambda t: getattr(torch.nn.functional, name)(t, dim), np.zeros(shape))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_changed_0d_output_raises(name):
    for library in (minigrad, torch):
        out = getattr(library.nn.functional, name)(library.tensor(2.0, requires_grad=True), 0)
        out.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.backward()
