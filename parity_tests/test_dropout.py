"""minigrad/ops/dropout.py: minigrad cannot reproduce torch's random stream, so dropout is tested
by its statistics (the fraction of zeros is p, kept values are x/(1−p)), its gradient (exactly
mask/(1−p) times the upstream gradient), reproducibility under ``minigrad.manual_seed``, the
identity cases, and torch's errors and grad_fn name."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from strategies import DTYPES

N = 20_000


@settings(deadline=None, max_examples=20)
@given(p=st.floats(0.02, 0.98), dtype=DTYPES, seed=st.integers(0, 2**31 - 1))
@example(p=0.5, dtype=np.float32, seed=0)
def test_fraction_of_zeros_is_p_and_kept_values_are_scaled(p, dtype, seed):
    minigrad.manual_seed(seed)
    x = np.random.default_rng(seed).uniform(0.5, 2.0, N).astype(dtype)  # no zeros of its own
    out = F.dropout(minigrad.tensor(x), p).numpy()
    assert out.dtype == dtype
    dropped = out == 0
    sigma = np.sqrt(p * (1 - p) / N)
    assert abs(dropped.mean() - p) < 5 * sigma + 1e-3, (dropped.mean(), p)
    expected_kept = x[~dropped] * dtype(1) / dtype(1 - p)
    np.testing.assert_allclose(out[~dropped], expected_kept, rtol=1e-6 if dtype == np.float32 else 1e-14)


@settings(deadline=None, max_examples=20)
@given(p=st.floats(0.0, 1.0), shape=st.sampled_from([(), (7,), (3, 4), (2, 3, 5)]), dtype=DTYPES)
@example(p=1.0, shape=(3, 4), dtype=np.float64)
def test_gradient_is_mask_over_keep_probability(p, shape, dtype):
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.uniform(0.5, 2.0, shape).astype(dtype), requires_grad=True)
    out = F.dropout(x, p)
    upstream = rng.standard_normal(shape).astype(dtype)
    out.backward(minigrad.tensor(upstream))
    assert x.grad.dtype == x.dtype
    if p == 1:
        scaled_mask = np.zeros(shape, dtype)
    else:
        scaled_mask = (out.detach().numpy() != 0) / dtype(1 - p)  # mask / (1 − p)
    np.testing.assert_allclose(x.grad.numpy(), upstream * scaled_mask, rtol=1e-6, atol=0)


def test_same_seed_same_mask_and_different_draws_differ():
    x = minigrad.ones(1000)
    minigrad.manual_seed(123)
    first, second = F.dropout(x, 0.3).numpy(), F.dropout(x, 0.3).numpy()
    minigrad.manual_seed(123)
    np.testing.assert_array_equal(F.dropout(x, 0.3).numpy(), first)
    assert not np.array_equal(first, second)


def test_identity_cases_return_the_input_itself_as_torch():
    for lib, functional in ((torch, TF), (minigrad, F)):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        assert functional.dropout(x, 0.0) is x
        assert functional.dropout(x, 0.5, training=False) is x
        assert functional.dropout(x, 1.0, training=False) is x


def test_p_one_gives_zeros_and_grad_fn_is_torchs():
    for lib, functional in ((torch, TF), (minigrad, F)):
        x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        out = functional.dropout(x, 1.0)
        assert out.tolist() == [0.0, 0.0, 0.0]
        assert out.grad_fn.name() == "MulBackward0"
        assert functional.dropout(lib.tensor([1, 2]), 1.0).tolist() == [0, 0]


@pytest.mark.parametrize("p", [1.5, -0.1])
def test_probability_outside_0_1_raises_torchs_value_error(p):
    for lib, functional in ((torch, TF), (minigrad, F)):
        with pytest.raises(ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"):
            functional.dropout(lib.tensor([1.0, 2.0]), p)


def test_integer_input_raises_like_torch():
    for lib, functional in ((torch, TF), (minigrad, F)):
        with pytest.raises(RuntimeError, match="result type Float can.t be cast to the desired output type Long"):
            functional.dropout(lib.tensor([1, 2]), 0.5)


def test_inplace_writes_into_the_input_and_keeps_the_graph():
    x = minigrad.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        F.dropout(x, 0.5, inplace=True)
    y = x * 1.0
    out = F.dropout(y, 0.5, inplace=True)
    assert out is y and y.grad_fn.name() == "MulBackward0"
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), (y.detach().numpy() != 0) * 2.0)

    plain = minigrad.tensor([1.0, 2.0, 3.0, 4.0])
    assert F.dropout(plain, 0.5, inplace=True) is plain and set(plain.tolist()) <= {0.0, 2.0, 4.0, 6.0, 8.0}
