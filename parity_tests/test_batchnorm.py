"""minigrad/ops/normalization.py and nn.BatchNorm1d/2d against torch: values and the gradients of
input, weight and bias under a random upstream gradient (training and eval, hypothesis-drawn
shapes, eps, momentum, with/without weight and bias), the running statistics over several
training steps (momentum, momentum=None, track_running_stats=False) and in eval, finite
differences in float64, state_dict keys/shapes, repr, grad_fn names, and torch's errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import assert_close, check_gradcheck, check_parity, raised
from minigrad import nn
from strategies import DTYPES, arrays, positive_arrays

SHAPES_BY_NDIM = {2: st.tuples(st.integers(1, 5), st.integers(1, 3)),
                  3: st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4)),
                  4: st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))}


@st.composite
def batch_norm_cases(draw):
    """(x, weight, bias, running mean, running var, options) for a valid F.batch_norm call."""
    dtype = draw(DTYPES)
    shape = draw(st.sampled_from([2, 3, 4]).flatmap(SHAPES_BY_NDIM.get))
    training = draw(st.booleans())
    if training and shape[0] * int(np.prod(shape[2:])) == 1:
        shape = (2, *shape[1:])  # one value per channel is torch's error in training (tested below)
    channels = shape[1]
    x = draw(arrays(shape, dtype), label="x")
    weight = draw(st.one_of(st.none(), arrays((channels,), dtype, -3, 3)), label="weight")
    bias = draw(st.one_of(st.none(), arrays((channels,), dtype, -3, 3)), label="bias")
    running = draw(st.booleans()) or not training  # eval needs running statistics
    mean = draw(arrays((channels,), dtype, -2, 2)) if running else None
    var = draw(positive_arrays((channels,), dtype, 0.1, 3)) if running else None
    momentum = draw(st.sampled_from([0.1, 0.0, 1.0]) | st.floats(0, 1))
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.5]))
    if dtype == np.float32 and training and x.size:
        # float32: a channel of (nearly) equal values has x̂ = (x − μ)·r with r up to 1/√eps, so both
        # libraries return rounding noise of size |x|·r·2⁻²⁴ (torch fuses x·r − μ·r into one
        # multiply-add); such channels are compared in float64 (the @example pins) and below
        assume(x.var(axis=(0, *range(2, x.ndim))).min() > 1e-2)
    return x, weight, bias, mean, var, dict(training=training, momentum=momentum, eps=eps)


def check_batch_norm(case, seed=0):
    """F.batch_norm in both libraries: output, gradients of x, weight, bias, and the running statistics after."""
    x, weight, bias, mean, var, options = case
    running = {}
    for lib in (minigrad, torch):
        running[lib] = [None if a is None else lib.tensor(a.copy()) for a in (mean, var)]

    def call(lib, functional):
        return lambda x, w, b: functional.batch_norm(x, *running[lib], w, b, **options)

    check_parity(call(minigrad, F), call(torch, TF), x, weight, bias, seed=seed)
    for m, t in zip(running[minigrad], running[torch]):
        if t is not None:
            assert_close(m.numpy(), t.numpy(), x.dtype, "running statistic")


def values(dtype, shape, fill):
    return np.full(shape, fill, dtype)


@settings(deadline=None, max_examples=60)
@given(batch_norm_cases(), st.integers(0, 2**16))
@example((values(np.float64, (4, 2), 3.0), None, None, np.zeros(2), np.ones(2),  # a constant channel: variance 0
          dict(training=True, momentum=0.1, eps=1e-5)), 0)
@example((np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 1.0]]), np.array([2.0, -1.0]), np.array([0.5, 0.0]),  # ties, zeros, constant
          None, None, dict(training=True, momentum=0.1, eps=1e-5)), 1)
@example((np.array([[np.nan, 1.0], [0.0, 2.0], [1.0, np.inf]]), np.ones(2), np.zeros(2),  # NaN and inf poison their channel
          np.zeros(2), np.ones(2), dict(training=True, momentum=0.1, eps=1e-5)), 2)
@example((np.array([[np.nan, 1.0], [0.0, -np.inf]]), np.ones(2), np.zeros(2),  # in eval, only their own elements
          np.zeros(2), np.ones(2), dict(training=False, momentum=0.1, eps=1e-5)), 2)
@example((np.zeros((0, 3)), np.ones(3), np.zeros(3), np.zeros(3), np.ones(3),  # an empty batch: allowed, stats unchanged
          dict(training=True, momentum=0.1, eps=1e-5)), 3)
@example((np.zeros((0, 2, 3, 3)), None, None, np.zeros(2), np.ones(2), dict(training=False, momentum=0.1, eps=1e-5)), 3)
@example((np.arange(6.0).reshape(1, 2, 3), np.ones(2), None, np.zeros(2), np.ones(2),  # batch of 1, L = 3: allowed
          dict(training=True, momentum=0.5, eps=1e-5)), 4)
@example((np.arange(2.0).reshape(1, 2), np.ones(2), np.ones(2), np.zeros(2), np.ones(2),  # batch 1 in eval: allowed
          dict(training=False, momentum=0.1, eps=1e-5)), 5)
def test_batch_norm_matches_torch(case, seed):
    check_batch_norm(case, seed)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("module, shape", [("BatchNorm1d", (6, 3)), ("BatchNorm1d", (4, 3, 5)), ("BatchNorm2d", (4, 3, 5, 2))])
@pytest.mark.parametrize("options", [dict(), dict(momentum=None), dict(momentum=0.5, eps=1e-3, affine=False),
                                     dict(track_running_stats=False), dict(bias=False)])
def test_module_over_training_steps_then_eval(module, shape, options, dtype):
    """Four training steps (output, every gradient, running stats), then eval, both libraries side by side."""
    layers = [getattr(lib.nn, module)(3, **options) for lib in (minigrad, torch)]
    if dtype == np.float64:
        for layer in layers:
            layer.double()
    rng = np.random.default_rng(0)
    for step in range(5):
        training = step < 4
        for layer in layers:
            layer.train(training)
        x = (rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)).astype(dtype)
        check_parity(layers[0], layers[1], x, seed=step)
        mg_state, t_state = (layer.state_dict() for layer in layers)
        assert list(mg_state) == list(t_state)
        for key in t_state:
            assert_close(mg_state[key].numpy(), t_state[key].numpy(), dtype, key)
        for (name, p), (_, tp) in zip(layers[0].named_parameters(), layers[1].named_parameters()):
            assert_close(p.grad.numpy(), tp.grad.numpy(), dtype, f"{name}.grad")
            p.grad, tp.grad = None, None


def test_constant_channel_in_float32_is_rounding_noise_around_zero():
    """A channel of equal values: x̂ is 0 up to rounding (torch's is |x|·r·2⁻²⁴ off, r = 1/√eps)."""
    x = np.full((4, 2), 3.0, np.float32)
    noise = 4 * 3.0 / np.sqrt(1e-5) * 2.0**-24
    check_parity(lambda t: F.batch_norm(t, None, None, training=True), lambda t: TF.batch_norm(t, None, None, training=True),
                 x, atol=noise + 1e-5, grad_atol=1e-2)


@pytest.mark.parametrize("training, weight", [(False, None), (True, None), (True, [-1.0]), (False, [2.0])])
def test_a_negative_zero_comes_out_as_torchs_zero(training, weight):
    """out = x · α + β, β = b − μ · α, as torch computes it: x = −0 with μ = 0 gives +0 (the
    composition fuzzer's find: x̂ = (x − μ) · r gave −0, and 1 / out −inf where torch has +inf)."""
    outs = []
    for lib in (minigrad, torch):
        x = lib.tensor([[-0.0], [-0.0]])
        w = None if weight is None else lib.tensor(weight)
        stats = (None, None) if training else (lib.zeros(1), lib.ones(1))
        outs.append(1 / lib.nn.functional.batch_norm(x, *stats, w, training=training))
    np.testing.assert_array_equal(outs[0].numpy(), outs[1].numpy())


def test_an_infinite_weight_gives_torchs_infinite_input_gradient():
    """(grad − mean(grad) − x̂ · mean(grad · x̂)) · r · w, w multiplied in last as torch does: a
    constant channel with w = inf gives ±inf (the edge sweep's find: grad · w first gave inf − inf = NaN)."""
    grads = []
    for lib in (minigrad, torch):
        x = lib.zeros(4, 3, dtype=lib.float64, requires_grad=True)
        w = lib.full((3,), float("inf"), dtype=lib.float64)
        lib.nn.functional.batch_norm(x, None, None, w, training=True).backward(lib.tensor(np.arange(12.0).reshape(4, 3) - 5))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_momentum_none_is_the_plain_average_of_the_batch_statistics():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    batches = [np.random.default_rng(k).standard_normal((5, 2)) * (k + 1) for k in range(4)]
    for batch in batches:
        layer(minigrad.tensor(batch))
    np.testing.assert_allclose(layer.running_mean.numpy(), np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.numpy(), np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-12)
    assert layer.num_batches_tracked.item() == 4 and layer.num_batches_tracked.dtype == minigrad.int64


def test_running_var_is_unbiased_and_eval_uses_the_running_estimates():
    layer = nn.BatchNorm1d(1, momentum=1.0).double()
    x = np.array([[1.0], [2.0], [6.0]])
    out = layer(minigrad.tensor(x)).detach().numpy()
    assert layer.running_var.item() == pytest.approx(x.var(ddof=1)) and layer.running_mean.item() == 3.0
    np.testing.assert_allclose(out, (x - 3) / np.sqrt(x.var() + 1e-5))  # training normalises with the biased variance
    layer.eval()
    np.testing.assert_allclose(layer(minigrad.tensor(x)).detach().numpy(), (x - 3) / np.sqrt(x.var(ddof=1) + 1e-5))
    assert layer.num_batches_tracked.item() == 1  # eval steps are not counted


@settings(deadline=None, max_examples=15)
@given(st.sampled_from([(4, 2), (3, 2, 3), (2, 2, 2, 3)]), st.booleans(), st.integers(0, 2**16))
def test_batch_norm_gradcheck(shape, training, seed):
    rng = np.random.default_rng(seed)
    x, weight, bias = rng.standard_normal(shape), rng.uniform(0.5, 2, shape[1]), rng.standard_normal(shape[1])
    mean, var = minigrad.tensor(rng.standard_normal(shape[1])), minigrad.tensor(rng.uniform(0.5, 2, shape[1]))
    check_gradcheck(lambda x, w, b: F.batch_norm(x, mean.clone(), var.clone(), w, b, training, 0.1, 1e-5), x, weight, bias)


@pytest.mark.parametrize("make", [
    lambda nn: nn.BatchNorm1d(3),
    lambda nn: nn.BatchNorm2d(4, eps=1e-3, momentum=None, affine=False, track_running_stats=False),
    lambda nn: nn.BatchNorm2d(4, momentum=0.2, track_running_stats=False),
    lambda nn: nn.BatchNorm1d(5, affine=True, bias=False),
    lambda nn: nn.BatchNorm2d(2, dtype=torch.float64 if nn is torch.nn else minigrad.float64),
])
def test_state_dict_parameters_buffers_and_repr_equal_torchs(make):
    mg, t = make(nn), make(torch.nn)
    assert repr(mg) == repr(t)

    def described(named):
        return [(k, tuple(v.shape), str(v.dtype).split(".")[1]) for k, v in named]

    assert described(mg.state_dict().items()) == described(t.state_dict().items())
    assert described(mg.named_parameters()) == described(t.named_parameters())
    assert described(mg.named_buffers()) == described(t.named_buffers())
    for name in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
        assert (getattr(mg, name) is None) == (getattr(t, name) is None), name
    for key, value in t.state_dict().items():
        np.testing.assert_array_equal(mg.state_dict()[key].numpy(), value.numpy())


def test_state_dict_round_trip_with_torch():
    t = torch.nn.BatchNorm2d(3)
    t(torch.randn(4, 3, 2, 2))
    mg = nn.BatchNorm2d(3)
    mg.load_state_dict(t.state_dict())
    mg.eval(), t.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype(np.float32)
    np.testing.assert_allclose(mg(minigrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert mg.num_batches_tracked.item() == 1


def test_grad_fn_names_equal_torchs():
    for lib, functional in ((minigrad, F), (torch, TF)):
        x, w, b = lib.randn(4, 3, requires_grad=True), lib.ones(3, requires_grad=True), lib.zeros(3, requires_grad=True)
        names = [
            functional.batch_norm(x, None, None, w, b, True).grad_fn,
            functional.batch_norm(x, lib.zeros(3), lib.ones(3), w, b, False).grad_fn,
            functional.batch_norm(lib.zeros(0, 3, requires_grad=True), lib.zeros(3), lib.ones(3), w, b, True).grad_fn,
            functional.batch_norm(lib.zeros(0, 3, requires_grad=True), lib.zeros(3), lib.ones(3), w, None, True).grad_fn,
            functional.batch_norm(lib.zeros(0, 3, requires_grad=True), lib.zeros(3), lib.ones(3), None, None, True).grad_fn,
        ]
        names = [type(n).__name__ if lib is torch else n.name() for n in names]
        assert names == ["NativeBatchNormBackward0", "NativeBatchNormBackward0", "AddBackward0", "MulBackward0",
                         "CloneBackward0"]


def test_changing_the_input_in_place_after_forward_breaks_backward_as_in_torch():
    for lib in (minigrad, torch):
        x = lib.randn(4, 3, requires_grad=True)
        y = x * 1
        out = lib.nn.BatchNorm1d(3)(y)
        y.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()



def check_same_error(make_call):
    """make_call(lib, functional) raises the same exception type in both, minigrad's message starting with torch's."""
    expected, actual = raised(make_call(torch, TF)), raised(make_call(minigrad, F))
    assert expected is not None, "torch accepted this call"
    assert type(actual) is type(expected), (actual, expected)
    assert str(actual).startswith(str(expected).replace("torch.Size", "minigrad.Size")), (str(actual), str(expected))


@pytest.mark.parametrize("make_call", [
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),  # batch of 1 in training
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.randn(1, 3, 1)),
    lambda lib, f: lambda: lib.nn.BatchNorm2d(3)(lib.randn(1, 3, 1, 1)),
    lambda lib, f: lambda: lib.nn.BatchNorm2d(3)(lib.randn(3, 4, 4)),  # wrong number of axes
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.randn(3)),
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.randn(2, 3, 4, 5)),
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.randn(2, 4)),  # wrong number of channels
    lambda lib, f: lambda: lib.nn.BatchNorm2d(3, affine=False)(lib.randn(2, 4, 3, 3)),
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, dtype=lib.int64)),
    lambda lib, f: lambda: lib.nn.BatchNorm1d(3)(lib.ones(2, 3, dtype=lib.float64)),  # dtype differs from the layer's
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), None, None, training=False),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), None, training=True),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), lib.ones(2)),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), None, lib.ones(4)),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3, 1)),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), training=True, eps=0.0),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), eps=-1.0),
    lambda lib, f: lambda: f.batch_norm(lib.randn(2, 3), lib.zeros(3), lib.ones(3), training=True, momentum=None),
    lambda lib, f: lambda: f.batch_norm(lib.randn(3), None, None, training=True),
])
def test_errors_equal_torchs(make_call):
    check_same_error(make_call)


def test_eval_mode_is_an_affine_map_and_needs_no_batch():
    layer = nn.BatchNorm2d(2).double().eval()
    x = minigrad.randn(1, 2, 1, 1, dtype=minigrad.float64, requires_grad=True)
    out = layer(x)  # a single value per channel is fine in eval
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy().ravel(), 1 / np.sqrt(1 + 1e-5))
