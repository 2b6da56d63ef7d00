"""minigrad/nn/init.py against torch.nn.init: the same distributions (checked statistically
over many draws: bounds, mean and standard deviation), the same gains and fans, the same
errors; reproducible with minigrad.manual_seed; runs on parameters outside the graph; and
Conv2d / Linear default initialisation as torch's reset_parameters."""

import math
import warnings

import numpy as np
import pytest
import torch

import minigrad
from minigrad.nn import init

N = 200_000  # draws per statistical check: the std of a sample mean is ~σ/450


def pair(shape, dtype=np.float32):
    return minigrad.zeros(*shape, dtype=dtype), torch.zeros(*shape, dtype=getattr(torch, np.dtype(dtype).name))


def assert_same_distribution(m, t, std, mean=0.0, bound=None):
    """minigrad's draws and torch's both have the expected mean and std (within 6 standard
    errors); uniform draws (``bound`` given) stay inside (−bound, bound) and come close to it."""
    for draws in (m.numpy(), t.numpy()):
        draws = draws.ravel().astype(np.float64)
        assert abs(draws.mean() - mean) < 6 * std / math.sqrt(draws.size)
        assert draws.std() == pytest.approx(std, rel=6 / math.sqrt(2 * draws.size))
    if bound is not None:
        a = m.numpy()
        assert np.abs(a - mean).max() <= bound * (1 + 1e-6) and np.abs(a - mean).max() > bound * 0.995


def kaiming_std(t, gain, mode="fan_in"):
    """gain / √fan, with torch's own fan computation."""
    return gain / math.sqrt(torch.nn.init._calculate_correct_fan(t, mode))


@pytest.mark.parametrize("a, b", [(0.0, 1.0), (-3.0, 2.0)])
def test_uniform(a, b):
    m, t = pair((N,))
    assert init.uniform_(m, a, b) is m
    torch.nn.init.uniform_(t, a, b)
    assert m.numpy().min() >= a and m.numpy().max() < b
    assert_same_distribution(m, t, std=(b - a) / math.sqrt(12), mean=(a + b) / 2, bound=(b - a) / 2)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (2.0, 0.5)])
def test_normal(mean, std):
    m, t = pair((N,), np.float64)
    init.normal_(m, mean, std)
    torch.nn.init.normal_(t, mean, std)
    assert m.dtype == minigrad.float64
    assert_same_distribution(m, t, std=std, mean=mean)


def test_constant_zeros_ones():
    m = minigrad.empty(3, 4)
    assert init.constant_(m, 2.5).tolist() == [[2.5] * 4] * 3
    assert init.zeros_(m).tolist() == [[0.0] * 4] * 3
    assert init.ones_(m).tolist() == [[1.0] * 4] * 3


SHAPES = [(400, 500), (64, 32, 5, 5), (1000, 3, 3, 3)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "kwargs",
    [dict(), dict(a=math.sqrt(5)), dict(mode="fan_out"), dict(nonlinearity="relu"), dict(a=0.2, mode="fan_out")],
)
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_kaiming(shape, kwargs, kind):
    m, t = pair(shape)
    getattr(init, f"kaiming_{kind}_")(m, **kwargs)
    getattr(torch.nn.init, f"kaiming_{kind}_")(t, **kwargs)
    gain = torch.nn.init.calculate_gain(kwargs.get("nonlinearity", "leaky_relu"), kwargs.get("a", 0))
    std = kaiming_std(t, gain, kwargs.get("mode", "fan_in"))
    assert_same_distribution(m, t, std, bound=math.sqrt(3) * std if kind == "uniform" else None)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
@pytest.mark.parametrize("kind", ["uniform", "normal"])
def test_xavier(shape, gain, kind):
    m, t = pair(shape)
    getattr(init, f"xavier_{kind}_")(m, gain=gain)
    getattr(torch.nn.init, f"xavier_{kind}_")(t, gain=gain)
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(t)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    assert_same_distribution(m, t, std, bound=math.sqrt(3) * std if kind == "uniform" else None)


def test_calculate_gain_equals_torchs():
    cases = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
             ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("leaky_relu", math.sqrt(5))]  # fmt: skip
    for nonlinearity, param in cases:
        assert init.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)
    for nonlinearity, param in [("softmax", None), ("leaky_relu", True), ("leaky_relu", "x")]:
        with pytest.raises(ValueError) as expected:
            torch.nn.init.calculate_gain(nonlinearity, param)
        with pytest.raises(ValueError) as actual:
            init.calculate_gain(nonlinearity, param)
        assert str(actual.value) == str(expected.value)


@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5, 5), (2, 6, 1, 7, 3)])
def test_fans_equal_torchs(shape):
    m, t = pair(shape)
    assert init._calculate_fan_in_and_fan_out(m) == torch.nn.init._calculate_fan_in_and_fan_out(t)


def test_errors_equal_torchs():
    m, t = pair((5,))
    for call in (lambda lib, x: lib.kaiming_uniform_(x), lambda lib, x: lib.xavier_normal_(x)):
        with pytest.raises(ValueError) as expected:
            call(torch.nn.init, t)
        with pytest.raises(ValueError) as actual:
            call(init, m)
        assert str(actual.value) == str(expected.value)
    m, t = pair((3, 3))
    with pytest.raises(ValueError) as expected:
        torch.nn.init.kaiming_normal_(t, mode="fan_avg")
    with pytest.raises(ValueError) as actual:
        init.kaiming_normal_(m, mode="fan_avg")
    assert str(actual.value) == str(expected.value)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(minigrad.zeros(0, 3))


def test_reproducible_with_manual_seed():
    draws = []
    for _ in range(2):
        minigrad.manual_seed(123)
        w = minigrad.empty(4, 5)
        init.kaiming_uniform_(w)
        init.normal_(w[0:1])  # a view of w: filled in place too
        draws.append(w.numpy().copy())
    assert np.array_equal(*draws)
    generator = minigrad.Generator().manual_seed(7)
    a = init.uniform_(minigrad.empty(3), generator=generator).numpy().copy()
    b = init.uniform_(minigrad.empty(3), generator=minigrad.Generator().manual_seed(7)).numpy()
    assert np.array_equal(a, b)


def test_initialises_parameters_outside_the_graph():
    p = minigrad.nn.Parameter(minigrad.zeros(3, 4))
    version = p._version_counter.value
    for fill in (init.xavier_uniform_, init.ones_, lambda x: init.constant_(x, 3.0)):
        assert fill(p) is p
    assert p.requires_grad and p.grad_fn is None and p._version_counter.value > version
    assert p.tolist() == [[3.0] * 4] * 3


@pytest.mark.parametrize(
    "make, fan_in",
    [(lambda nn: nn.Linear(500, 400), 500), (lambda nn: nn.Conv2d(16, 400, 5), 400), (lambda nn: nn.Conv2d(32, 500, 3, groups=4), 72)],
)
def test_layer_default_initialisation(make, fan_in):
    """weight and bias both ~ U(±1/√fan_in), as torch's reset_parameters."""
    layer, reference = make(minigrad.nn), make(torch.nn)
    bound = 1 / math.sqrt(fan_in)
    w, b = layer.weight.numpy(force=True), layer.bias.numpy(force=True)
    assert layer.weight.dtype == minigrad.float32 and np.abs(w).max() <= bound * (1 + 1e-6)
    assert np.abs(b).max() <= bound * (1 + 1e-6)
    with torch.no_grad():
        assert_same_distribution(layer.weight.detach(), reference.weight.detach(), bound / math.sqrt(3), bound=bound)
        assert_same_distribution(layer.bias.detach(), reference.bias.detach(), bound / math.sqrt(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert make(minigrad.nn).weight.shape == tuple(reference.weight.shape)
