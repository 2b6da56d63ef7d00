"""minigrad/optim/adam.py against torch.optim.Adam and AdamW: five steps on the same gradient
sequence for every combination of amsgrad, weight decay and maximize, with the parameters
and every state tensor (step, exp_avg, exp_avg_sq, max_exp_avg_sq) compared after every step;
hypothesis-drawn hyperparameters; state_dict round trips in both directions; torch's errors."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.optim
from strategies import DTYPES
from test_optimizer import check_state_dict_round_trip, run_side_by_side

COMBINATIONS = [
    dict(amsgrad=amsgrad, weight_decay=weight_decay, maximize=maximize)
    for amsgrad, weight_decay, maximize in itertools.product([False, True], [0, 0.1], [False, True])
]


def adam(name, options):
    return (lambda p: getattr(minigrad.optim, name)(p, **options)), (lambda p: getattr(torch.optim, name)(p, **options))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", COMBINATIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_steps_match_torch(name, options, dtype):
    run_side_by_side(*adam(name, dict(lr=0.1) | options), dtype=dtype)


@settings(deadline=None, max_examples=20)
@given(
    st.sampled_from(["Adam", "AdamW"]), st.floats(0, 1), st.floats(0, 0.99), st.floats(0, 0.9999), st.floats(1e-10, 1e-2),
    st.floats(0, 0.5), st.booleans(), st.booleans(), DTYPES, st.integers(0, 2**16),
)  # fmt: skip
def test_adam_drawn_hyperparameters(name, lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, dtype, seed):
    options = dict(lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize)
    run_side_by_side(*adam(name, options), steps=3, dtype=dtype, seed=seed)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_state_dict_round_trip(name, amsgrad):
    check_state_dict_round_trip(*adam(name, dict(lr=0.05, weight_decay=0.01, amsgrad=amsgrad)))


def test_defaults_equal_torchs():
    for name in ("Adam", "AdamW"):
        ours = getattr(minigrad.optim, name)([minigrad.nn.Parameter(minigrad.ones(1))]).param_groups[0]
        theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))]).param_groups[0]
        assert all(ours[k] == theirs[k] for k in ours if k != "params")


def test_step_is_a_float32_tensor_and_decay_is_decoupled_in_adamw():
    w = minigrad.nn.Parameter(minigrad.tensor([2.0], dtype=minigrad.float64))
    opt = minigrad.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    w.grad = minigrad.tensor([0.0], dtype=minigrad.float64)
    opt.step()
    assert opt.state[w]["step"].dtype == minigrad.float32 and opt.state[w]["step"].item() == 1.0
    assert w.item() == pytest.approx(2.0 * (1 - 0.1 * 0.5))  # zero gradient: only the decay moves it


@pytest.mark.parametrize(
    "kwargs",
    [dict(lr=-1.0), dict(eps=-1e-8), dict(betas=(1.0, 0.999)), dict(betas=(0.9, -0.1)), dict(weight_decay=-0.1)],
)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_errors_equal_torchs(name, kwargs):
    with pytest.raises(ValueError) as expected:
        getattr(torch.optim, name)([torch.nn.Parameter(torch.ones(1))], **kwargs)
    with pytest.raises(ValueError) as actual:
        getattr(minigrad.optim, name)([minigrad.nn.Parameter(minigrad.ones(1))], **kwargs)
    assert str(actual.value) == str(expected.value)
