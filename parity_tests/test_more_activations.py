"""leaky_relu, in-place relu / leaky_relu (minigrad/ops/unary.py) and dropout2d
(minigrad/ops/dropout.py) against torch: values and gradients under random upstream gradients,
NaN/inf/±0 pinned, finite differences; the in-place versions as torch's (grad_fn names, version
counters: a leaf refuses, a later in-place change breaks backward, views write through their
base); dropout2d by its statistics, its channel structure and its gradient (mask · 1/(1−p));
modules' reprs; errors."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_op, check_under_upstream
from minigrad import nn
from strategies import DTYPES, arrays, distinct_arrays, shapes

SLOPES = st.sampled_from([0.01, 0.0, 0.2, 1.0]) | st.floats(-2, 2)

# -- leaky_relu -------------------------------------------------------------------------------------


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes(max_dims=3), slope=SLOPES)
@example(data=None, dtype=np.float64, shape=(6,), slope=0.01)
def test_leaky_relu_matches_torch(data, dtype, shape, slope):
    x = np.array([-1.0, 0.0, -0.0, 2.0, -3.5, 1e-30], dtype) if data is None else data.draw(arrays(shape, dtype))
    check_op(lambda t: F.leaky_relu(t, slope), lambda t: TF.leaky_relu(t, slope), x)
    check_op(lambda t: nn.LeakyReLU(slope)(t), lambda t: torch.nn.LeakyReLU(slope)(t), x)


@settings(deadline=None, max_examples=25)
@given(data=st.data(), dtype=DTYPES, shape=shapes(max_dims=3), slope=SLOPES.filter(lambda s: s >= 0))
def test_leaky_relu_in_place_matches_torch(data, dtype, shape, slope):
    """On a non-leaf (x · 1): the value written into it, its node LeakyReluBackward1, and x's gradient."""
    x = data.draw(arrays(shape, dtype))

    def run(functional, inplace_style):
        def fn(t):
            y = t * 1
            result = functional.leaky_relu(y, slope, inplace=True) if inplace_style else functional.leaky_relu_(y, slope)
            assert result is y
            return y
        return fn

    for style in (True, False):
        check_op(run(F, style), run(TF, style), x)
    check_op(lambda t: nn.LeakyReLU(slope, inplace=True)(t * 1), lambda t: torch.nn.LeakyReLU(slope, inplace=True)(t * 1), x)


@pytest.mark.parametrize("upstream", [1.0, np.nan, np.inf])
@pytest.mark.parametrize("slope", [0.01, 0.0])
def test_leaky_relu_special_values_and_upstreams(upstream, slope):
    """relu'(0) is the slope, NaN gets the slope, and the backward multiplies (a NaN grad stays NaN)."""
    x = np.array([-1.0, 0.0, -0.0, 2.0, np.nan, np.inf, -np.inf])
    check_under_upstream(lambda lib, t: lib.nn.functional.leaky_relu(t, slope), x, upstream=upstream, exact=True)
    check_under_upstream(lambda lib, t: lib.nn.functional.leaky_relu(t * 1, slope, inplace=True), x, upstream=upstream,
                         exact=True)


@settings(deadline=None, max_examples=15)
@given(x=distinct_arrays((3, 4)), slope=SLOPES)
def test_leaky_relu_gradcheck(x, slope):
    x = np.where(np.abs(x) < 1e-2, 0.5, x)  # no derivative at 0: keep finite differences away from it
    check_gradcheck(lambda t: F.leaky_relu(t, slope), x)


def test_in_place_leaky_relu_with_a_negative_slope_fails_in_backward_as_torch():
    for lib in (minigrad, torch):
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        y = x * 1
        lib.nn.functional.leaky_relu(y, -0.5, inplace=True)
        assert y.tolist() == [0.5, 2.0]  # the forward is allowed
        with pytest.raises(RuntimeError, match="In-place leakyReLu backward calculation is triggered with a negative slope"):
            y.sum().backward()


# -- relu in place ------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=25)
@given(data=st.data(), dtype=DTYPES, shape=shapes(max_dims=3))
def test_relu_in_place_matches_torch(data, dtype, shape):
    x = data.draw(arrays(shape, dtype))
    check_op(lambda t: F.relu(t * 1, inplace=True), lambda t: TF.relu(t * 1, inplace=True), x)
    check_op(lambda t: F.relu_(t * 1), lambda t: TF.relu_(t * 1), x)
    check_op(lambda t: nn.ReLU(inplace=True)(t * 1), lambda t: torch.nn.ReLU(inplace=True)(t * 1), x)


@pytest.mark.parametrize("upstream", [1.0, np.nan])
def test_relu_in_place_special_values(upstream):
    x = np.array([-1.0, 0.0, -0.0, 2.0, np.nan, np.inf, -np.inf])
    check_under_upstream(lambda lib, t: lib.nn.functional.relu(t * 1, inplace=True), x, upstream=upstream, exact=True)


@pytest.mark.parametrize("call", [
    lambda f, x: f.relu(x, inplace=True),
    lambda f, x: f.relu_(x),
    lambda f, x: f.leaky_relu(x, 0.1, inplace=True),
    lambda f, x: f.leaky_relu_(x),
])
def test_in_place_activations_follow_torchs_version_rules(call):
    for lib, functional in ((minigrad, F), (torch, TF)):
        leaf = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
            call(functional, leaf)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            call(functional, leaf[:2])

        y = leaf * 1
        assert call(functional, y) is y and y._version == 1
        y.mul_(2)  # the node saved y's value after the write: changing y again breaks backward
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()

        y = leaf * 1
        call(functional, y[:2])  # through a view: the base's node becomes CopySlices
        assert y.grad_fn.name() == "torch::autograd::CopySlices"
        y.backward(lib.tensor([1.0, 2.0, 3.0]))
        with lib.no_grad():
            plain = lib.tensor([-1.0, 2.0, 3.0])
            call(functional, plain)  # no graph: only the values change
        assert plain[0].item() <= 0 and plain[1].item() == 2.0
    leaves = []
    for lib, functional in ((minigrad, F), (torch, TF)):
        leaf = lib.tensor([-1.0, 2.0, 3.0], requires_grad=True)
        y = leaf * 1
        call(functional, y[:2])
        y.backward(lib.tensor([1.0, 2.0, 3.0]))
        leaves.append(leaf.grad.numpy())
    np.testing.assert_array_equal(*leaves)


def test_relu_in_place_of_integer_tensors_and_errors():
    for lib, functional in ((minigrad, F), (torch, TF)):
        x = lib.tensor([-1, 2])
        assert functional.relu(x, inplace=True) is x and x.tolist() == [0, 2]
        for dtype in (lib.int64, lib.uint8, lib.bool):
            with pytest.raises(NotImplementedError, match='"leaky_relu_cpu" not implemented for'):
                functional.leaky_relu(lib.ones(2, dtype=dtype))
        with pytest.raises(TypeError, match="argument 'negative_slope' \\(position 2\\) must be Number, not str"):
            functional.leaky_relu(lib.ones(2), "a")


@pytest.mark.parametrize("make", [
    lambda nn: nn.LeakyReLU(),
    lambda nn: nn.LeakyReLU(0.2, inplace=True),
    lambda nn: nn.LeakyReLU(negative_slope=-1),
    lambda nn: nn.ReLU(inplace=True),
    lambda nn: nn.Dropout2d(),
    lambda nn: nn.Dropout2d(0.3, True),
])
def test_repr_equals_torchs(make):
    assert repr(make(nn)) == repr(make(torch.nn))


# -- dropout2d ------------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=15)
@given(p=st.floats(0.05, 0.95), dtype=DTYPES, seed=st.integers(0, 2**31 - 1))
@example(p=0.5, dtype=np.float32, seed=0)
def test_dropout2d_zeroes_whole_channels_with_probability_p(p, dtype, seed):
    minigrad.manual_seed(seed)
    n, c, h, w = 100, 40, 3, 2
    x = np.random.default_rng(seed).uniform(0.5, 2.0, (n, c, h, w)).astype(dtype)  # no zeros of its own
    out = F.dropout2d(minigrad.tensor(x), p).numpy()
    assert out.dtype == dtype
    dropped = out == 0
    assert (dropped.all(axis=(2, 3)) | ~dropped.any(axis=(2, 3))).all(), "a channel was partly dropped"
    fraction = dropped[:, :, 0, 0].mean()
    assert abs(fraction - p) < 5 * np.sqrt(p * (1 - p) / (n * c)) + 1e-3, (fraction, p)
    kept = ~dropped
    np.testing.assert_allclose(out[kept], x[kept] / dtype(1 - p), rtol=1e-6 if dtype == np.float32 else 1e-14)


@settings(deadline=None, max_examples=15)
@given(p=st.floats(0.0, 1.0), shape=st.sampled_from([(2, 3, 4, 4), (3, 2, 5), (1, 1, 1, 1), (0, 3, 2, 2)]), dtype=DTYPES)
@example(p=1.0, shape=(2, 3, 4, 4), dtype=np.float64)
def test_dropout2d_gradient_is_the_mask_over_keep_probability(p, shape, dtype):
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.uniform(0.5, 2.0, shape).astype(dtype), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the 3-D input's warning
        out = F.dropout2d(x, p)
    if p == 0:
        assert out is x
        return
    assert out.grad_fn.name() == "MulBackward0"
    upstream = rng.standard_normal(shape).astype(dtype)
    out.backward(minigrad.tensor(upstream))
    scaled_mask = np.zeros(shape, dtype) if p == 1 else (out.detach().numpy() != 0) / dtype(1 - p)
    np.testing.assert_allclose(x.grad.numpy(), upstream * scaled_mask, rtol=1e-6, atol=0)
    assert x.grad.dtype == x.dtype


def test_dropout2d_identity_cases_inplace_and_module_modes_as_torch():
    for lib, functional in ((minigrad, F), (torch, TF)):
        x = lib.ones(2, 3, 4, 4, requires_grad=True)
        assert functional.dropout2d(x, 0.0) is x
        assert functional.dropout2d(x, 0.5, training=False) is x
        with pytest.warns(UserWarning, match="Received a 1-D input to dropout2d"):
            assert functional.dropout2d(lib.ones(3), 0.5, training=False).shape == (3,)
        layer = lib.nn.Dropout2d(0.5)
        assert layer.eval()(x) is x
        assert functional.dropout2d(lib.ones(2, 3, 4, 4), 1.0).sum().item() == 0
        y = lib.ones(2, 3, 4, 4)
        assert functional.dropout2d(y, 0.5, inplace=True) is y and y._version == 1
        assert layer.train()(lib.ones(0, 3, 2, 2)).shape == (0, 3, 2, 2)


def test_dropout2d_reads_3d_input_as_n_c_l_and_warns_as_torch():
    x = minigrad.ones(50, 20, 3)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        out = F.dropout2d(x, 0.5).numpy()
    dropped = out == 0
    assert (dropped.all(axis=2) | ~dropped.any(axis=2)).all()  # one draw per (sample, channel)
    assert 0.3 < dropped.mean() < 0.7
    with pytest.warns(UserWarning, match="Received a 5-D input to dropout2d"):
        F.dropout2d(minigrad.ones(1, 2, 3, 2, 2))


@pytest.mark.parametrize("call", [
    lambda f, lib: f.dropout2d(lib.ones(3)),
    lambda f, lib: f.dropout2d(lib.ones(2, 3, 4, 4), 1.5),
    lambda f, lib: f.dropout2d(lib.ones(2, 3, 4, 4, dtype=lib.int64)),
    lambda f, lib: lib.nn.Dropout2d(-0.1),
])
def test_dropout2d_errors_equal_torchs(call):
    errors = []
    for functional, lib in ((TF, torch), (F, minigrad)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(Exception) as info:
                call(functional, lib)
        errors.append(info.value)
    assert type(errors[1]) is type(errors[0])
    assert str(errors[1]).startswith(str(errors[0])), (str(errors[1]), str(errors[0]))
