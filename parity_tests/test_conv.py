"""conv2d against torch: values and the gradients of input, weight and bias, over hypothesis-drawn
shapes, kernels (square and rectangular), strides, paddings (ints, pairs, 'same', 'valid'),
dilations, groups, with and without bias, batched and unbatched; finite differences in float64;
and every validation error against the one torch raises."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_parity, textbook_and_kernel
from minigrad.kernels.conv import ChunkedConvolution
from minigrad.ops.checks import conv2d_arguments

implementation = textbook_and_kernel()  # every test here runs twice: minigrad/ops/conv.py, minigrad/kernels/conv.py


def pairs_or_ints(low, high):
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


@st.composite
def conv_cases(draw, max_channels_per_group=3, max_kernel=4, max_extra=5):
    """(input shape, weight shape, has bias, options) for a valid conv2d call."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    c_in = groups * draw(st.integers(1, max_channels_per_group))
    c_out = groups * draw(st.integers(1, max_channels_per_group))
    if draw(st.booleans()):
        kh = kw = draw(st.integers(1, max_kernel))
    else:
        kh, kw = draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel))
    dilation = draw(pairs_or_ints(1, 2))
    padding = draw(st.one_of(pairs_or_ints(0, 2), st.sampled_from(["same", "valid"])))
    stride = 1 if padding == "same" else draw(pairs_or_ints(1, 3))
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    if isinstance(padding, str):
        ph = pw = 0
    else:
        ph, pw = (padding, padding) if isinstance(padding, int) else padding
    # the padded input must hold the dilated kernel
    h = draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), dh * (kh - 1) + 1 + max_extra))
    w = draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), dw * (kw - 1) + 1 + max_extra))
    batch = draw(st.sampled_from([None, 1, 2, 3]))  # None: unbatched (C, H, W)
    x_shape = (c_in, h, w) if batch is None else (batch, c_in, h, w)
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x_shape, (c_out, c_in // groups, kh, kw), draw(st.booleans()), options


def make_inputs(case, dtype, seed):
    x_shape, w_shape, has_bias, _ = case
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)]
    if has_bias:
        inputs.append(rng.standard_normal(w_shape[0]).astype(dtype))
    return inputs


def conv_fns(options):
    return (lambda *a: F.conv2d(*a, **options)), (lambda *a: TF.conv2d(*a, **options))


SEEDS = st.integers(0, 2**16)

# torch warns that it copies the input for 'same' with an even kernel: not a difference in results
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


@settings(deadline=None)
@given(conv_cases(), SEEDS)
@example(((2, 3, 6, 7), (4, 3, 3, 3), True, dict(stride=1, padding=1, dilation=1, groups=1)), 0)
@example(((1, 2, 5, 6), (2, 2, 2, 4), True, dict(stride=1, padding="same", dilation=(1, 2), groups=1)), 0)  # odd total: extra pad bottom/right
@example(((4, 4, 4), (8, 1, 3, 3), False, dict(stride=(2, 1), padding=(2, 0), dilation=1, groups=4)), 0)  # depthwise, unbatched
@example(((1, 1, 2, 2), (1, 1, 3, 3), False, dict(stride=3, padding=1, dilation=1, groups=1)), 0)  # kernel = padded input
def test_conv2d_float64(case, seed):
    check_parity(*conv_fns(case[3]), *make_inputs(case, np.float64, seed), seed=seed)


@settings(deadline=None)
@given(conv_cases(max_channels_per_group=8, max_kernel=5), SEEDS)
def test_conv2d_float32(case, seed):
    out = check_parity(*conv_fns(case[3]), *make_inputs(case, np.float32, seed), seed=seed)
    assert out.dtype == minigrad.float32


class OverlapAddEverywhere(ChunkedConvolution):
    few_input_channels = 10**6  # every input: channels first, ∂L/∂x by overlap-add


class TransposedConvEverywhere(ChunkedConvolution):
    few_input_channels = 0  # every input: channels last, ∂L/∂x by the transposed convolution


def conv_with(op, options):
    """conv2d through the Function class ``op`` (arguments read as conv2d reads them)."""

    def run(x, w, b=None):
        stride, padding, dilation = conv2d_arguments(x, w, b, options["stride"], options["padding"],
                                                     options["dilation"], options["groups"])
        batched = x if x.ndim == 4 else x.unsqueeze(0)
        out = op.apply(batched, w, b, stride=stride, padding=padding, dilation=dilation, groups=options["groups"])
        return out if x.ndim == 4 else out.squeeze(0)

    return run


@pytest.mark.parametrize("route", [OverlapAddEverywhere, TransposedConvEverywhere], ids=["overlap-add", "transposed conv"])
@settings(deadline=None, max_examples=40)
@given(conv_cases(max_channels_per_group=10, max_kernel=4), SEEDS)
@example(((2, 3, 9, 9), (8, 3, 5, 5), True, dict(stride=1, padding=2, dilation=1, groups=1)), 0)  # the tutorial's first conv
@example(((2, 4, 7, 8), (6, 2, 3, 2), False, dict(stride=(2, 3), padding=(2, 1), dilation=(2, 1), groups=2)), 0)
def test_conv2d_input_gradient_both_routes_float64(route, case, seed):
    """The kernel's ∂L/∂x has two algorithms, picked by the number of input channels per group:
    both are checked on every case, whatever its channel count."""
    check_parity(conv_with(route, case[3]), conv_fns(case[3])[1], *make_inputs(case, np.float64, seed), seed=seed)


@settings(deadline=None, max_examples=20)
@given(conv_cases(max_channels_per_group=4, max_kernel=4), SEEDS, st.sampled_from([np.float64, np.float32]))
def test_conv2d_in_chunks(case, seed, dtype):
    """Every sample its own im2col chunk (the kernel; the textbook op has no chunks)."""
    x_shape, *rest = case
    case = ((4, *x_shape[-3:]), *rest)  # four samples: four chunks
    with minigrad.backends.kernels.flags(enabled=True, chunk_bytes=1):
        check_parity(*conv_fns(case[3]), *make_inputs(case, dtype, seed), seed=seed)


def test_conv2d_result_does_not_depend_on_the_chunk_size():
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((16, 8, 12, 12)), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((6, 8, 3, 3)), requires_grad=True)
    results = []
    for chunk_bytes in (1, 50_000, 2**30):  # one sample per chunk, a few, the whole batch
        x.grad = w.grad = None
        with minigrad.backends.kernels.flags(enabled=True, chunk_bytes=chunk_bytes):
            out = F.conv2d(x, w, padding=1)
            out.backward(minigrad.ones_like(out))
        results.append([out.detach().numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy()])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=20)
@given(conv_cases(max_channels_per_group=2, max_kernel=3, max_extra=2), SEEDS, st.integers(0, 2))
def test_conv2d_only_some_inputs_require_grad(case, seed, which):
    """Gradients skipped for inputs that do not require grad must not change the others."""
    inputs = make_inputs(case, np.float64, seed)
    flags = [i == which for i in range(len(inputs))]
    check_parity(*conv_fns(case[3]), *inputs, requires_grad=flags, seed=seed)


@settings(deadline=None, max_examples=15)
@given(conv_cases(max_channels_per_group=2, max_kernel=3, max_extra=2), SEEDS)
def test_conv2d_gradcheck(case, seed):
    x_shape, *_ = case
    inputs = make_inputs(((1, *x_shape[-3:]), *case[1:]), np.float64, seed)  # batch of one: small
    check_gradcheck(lambda *a: F.conv2d(*a, **case[3]), *inputs)


def test_conv2d_graph_names_and_layout():
    x = minigrad.randn(2, 3, 8, 8, requires_grad=True)
    w = minigrad.randn(4, 3, 3, 3, requires_grad=True)
    assert F.conv2d(x, w).grad_fn.name() == "ConvolutionBackward0"
    assert F.conv2d(x[0], w).grad_fn.name() == "SqueezeBackward1"  # unbatched: as torch, via unsqueeze/squeeze
    assert F.conv2d(x, w, padding="same").shape == (2, 4, 8, 8)


def test_conv2d_saved_input_modified_in_place_raises():
    """The weight's gradient needs the input: changing it in place must not go unnoticed (as torch)."""
    x = minigrad.randn(1, 2, 5, 5)
    w = minigrad.randn(3, 2, 3, 3, requires_grad=True)
    out = F.conv2d(x, w)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_conv2d_float32_weight_and_bias_gradients_large_batch():
    """∂L/∂w and ∂L/∂b sum 64·32·32 terms: in float32, minigrad must be as close to the exact
    (float64) result as torch's float32 is (they round differently, so not close to each other)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in [(64, 3, 32, 32), (8, 3, 5, 5), (8,), (64, 8, 32, 32)]]

    def gradients(lib, functional, dtype):
        x, w, b, upstream = (lib.tensor(a.astype(dtype)) for a in arrays)
        w.requires_grad_(), b.requires_grad_()
        functional.conv2d(x, w, b, padding=2).backward(upstream)
        return [g.numpy().astype(np.float64) for g in (w.grad, b.grad)]

    exact = gradients(torch, TF, np.float64)
    torch_errors = [np.abs(g - e).max() for g, e in zip(gradients(torch, TF, np.float32), exact)]
    minigrad_errors = [np.abs(g - e).max() for g, e in zip(gradients(minigrad, F, np.float32), exact)]
    assert all(m <= 2 * t for m, t in zip(minigrad_errors, torch_errors)), (minigrad_errors, torch_errors)


# -- errors: same exception type as torch, and torch's message (minigrad may add a hint after it) --

def r(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


ERROR_CASES = [
    ("channels", [r(1, 3, 8, 8), r(4, 2, 3, 3)], {}),
    ("channels unbatched", [r(3, 8, 8), r(4, 2, 3, 3)], {}),
    ("channels with groups", [r(1, 6, 8, 8), r(4, 2, 3, 3)], dict(groups=2)),
    ("input smaller than kernel", [r(1, 3, 2, 2), r(4, 3, 3, 3)], {}),
    ("input smaller than dilated kernel", [r(1, 3, 4, 4), r(4, 3, 3, 3)], dict(dilation=2)),
    ("input smaller, rectangular", [r(1, 3, 2, 5), r(4, 3, 3, 3)], dict(padding=(0, 1))),
    ("zero stride", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(stride=0)),
    ("negative stride in a pair", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(stride=(1, -1))),
    ("negative padding", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding=-1)),
    ("zero dilation", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(dilation=0)),
    ("2-D input", [r(8, 8), r(4, 3, 3, 3)], {}),
    ("5-D input", [r(1, 1, 3, 8, 8), r(4, 3, 3, 3)], {}),
    ("groups do not divide in_channels", [r(1, 3, 8, 8), r(4, 1, 3, 3)], dict(groups=2)),
    ("groups do not divide out_channels", [r(1, 4, 8, 8), r(3, 2, 3, 3)], dict(groups=2)),
    ("non-positive groups", [r(1, 4, 8, 8), r(4, 2, 3, 3)], dict(groups=0)),
    ("no filters", [r(1, 3, 8, 8), r(0, 3, 3, 3)], {}),
    ("same with stride", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding="same", stride=2)),
    ("same with a stride pair", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding="same", stride=(1, 2))),
    ("unknown padding string", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding="SAME")),
    ("bias of wrong length", [r(1, 3, 8, 8), r(4, 3, 3, 3), r(3)], {}),
    ("bias of wrong rank", [r(1, 3, 8, 8), r(4, 3, 3, 3), r(4, 1)], {}),
    ("padding of 3 values", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding=(1, 1, 1))),
    ("weight of another dtype", [r(1, 3, 8, 8), r(4, 3, 3, 3).astype(np.float64)], {}),
    ("bias of another dtype", [r(1, 3, 8, 8), r(4, 3, 3, 3), r(4).astype(np.float64)], {}),
    ("3-D weight", [r(1, 3, 8, 8), r(4, 3, 3)], {}),  # torch's message talks about stride: type only
    ("float stride", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(stride=1.5)),  # torch lists its signatures: type only
    ("float in a padding pair", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(padding=(1, 1.0))),
    ("empty stride", [r(1, 3, 8, 8), r(4, 3, 3, 3)], dict(stride=())),
]
TYPE_ONLY = {"3-D weight", "float stride", "float in a padding pair"}


@pytest.mark.parametrize("name,arrays,options", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_conv2d_errors_match_torch(name, arrays, options):
    with pytest.raises(Exception) as expected:
        TF.conv2d(*[torch.tensor(a) for a in arrays], **options)
    with pytest.raises(Exception) as actual:
        F.conv2d(*[minigrad.tensor(a) for a in arrays], **options)
    assert actual.type is expected.type, f"minigrad raised {actual.type.__name__}: {actual.value}"
    if name not in TYPE_ONLY:
        torch_message = str(expected.value).split("\n")[0]
        assert str(actual.value).startswith(torch_message), f"\n  minigrad: {actual.value}\n  torch:    {torch_message}"


@pytest.mark.parametrize("channels, stride, padding, dilation, groups", [(9, 1, 1, 1, 1), (9, 2, 1, 1, 1), (9, 1, 0, 1, 1), (18, 2, 0, 2, 2), (12, 3, 2, 1, 1), (3, 2, 1, 1, 1)])
def test_inf_and_nan_weights_reach_only_the_pixels_they_touch(channels, stride, padding, dilation, groups):
    """With many channels ∂L/∂x is a transposed conv, whose inserted zeros times an ∞ weight would
    be NaN: minigrad then adds up only real products, as torch does."""
    x = np.random.default_rng(0).standard_normal((2, channels, 7, 6))
    w = np.random.default_rng(1).standard_normal((4, channels // groups, 3, 3))
    w[0, 0, 1, 1], w[1, 2, 0, 2] = np.inf, np.nan
    options = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    check_parity(lambda a, b: minigrad.nn.functional.conv2d(a, b, **options), lambda a, b: torch.nn.functional.conv2d(a, b, **options), x, w, grad_rtol=1e-6)


@pytest.mark.parametrize("changed", ["input", "weight"])
def test_changed_input_or_weight_raises_even_if_the_other_needs_no_gradient(changed):
    """torch's convolution saves input and weight whatever needs a gradient."""
    for library in (minigrad, torch):
        x = library.ones(1, 2, 4, 4, requires_grad=changed == "weight") * 1
        w = library.ones(3, 2, 2, 2, requires_grad=changed == "input") * 1
        out = library.nn.functional.conv2d(x, w)
        with library.no_grad():
            (x if changed == "input" else w).add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()


def test_an_empty_batch_on_both_paths():
    """A batch of 0 images: an empty result and zero gradients, as torch (the textbook op
    reshaped with -1 on nothing: the edge sweep's find in CI's textbook run)."""
    results = []
    for lib in (minigrad, torch):
        x = lib.zeros(0, 2, 4, 4, dtype=lib.float64, requires_grad=True)
        w = lib.ones(3, 2, 3, 3, dtype=lib.float64, requires_grad=True)
        b = lib.zeros(3, dtype=lib.float64, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, b, padding=1)
        y.sum().backward()
        results.append((tuple(y.shape), tuple(x.grad.shape), w.grad.numpy(), b.grad.numpy()))
    (mine, torchs) = results
    assert mine[:2] == torchs[:2]
    np.testing.assert_array_equal(mine[2], torchs[2])
    np.testing.assert_array_equal(mine[3], torchs[3])
