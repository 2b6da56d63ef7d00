"""avg_pool2d and adaptive_avg_pool2d (minigrad/ops/pooling.py) against torch: values and
gradients over hypothesis-drawn kernels, strides, paddings, ceil_mode, count_include_pad,
divisor_override and output sizes (None entries, outputs larger than the input), batched and
unbatched, NaN/inf and empty batches pinned; int64 avg_pool2d; finite differences in float64;
grad_fn names, module reprs, and every validation error against torch's."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_op, check_under_upstream, raised
from minigrad import nn
from minigrad.ops.windows import output_size_of_pool
from strategies import DTYPES, arrays


def pairs_or_ints(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


@st.composite
def avg_pool_cases(draw):
    """(input shape, options) for a valid avg_pool2d call."""
    kernel = draw(pairs_or_ints(1, 3))
    stride = draw(st.one_of(st.none(), pairs_or_ints(1, 3)))
    k = as_pair(kernel)
    s = k if stride is None else as_pair(stride)
    pads = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    padding = pads[0] if pads[0] == pads[1] and draw(st.booleans()) else pads
    ceil_mode = draw(st.booleans())
    sizes = [draw(st.integers(max(1, ki - 2 * pi), ki + 5)) for ki, pi in zip(k, pads)]
    assert all(output_size_of_pool(n, ki, si, pi, 1, ceil_mode) >= 1 for n, ki, si, pi in zip(sizes, k, s, pads))
    batch = draw(st.sampled_from([None, 1, 2]))
    channels = draw(st.integers(1, 3))
    shape = (channels, *sizes) if batch is None else (batch, channels, *sizes)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode,
                   count_include_pad=draw(st.booleans()),
                   divisor_override=draw(st.one_of(st.none(), st.integers(-3, 7).filter(bool))))
    return shape, options


K2 = dict(kernel_size=2, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None)


@settings(deadline=None)
@given(avg_pool_cases(), DTYPES, st.data())
@example(((1, 1, 4, 4), K2), np.float64, None)  # the plain 2×2 pool
@example(((2, 3, 5, 5), dict(K2, kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
         np.float64, None)  # ceil_mode's clipped last window, padding not counted
@example(((1, 2, 6, 5), dict(K2, kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True)), np.float32, None)
@example(((0, 2, 4, 4), dict(K2, divisor_override=3)), np.float64, None)  # an empty batch
def test_avg_pool2d_matches_torch(case, dtype, data):
    shape, options = case
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape) % 3 if data is None else data.draw(arrays(shape, dtype))
    check_op(lambda t: F.avg_pool2d(t, **options), lambda t: TF.avg_pool2d(t, **options), x)
    check_op(lambda t: nn.AvgPool2d(**options)(t), lambda t: torch.nn.AvgPool2d(**options)(t), x)


@pytest.mark.parametrize("upstream", [1.0, np.nan, np.inf])
def test_avg_pool2d_nan_and_inf(upstream):
    x = np.array([[[[np.nan, 1.0, 2.0], [np.inf, -np.inf, 0.0], [3.0, np.inf, 1.0]]]])
    options = dict(kernel_size=2, stride=1, padding=1, count_include_pad=False)
    check_under_upstream(lambda lib, t: lib.nn.functional.avg_pool2d(t, **options), x, upstream=upstream)


@settings(deadline=None, max_examples=20)
@given(avg_pool_cases(), st.integers(0, 2**16))
def test_avg_pool2d_int64_divides_as_torch(case, seed):
    shape, options = case
    x = np.random.default_rng(seed).integers(-20, 20, shape)
    out, expected = F.avg_pool2d(minigrad.tensor(x), **options), TF.avg_pool2d(torch.tensor(x), **options)
    assert out.dtype == minigrad.int64
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@settings(deadline=None, max_examples=15)
@given(avg_pool_cases(), st.integers(0, 2**16))
def test_avg_pool2d_gradcheck(case, seed):
    shape, options = case
    check_gradcheck(lambda t: F.avg_pool2d(t, **options), np.random.default_rng(seed).standard_normal(shape))


@st.composite
def adaptive_cases(draw):
    """(input shape, output_size): an int, a pair, or a pair with None entries; outputs may exceed the input."""
    h, w = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    batch = draw(st.sampled_from([None, 1, 2]))
    channels = draw(st.integers(1, 3))
    shape = (channels, h, w) if batch is None else (batch, channels, h, w)
    size = st.integers(1, 10)
    output_size = draw(st.one_of(size, st.tuples(size | st.none(), size | st.none()), st.lists(size, min_size=2, max_size=2)))
    return shape, output_size


@settings(deadline=None)
@given(adaptive_cases(), DTYPES, st.data())
@example(((1, 2, 5, 5), 3), np.float64, None)  # overlapping windows: rows 0:2, 1:4, 3:5
@example(((2, 3, 7, 6), 1), np.float64, None)  # the global average pool (torch: a mean, MeanBackward1)
@example(((2, 3, 4, 4), (None, 2)), np.float32, None)
@example(((0, 3, 4, 5), (2, 3)), np.float64, None)  # an empty batch
def test_adaptive_avg_pool2d_matches_torch(case, dtype, data):
    shape, output_size = case
    x = np.arange(np.prod(shape), dtype=dtype).reshape(shape) % 4 if data is None else data.draw(arrays(shape, dtype))
    check_op(lambda t: F.adaptive_avg_pool2d(t, output_size), lambda t: TF.adaptive_avg_pool2d(t, output_size), x)
    check_op(lambda t: nn.AdaptiveAvgPool2d(output_size)(t), lambda t: torch.nn.AdaptiveAvgPool2d(output_size)(t), x)


@pytest.mark.parametrize("upstream", [1.0, np.nan])
def test_adaptive_avg_pool2d_nan_and_inf(upstream):
    x = np.array([[[[np.nan, 1.0, 2.0, 0.0, 1.0], [np.inf, -np.inf, 0.0, 1.0, 2.0], [3.0, np.inf, 1.0, 2.0, 3.0]]]])
    check_under_upstream(lambda lib, t: lib.nn.functional.adaptive_avg_pool2d(t, (2, 3)), x, upstream=upstream)


@settings(deadline=None, max_examples=15)
@given(adaptive_cases(), st.integers(0, 2**16))
def test_adaptive_avg_pool2d_gradcheck(case, seed):
    shape, output_size = case
    check_gradcheck(lambda t: F.adaptive_avg_pool2d(t, output_size), np.random.default_rng(seed).standard_normal(shape))


def test_adaptive_windows_are_torchs():
    """Window i spans ⌊i·H/Ho⌋ to ⌈(i+1)·H/Ho⌉: with H = 5, Ho = 3, rows 0:2, 1:4 and 3:5."""
    x = minigrad.tensor(np.arange(5.0).reshape(1, 5, 1))
    np.testing.assert_array_equal(F.adaptive_avg_pool2d(x, (3, 1)).numpy().ravel(), [0.5, 2.0, 3.5])


@pytest.mark.parametrize("make", [
    lambda nn: nn.AvgPool2d(2),
    lambda nn: nn.AvgPool2d((2, 3), stride=1, padding=1, ceil_mode=True, count_include_pad=False, divisor_override=2),
    lambda nn: nn.AvgPool2d(3, (2, 1)),
    lambda nn: nn.AdaptiveAvgPool2d(3),
    lambda nn: nn.AdaptiveAvgPool2d((None, 2)),
    lambda nn: nn.AdaptiveAvgPool2d((5, 7)),
])
def test_module_repr_and_state_equal_torchs(make):
    mg, t = make(nn), make(torch.nn)
    assert repr(mg) == repr(t)
    assert list(mg.state_dict()) == list(t.state_dict()) == []



@pytest.mark.parametrize("call", [
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, padding=2),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 6),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 0),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), -1),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 0, 1),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, stride=-1),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, padding=-1),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), (1, 2, 3)),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, (1, 2, 3)),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 1, (1, 2, 3)),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), (3, 1), 1, (1, 1)),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, divisor_override=0),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 2, 0, False, True, 1.5),  # as nn.AvgPool2d passes them
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 2, 0, False, True, True),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 2, 0, 1),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 2, 0, False, None),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2, 1.0),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 5, 5), 2.0),
    lambda f, lib: f.avg_pool2d(lib.ones(5, 5), 2),
    lambda f, lib: f.avg_pool2d(lib.ones(1, 2, 3, 5, 5), 2),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 0, 4, 4), 2),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 0, 4), 2),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 4, 4, dtype=lib.int32), 2),
    lambda f, lib: f.avg_pool2d(lib.ones(2, 3, 4, 4, dtype=lib.bool), 2),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), -1),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), (2, -3)),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), (1, 2, 3)),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), [3]),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), (3.0, 2)),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), 2.0),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 5, 5), None),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(5, 5), 2),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(5), (2,)),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(1, 2, 3, 5, 5), 2),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 0, 4), 2),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 4, 4, dtype=lib.int64), 2),
    lambda f, lib: f.adaptive_avg_pool2d(lib.ones(2, 3, 4, 4, requires_grad=True), (0, 2)).sum().backward(),
])
def test_errors_equal_torchs(call):
    expected, actual = raised(lambda: call(TF, torch)), raised(lambda: call(F, minigrad))
    assert expected is not None, "torch accepted this call"
    assert type(actual) is type(expected), (actual, expected)
    assert str(actual).startswith(str(expected)), (str(actual), str(expected))


def test_zero_channels_and_zero_output_sizes_as_torch():
    for shape, output_size in [((2, 0, 4, 4), 2), ((2, 3, 4, 4), 0), ((2, 3, 4, 4), (0, 3))]:
        out, expected = F.adaptive_avg_pool2d(minigrad.ones(shape), output_size), TF.adaptive_avg_pool2d(torch.ones(shape), output_size)
        assert tuple(out.shape) == tuple(expected.shape)


def test_changing_the_input_in_place_after_forward_breaks_backward_as_in_torch():
    """torch's avg_pool2d and adaptive_avg_pool2d save their input (the composition fuzzer's find:
    minigrad, which needs only the geometry, computed the gradient); the 1 × 1 adaptive pool, a
    mean, does not."""
    for lib in (minigrad, torch):
        x = lib.ones(1, 1, 4, 4, requires_grad=True)
        y = x * 1
        F = lib.nn.functional
        pooled, adaptive, mean = F.avg_pool2d(y, 2), F.adaptive_avg_pool2d(y, 3), F.adaptive_avg_pool2d(y, 1)
        y.add_(1)
        for out in (pooled, adaptive):
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()
        mean.sum().backward()
