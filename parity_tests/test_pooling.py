"""max_pool2d against torch: values, indices and gradients over hypothesis-drawn kernels,
strides (overlapping windows included), paddings, dilations, ceil_mode, batched and unbatched;
data drawn from a few integers so that windows hold ties, with NaN and −∞ pinned; finite
differences in float64 on tie-free data; and every validation error against torch's."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_parity, check_under_upstream, textbook_and_kernel
from minigrad.ops.windows import output_size_of_pool

implementation = textbook_and_kernel()  # every test here runs twice: minigrad/ops/pooling.py, minigrad/kernels/pooling.py


def pairs_or_ints(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


@st.composite
def pool_cases(draw, max_kernel=3):
    """(input shape, options) for a valid max_pool2d call."""
    kernel = draw(pairs_or_ints(1, max_kernel))
    stride = draw(st.one_of(st.none(), pairs_or_ints(1, 3)))  # None: the kernel (no overlap)
    dilation = draw(pairs_or_ints(1, 2))
    ceil_mode = draw(st.booleans())
    k, d = as_pair(kernel), as_pair(dilation)
    s = k if stride is None else as_pair(stride)
    pads = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))  # at most half the kernel
    padding = pads[0] if pads[0] == pads[1] and draw(st.booleans()) else pads
    sizes = []
    for ki, si, pi, di in zip(k, s, pads, d):
        effective = di * (ki - 1) + 1
        size = draw(st.integers(max(1, effective - 2 * pi), effective + 6))
        # every window must hold an input pixel: with a large dilation all its taps can fall in
        # the padding or beyond the input, and torch then sends its gradient to an unrelated pixel
        n_out = output_size_of_pool(size, ki, si, pi, di, ceil_mode)
        assume(all(any(0 <= y * si - pi + di * i < size for i in range(ki)) for y in range(n_out)))
        sizes.append(size)
    batch = draw(st.sampled_from([None, 1, 2]))
    channels = draw(st.integers(1, 3))
    shape = (channels, *sizes) if batch is None else (batch, channels, *sizes)
    return shape, dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


def as_pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def tied_values(shape, dtype, seed, specials=0):
    """Values from a few integers (so windows hold ties), plus ``specials`` NaNs and ±∞."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(dtype)
    flat = x.reshape(-1)
    for value in [np.nan, -np.inf, np.inf, np.nan][:specials]:
        flat[rng.integers(0, flat.size)] = value
    return x


def pool_fns(options, indices=False):
    def minigrad_fn(x):
        return F.max_pool2d(x, **options, return_indices=indices)

    def torch_fn(x):
        return TF.max_pool2d(x, **options, return_indices=indices)

    return minigrad_fn, torch_fn


def check_pool(case, dtype, seed, specials=0):
    shape, options = case
    x = tied_values(shape, dtype, seed, specials)
    check_parity(*pool_fns(options), x, seed=seed)
    (_, indices), (_, torch_indices) = (fn(lib.tensor(x)) for fn, lib in zip(pool_fns(options, True), (minigrad, torch)))
    assert indices.dtype == minigrad.int64
    np.testing.assert_array_equal(indices.numpy(), torch_indices.numpy())


SEEDS = st.integers(0, 2**16)
K2 = dict(kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False)


@settings(deadline=None)
@given(pool_cases(), SEEDS, st.integers(0, 4))
@example(((1, 1, 4, 4), K2), 0, 0)  # the tutorial's pool, ties everywhere
@example(((1, 1, 2, 4), K2), 3, 4)  # NaN and infinities
@example(((2, 5, 5), dict(K2, kernel_size=3, stride=1, padding=1)), 1, 0)  # overlapping windows accumulate
@example(((1, 2, 5, 5), dict(K2, stride=2, padding=1, ceil_mode=True)), 2, 0)  # ceil_mode, last window clipped
def test_max_pool2d_float64(case, seed, specials):
    check_pool(case, np.float64, seed, specials)


@settings(deadline=None, max_examples=25)
@given(pool_cases(), SEEDS, st.integers(0, 4))
def test_max_pool2d_float32(case, seed, specials):
    check_pool(case, np.float32, seed, specials)


@settings(deadline=None, max_examples=25)
@given(pool_cases(), SEEDS, st.integers(0, 4), st.sampled_from([np.float64, np.float32]))
@example(((3, 2, 4, 4), K2), 0, 0, np.float64)  # ties everywhere, three chunks
def test_max_pool2d_in_chunks(case, seed, specials, dtype):
    """Every plane of the first axis its own chunk, the chunks shared out between two threads."""
    with minigrad.backends.kernels.flags(enabled=True, chunk_bytes=1, num_threads=2):
        check_pool(case, dtype, seed, specials)


@pytest.mark.parametrize(
    "rows",
    [
        [[np.nan, 1.0, np.nan, 2.0]],  # several NaNs: the LAST one wins (torch: val > max or isnan(val))
        [[-np.inf, -np.inf, -np.inf, -np.inf]],  # all −∞: the first real element wins, never the padding
        [[3.0, 3.0, 1.0, 3.0]],  # ties: the first maximum wins
    ],
)
def test_max_pool2d_winner_rules(rows):
    x = np.array([rows])
    for options in [dict(kernel_size=(1, 4)), dict(kernel_size=(1, 3), stride=1, padding=(0, 1))]:
        check_parity(*pool_fns(options), x)
        (_, indices), (_, torch_indices) = (fn(lib.tensor(x)) for fn, lib in zip(pool_fns(options, True), (minigrad, torch)))
        np.testing.assert_array_equal(indices.numpy(), torch_indices.numpy())


def test_max_pool2d_int64_matches_torch():
    x = np.random.default_rng(0).integers(-5, 5, (2, 3, 6, 7))
    options = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)
    out, torch_out = F.max_pool2d(minigrad.tensor(x), **options), TF.max_pool2d(torch.tensor(x), **options)
    assert out.dtype == minigrad.int64
    np.testing.assert_array_equal(out.numpy(), torch_out.numpy())


@settings(deadline=None, max_examples=15)
@given(pool_cases(max_kernel=2), SEEDS)
def test_max_pool2d_gradcheck(case, seed):
    shape, options = case
    size = int(np.prod(shape))
    x = np.random.default_rng(seed).permutation(size).reshape(shape) / size  # distinct: no ties
    check_gradcheck(lambda t: F.max_pool2d(t, **options), x, eps=1e-3 / size)


def test_max_pool2d_graph_name_and_unbatched():
    x = minigrad.randn(3, 8, 8, requires_grad=True)
    out = F.max_pool2d(x, 2)
    assert out.shape == (3, 4, 4)
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"  # torch pools (C, H, W) directly


def test_return_indices_finds_the_winners_once(monkeypatch):
    """The kernel's indices are the winners it found for backward, taken from its node (one pass)."""
    from minigrad.kernels import pooling

    calls = []
    real_window_max = pooling.window_max
    monkeypatch.setattr(pooling, "window_max", lambda *a, **k: calls.append(k) or real_window_max(*a, **k))
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
    for requires_grad in (True, False):
        calls.clear()
        with minigrad.backends.kernels.flags(enabled=True):
            out, indices = F.max_pool2d(minigrad.tensor(x, requires_grad=requires_grad), 3, stride=2, return_indices=True)
        assert len(calls) == 1
        t_out, t_indices = TF.max_pool2d(torch.tensor(x), 3, stride=2, return_indices=True)
        np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


def test_max_pool2d_output_modified_in_place_keeps_gradient():
    """The backward needs the winners, not the output: relu_ on the output is allowed, as in torch."""
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    grads = []
    for lib in (minigrad, torch):
        t = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.max_pool2d(t, 2) * 1.0
        lib.nn.functional.relu(out).sum().backward()
        grads.append(t.grad.numpy())
    np.testing.assert_allclose(*grads)


# -- errors: same exception type as torch, and torch's message (minigrad may add a hint after it) --

def r(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


ERROR_CASES = [
    ("padding over half the kernel", r(1, 3, 8, 8), dict(kernel_size=2, padding=2)),
    ("padding over half the dilated kernel", r(1, 3, 8, 8), dict(kernel_size=2, padding=2, dilation=2)),
    ("padding over half the kernel, not the dilated one", r(1, 1, 5, 5), dict(kernel_size=(3, 2), padding=(2, 1), dilation=2)),
    ("padding over half, second axis", r(1, 3, 8, 8), dict(kernel_size=(4, 2), padding=(0, 2))),
    ("negative padding", r(1, 3, 8, 8), dict(kernel_size=2, padding=-1)),
    ("zero kernel", r(1, 3, 8, 8), dict(kernel_size=0)),
    ("zero kernel with a stride", r(1, 3, 8, 8), dict(kernel_size=(2, 0), stride=1)),
    ("negative kernel", r(1, 3, 8, 8), dict(kernel_size=-1)),
    ("zero stride", r(1, 3, 8, 8), dict(kernel_size=2, stride=0)),
    ("negative stride", r(1, 3, 8, 8), dict(kernel_size=2, stride=-1)),
    ("zero dilation", r(1, 3, 8, 8), dict(kernel_size=2, dilation=0)),
    ("output smaller than 1", r(1, 3, 2, 2), dict(kernel_size=3)),
    ("output smaller than 1, unbatched", r(3, 2, 5), dict(kernel_size=3)),
    ("2-D input", r(8, 8), dict(kernel_size=2)),
    ("5-D input", r(1, 1, 1, 8, 8), dict(kernel_size=2)),
    ("no channels", r(1, 0, 8, 8), dict(kernel_size=2)),
    ("kernel of 3 values", r(1, 3, 8, 8), dict(kernel_size=(2, 2, 2))),
    ("stride of 3 values", r(1, 3, 8, 8), dict(kernel_size=2, stride=(1, 2, 3))),
    ("padding of 3 values", r(1, 3, 8, 8), dict(kernel_size=2, padding=(1, 2, 3))),
    ("dilation of 3 values", r(1, 3, 8, 8), dict(kernel_size=2, dilation=(1, 2, 3))),
    ("bool input", r(1, 3, 8, 8) > 0, dict(kernel_size=2)),
    ("float kernel", r(1, 3, 8, 8), dict(kernel_size=2.5)),  # TypeError; torch's message also gives the position
    ("float in a stride pair", r(1, 3, 8, 8), dict(kernel_size=2, stride=(1.0, 2.0))),
    ("bool kernel", r(1, 3, 8, 8), dict(kernel_size=True)),
]
TYPE_ONLY = {"float kernel", "float in a stride pair", "bool kernel"}


@pytest.mark.parametrize("name,array,options", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_max_pool2d_errors_match_torch(name, array, options):
    with pytest.raises(Exception) as expected:
        TF.max_pool2d(torch.tensor(array), **options)
    with pytest.raises(Exception) as actual:
        F.max_pool2d(minigrad.tensor(array), **options)
    assert actual.type is expected.type, f"minigrad raised {actual.type.__name__}: {actual.value}"
    if name in TYPE_ONLY:
        return
    torch_message = str(expected.value).split("\n")[0]
    assert str(actual.value).startswith(torch_message), f"\n  minigrad: {actual.value}\n  torch:    {torch_message}"


@pytest.mark.parametrize("upstream", [np.nan, np.inf])
@pytest.mark.parametrize("kernel, stride", [(2, 2), (2, 1), (3, 2)])
def test_nan_and_inf_upstream_reach_only_the_winners(kernel, stride, upstream):
    """The winners are selected, not multiplied by a 0/1 mask: a NaN or ∞ grad reaches its
    window's winner and nothing else."""
    x = np.random.default_rng(0).standard_normal((1, 2, 5, 6))
    x[0, 0, 1, 1], x[0, 1, 2, 3] = np.nan, np.inf
    check_under_upstream(lambda library, t: library.nn.functional.max_pool2d(t, kernel, stride), x,
                         upstream=upstream, exact=True)
