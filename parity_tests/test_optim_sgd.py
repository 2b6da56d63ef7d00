"""minigrad/optim/sgd.py against torch.optim.SGD: five steps on the same gradient sequence for
every valid combination of momentum, dampening, Nesterov, weight decay and maximize, with the
parameters and the momentum buffers compared after every step; hypothesis-drawn
hyperparameters; state_dict round trips in both directions; torch's errors."""

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
    dict(momentum=momentum, dampening=dampening, nesterov=nesterov, weight_decay=weight_decay, maximize=maximize)
    for momentum, dampening, nesterov, weight_decay, maximize in itertools.product(
        [0, 0.9], [0, 0.3], [False, True], [0, 0.1], [False, True]
    )
    if not (nesterov and (momentum == 0 or dampening != 0))
]


def sgd(options):
    return (lambda p: minigrad.optim.SGD(p, **options)), (lambda p: torch.optim.SGD(p, **options))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", COMBINATIONS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_sgd_steps_match_torch(options, dtype):
    run_side_by_side(*sgd(dict(lr=0.1) | options), dtype=dtype)


@settings(deadline=None, max_examples=20)
@given(
    st.floats(0, 1), st.floats(0, 0.99), st.floats(0, 1), st.floats(0, 0.5), st.booleans(), st.booleans(), DTYPES,
    st.integers(0, 2**16),
)  # fmt: skip
def test_sgd_drawn_hyperparameters(lr, momentum, dampening, weight_decay, nesterov, maximize, dtype, seed):
    if nesterov and (momentum == 0 or dampening != 0):
        dampening = 0.0
        momentum = momentum or 0.5
    options = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
    run_side_by_side(*sgd(options), steps=3, dtype=dtype, seed=seed)


@pytest.mark.parametrize("options", [dict(momentum=0.9, nesterov=True, weight_decay=0.01), dict(momentum=0.5, dampening=0.5)])
def test_sgd_state_dict_round_trip(options):
    check_state_dict_round_trip(*sgd(dict(lr=0.05) | options))


def test_momentum_buffer_starts_as_the_first_gradient():
    w = minigrad.nn.Parameter(minigrad.tensor([1.0]))
    opt = minigrad.optim.SGD([w], lr=1.0, momentum=0.9, dampening=0.5)
    w.grad = minigrad.tensor([2.0])
    opt.step()
    assert opt.state[w]["momentum_buffer"].tolist() == [2.0] and w.tolist() == [-1.0]  # not dampened
    opt.step()
    assert opt.state[w]["momentum_buffer"].item() == pytest.approx(0.9 * 2.0 + 0.5 * 2.0)
    assert minigrad.optim.SGD([w], lr=0.1).state_dict()["state"] == {}  # no momentum: no state


@pytest.mark.parametrize(
    "kwargs",
    [dict(lr=-0.1), dict(momentum=-0.5), dict(weight_decay=-1e-4), dict(nesterov=True), dict(nesterov=True, momentum=0.9, dampening=0.1)],
)
def test_errors_equal_torchs(kwargs):
    options = dict(lr=0.1) | kwargs
    with pytest.raises(ValueError) as expected:
        torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], **options)
    with pytest.raises(ValueError) as actual:
        minigrad.optim.SGD([minigrad.nn.Parameter(minigrad.ones(1))], **options)
    assert str(actual.value) == str(expected.value)
