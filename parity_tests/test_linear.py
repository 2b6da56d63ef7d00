"""minigrad/ops/linear.py against torch: F.linear's values, the gradients of input, weight and
bias for inputs (in), (N, in) and (B1, B2, N, in), torch's grad_fn names, finite differences,
and torch's errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_parity, textbook_and_kernel
from strategies import DTYPES, arrays

implementation = textbook_and_kernel()  # every test here runs twice: minigrad/ops/linear.py, minigrad/kernels/linear.py


@st.composite
def linear_cases(draw, dtypes=DTYPES):
    """(input, weight, bias or None): input (*batch, in), weight (out, in), bias (out)."""
    dtype = draw(dtypes)
    batch = draw(st.lists(st.integers(1, 4), min_size=0, max_size=3))
    in_features, out_features = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    x = draw(arrays((*batch, in_features), dtype))
    weight = draw(arrays((out_features, in_features), dtype))
    bias = draw(st.none() | arrays((out_features,), dtype))
    return x, weight, bias


@settings(deadline=None)
@given(linear_cases())
@example((np.array([[1.0, 2.0, 3.0]]), np.eye(3), np.array([0.5, 0.0, -0.5])))
@example((np.ones((3, 2), np.float32), np.ones((4, 2), np.float32), None))
def test_linear_matches_torch(case):
    x, weight, bias = case
    out = check_parity(F.linear, TF.linear, x, weight, bias)
    expected = TF.linear(*(None if a is None else torch.tensor(a, requires_grad=True) for a in case))
    assert out.grad_fn.name() == expected.grad_fn.name()


@settings(deadline=None, max_examples=15)
@given(linear_cases(dtypes=st.just(np.float64)))
def test_linear_gradcheck(case):
    x, weight, bias = case
    if bias is None:
        check_gradcheck(lambda x, w: F.linear(x, w), x, weight)
    else:
        check_gradcheck(F.linear, x, weight, bias)


def test_grad_fn_names_for_each_torch_path():
    cases = [((2, 3), (4, 3), (4,)), ((2, 3), (4, 3), None), ((3,), (4, 3), (4,)), ((3,), (4, 3), None),
             ((5, 2, 3), (4, 3), (4,)), ((5, 2, 3), (4, 3), None), ((5, 2, 3), (4, 3), (2, 4)),
             ((3,), (3,), None), ((2, 3), (3,), None), ((2, 2, 3), (3,), None)]  # fmt: skip
    rng = np.random.default_rng(0)
    for shapes in cases:
        arrays_ = [None if s is None else rng.standard_normal(s) for s in shapes]
        out = check_parity(F.linear, TF.linear, *arrays_)
        expected = TF.linear(*(None if a is None else torch.tensor(a, requires_grad=True) for a in arrays_))
        assert out.grad_fn.name() == expected.grad_fn.name(), shapes


def test_empty_batch_and_zero_features():
    rng = np.random.default_rng(1)
    check_parity(F.linear, TF.linear, rng.standard_normal((0, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4))
    check_parity(F.linear, TF.linear, rng.standard_normal((2, 0)), rng.standard_normal((4, 0)), rng.standard_normal(4))


def test_float32_stays_float32_and_long_rows_keep_bias_gradient_accurate():
    rng = np.random.default_rng(2)
    x = minigrad.tensor(rng.standard_normal((200_000, 3)).astype(np.float32))
    weight = minigrad.tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    bias = minigrad.tensor(np.zeros(2, np.float32), requires_grad=True)
    out = F.linear(x, weight, bias)
    assert out.dtype == minigrad.float32
    upstream = rng.standard_normal((200_000, 2)).astype(np.float32)
    out.backward(minigrad.tensor(upstream))
    assert bias.grad.dtype == minigrad.float32 and weight.grad.dtype == minigrad.float32
    np.testing.assert_allclose(bias.grad.numpy(), upstream.astype(np.float64).sum(axis=0), rtol=1e-6)


ERROR_CASES = [
    # (input shape, weight shape, bias shape, input dtype, weight dtype, exception, key part of torch's message)
    ((2, 3), (4, 5), None, "float32", "float32", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"),
    ((2, 6, 3), (4, 5), (4,), "float32", "float32", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(12x3 and 5x4\)"),
    ((3,), (4, 5), None, "float32", "float32", RuntimeError, r"mat1 and mat2 shapes cannot be multiplied \(1x3 and 5x4\)"),
    ((), (4, 3), None, "float32", "float32", RuntimeError, r"both arguments to linear need to be at least 1D, but they are 0D and 2D"),
    ((2, 3), (4, 3), None, "float32", "float64", RuntimeError, r"expected m1 and m2 to have the same dtype, but got: float != double"),
    ((2, 3), (4, 3), None, "int64", "float32", RuntimeError, r"expected m1 and m2 to have the same dtype, but got: long int != float"),
    ((2, 3), (4, 3), (3,), "float32", "float32", RuntimeError, r"The expanded size of the tensor \(4\) must match the existing size \(3\)"),
    ((2, 3), (1, 4, 3), None, "float32", "float32", RuntimeError, r"t\(\) expects a tensor with <= 2 dimensions, but self is 3D"),
]  # fmt: skip


@pytest.mark.parametrize("x_shape, w_shape, b_shape, x_dtype, w_dtype, error, message", ERROR_CASES)
def test_errors_match_torch(x_shape, w_shape, b_shape, x_dtype, w_dtype, error, message):
    x, w = np.ones(x_shape, x_dtype), np.ones(w_shape, w_dtype)
    b = None if b_shape is None else np.ones(b_shape, x_dtype)
    for lib, functional in ((torch, TF), (minigrad, F)):
        with pytest.raises(error, match=message):
            functional.linear(lib.tensor(x), lib.tensor(w), None if b is None else lib.tensor(b))
