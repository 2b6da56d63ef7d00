"""Each fast kernel (minigrad/kernels/) equals its textbook op (minigrad/ops/) in float64.

The same inputs run twice: once with ``minigrad.backends.kernels.flags(enabled=False)`` (the
textbook op) and once with ``flags(enabled=True, chunk_bytes=..., num_threads=...)`` (the
kernel, its work cut into chunks of that size and shared out among 1, 2 or 4 threads). The
forward values and every input's gradient, under a random upstream gradient, must agree to
rtol 1e-12: the two sum the same products in another order, nothing more.

    conv2d      ChunkedConvolution, both of its routes (channels first with ∂L/∂x by overlap-add,
                channels last with ∂L/∂x by a transposed convolution), against Convolution
    max_pool2d  ChunkedMaxPool against MaxPool: ceil_mode, dilation, padding, overlapping
                windows, ties, NaN and ±∞, and the indices of return_indices
    linear      ThreadedLinear against Linear, and matmul ThreadedMatMul against MatMul, on 2-D
                products large enough to be split among the threads

Which class ran is checked too (``autograd.trace``'s ``ran``), so a test cannot pass by
comparing the textbook op with itself.
"""

import math

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import trace
from minigrad.kernels import chunking
from minigrad.kernels.conv import ChunkedConvolution
from minigrad.ops.conv import Convolution
from test_conv import conv_cases, conv_with
from test_pooling import pool_cases, tied_values

kernels = minigrad.backends.kernels

RTOL = 1e-12
SEEDS = st.integers(0, 2**16)
THREADS = st.sampled_from([1, 2, 4])
#: bytes per chunk: 1 puts every sample (or plane) in its own chunk, 4 KiB a few together,
#: None the kernel's own default (these small inputs: one chunk)
CHUNK_BYTES = st.sampled_from([1, 4096, None])


def examples(fraction):
    """The loaded hypothesis profile (``conftest.py``: ci, dev or thorough), with ``fraction`` of
    its examples: each example here runs an op twice, forward and backward."""
    return settings(settings.default, deadline=None, max_examples=max(5, round(settings.default.max_examples * fraction)))


def run(fn, arrays, requires_grad, seed):
    """fn(*tensors) forward, then backward under a random upstream gradient.

    → (output arrays, each input's gradient or None, the names of the classes that ran)."""
    tensors = [minigrad.tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad)]
    outputs = fn(*tensors)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    out = outputs[0]
    with trace() as tr:
        if out.requires_grad:
            upstream = np.random.default_rng(seed).standard_normal(tuple(out.shape))
            out.backward(minigrad.tensor(upstream))
    ran = {step.ran for step in tr.steps}
    if out.grad_fn is not None:
        ran.add(type(out.grad_fn).__name__)
    grads = [None if t.grad is None else t.grad.numpy() for t in tensors]
    return [o.detach().numpy() for o in outputs], grads, ran


def assert_same(actual, expected, what):
    """Equal to rtol 1e-12, NaN for NaN and ∞ for ∞. An element that cancels to about zero has
    no relative accuracy in either order of summation: it is held to 1e-12 of the largest."""
    assert actual.shape == expected.shape and actual.dtype == expected.dtype, (
        f"{what}: {actual.shape} {actual.dtype} != textbook's {expected.shape} {expected.dtype}")
    finite = np.abs(expected[np.isfinite(expected)]) if expected.dtype.kind == "f" else np.abs(expected)
    scale = float(finite.max()) if finite.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=RTOL * scale, equal_nan=True, err_msg=what)


def check_kernel(textbook_fn, kernel_fn, arrays, textbook, kernel, chunk_bytes, num_threads, seed, requires_grad=None):
    """Run ``textbook_fn`` with kernels off and ``kernel_fn`` with kernels on (at this chunk size
    and thread count, for forward and backward alike); compare everything they return."""
    requires_grad = requires_grad or [True] * len(arrays)
    with kernels.flags(enabled=False):
        expected_outputs, expected_grads, ran = run(textbook_fn, arrays, requires_grad, seed)
    assert textbook in ran and kernel not in ran or not any(requires_grad), ran  # no graph: no classes to see
    with kernels.flags(enabled=True, chunk_bytes=chunk_bytes, num_threads=num_threads):
        outputs, grads, ran = run(kernel_fn, arrays, requires_grad, seed)
    assert kernel in ran and textbook not in ran or not any(requires_grad), ran

    for i, (a, e) in enumerate(zip(outputs, expected_outputs)):
        assert_same(a, e, f"output {i}")
    for i, (a, e) in enumerate(zip(grads, expected_grads)):
        assert (a is None) == (e is None), f"gradient of input {i}: {a is None=} but textbook's {e is None=}"
        if e is not None:
            assert_same(a, e, f"gradient of input {i}")


# -- conv2d --------------------------------------------------------------------------------------

class OverlapAddEverywhere(ChunkedConvolution):
    few_input_channels = 10**6  # every input: channels first, ∂L/∂x by overlap-add


class TransposedConvEverywhere(ChunkedConvolution):
    few_input_channels = 0  # every input: channels last, ∂L/∂x by the transposed convolution


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # numpy's, on ∞ · 0 and NaN
@pytest.mark.parametrize("route", [OverlapAddEverywhere, TransposedConvEverywhere], ids=["overlap-add", "transposed conv"])
@examples(1)
@given(conv_cases(max_channels_per_group=10, max_kernel=4), st.sampled_from([None, 1, 2, 3, 5]), SEEDS,
       st.lists(st.booleans(), min_size=3, max_size=3), st.booleans(), CHUNK_BYTES, THREADS)
def test_conv2d(route, case, batch, seed, needs_grad, non_finite_weights, chunk_bytes, num_threads):
    """Batches of up to 5 samples (None: one unbatched image); any of x, w, b requiring grad;
    sometimes an ∞ and a NaN among the weights (the transposed route then adds by overlap)."""
    x_shape, w_shape, has_bias, options = case
    x_shape = x_shape[-3:] if batch is None else (batch, *x_shape[-3:])
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(x_shape), rng.standard_normal(w_shape)] + ([rng.standard_normal(w_shape[0])] if has_bias else [])
    if non_finite_weights:
        arrays[1].reshape(-1)[rng.integers(0, arrays[1].size, 2)] = np.inf, np.nan
    requires_grad = needs_grad[: len(arrays)]
    if not any(requires_grad):
        requires_grad[0] = True
    check_kernel(conv_with(Convolution, options), conv_with(route, options), arrays, "Convolution", route.__name__,
                 chunk_bytes, num_threads, seed, requires_grad)


def test_conv2d_through_functional_runs_the_kernel_or_the_textbook_op():
    """F.conv2d picks the class by the switch (the test above calls each class directly)."""
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((3, 4, 7, 6)), rng.standard_normal((6, 2, 3, 3)), rng.standard_normal(6)]
    conv = lambda *t: F.conv2d(*t, stride=(2, 1), padding=1, groups=2)  # noqa: E731
    check_kernel(conv, conv, arrays, "Convolution", "ChunkedConvolution", 1, 2, 0)


# -- max_pool2d ----------------------------------------------------------------------------------

@examples(1)
@given(pool_cases(), st.sampled_from([None, 1, 2, 3, 5]), SEEDS, st.integers(0, 4), st.booleans(), st.booleans(), CHUNK_BYTES, THREADS)
def test_max_pool2d(case, batch, seed, specials, return_indices, requires_grad, chunk_bytes, num_threads):
    """Values from a few integers (ties in most windows), with up to two NaNs and ±∞; the indices
    of return_indices equal exactly. Without requires_grad the kernel looks for no winners
    unless return_indices asks for them."""
    shape, options = case
    shape = shape[-3:] if batch is None else (batch, *shape[-3:])
    x = tied_values(shape, np.float64, seed, specials)

    def pool(t):
        return F.max_pool2d(t, **options, return_indices=return_indices)

    check_kernel(pool, pool, [x], "MaxPool", "ChunkedMaxPool", chunk_bytes, num_threads, seed, [requires_grad])


# -- linear and matmul ---------------------------------------------------------------------------

@st.composite
def product_sizes(draw):
    """(M, K, N) of an (M, K) @ (K, N) product: mostly at least MIN_PARALLEL_MULTIPLY_ADDS
    multiply-adds, so that the kernel splits it among the threads (by rows when M ≥ N, else by
    columns; sizes that do not divide evenly); sometimes smaller, where it runs it whole."""
    size = draw(st.sampled_from(["split", "split", "split", "whole", "tiny"]))
    event(f"{size} product")  # pytest --hypothesis-show-statistics shows how often each was drawn
    if size == "tiny":  # below BLAS_SINGLE_THREADED_BELOW: plain np.matmul
        return draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    low, high = (64, 300) if size == "split" else (16, 100)
    m, n = draw(st.integers(low, high)), draw(st.integers(low, high))
    target = chunking.MIN_PARALLEL_MULTIPLY_ADDS if size == "split" else chunking.BLAS_SINGLE_THREADED_BELOW
    k = math.ceil(target / (m * n)) + draw(st.integers(0, 7))
    if size == "whole":
        k = min(k, (chunking.MIN_PARALLEL_MULTIPLY_ADDS - 1) // (m * n))
    return m, k, n


def matrices(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


@examples(0.5)
@given(product_sizes(), st.booleans(), st.booleans(), SEEDS, THREADS)
def test_linear(sizes, has_bias, batch_axis, seed, num_threads):
    """x (M, K) or (2, M/2, K), weight (N, K), bias (N,): forward x Wᵀ, and both backward
    products, G W and Gᵀ X, have M·K·N multiply-adds."""
    m, k, n = sizes
    x_shape = (2, m // 2, k) if batch_axis and m % 2 == 0 else (m, k)
    arrays = matrices(seed, x_shape, (n, k), *[(n,)] * has_bias)
    check_kernel(F.linear, F.linear, arrays, "Linear", "ThreadedLinear", None, num_threads, seed)


@examples(0.5)
@given(product_sizes(), SEEDS, THREADS)
def test_matmul(sizes, seed, num_threads):
    """a (M, K) @ b (K, N); backward grad bᵀ and aᵀ grad, each M·K·N multiply-adds too."""
    m, k, n = sizes
    check_kernel(lambda a, b: a @ b, lambda a, b: a @ b, matrices(seed, (m, k), (k, n)), "MatMul", "ThreadedMatMul",
                 None, num_threads, seed)


@pytest.mark.parametrize("m, n", [(300, 70), (70, 300)], ids=["by rows", "by columns"])
def test_large_products_are_really_split(monkeypatch, m, n):
    """The sizes above do reach the threaded path: each product of matmul's forward and backward
    is cut into one range per thread."""
    calls = []
    real_parallel_map = chunking.parallel_map
    monkeypatch.setattr(chunking, "parallel_map", lambda work, ranges, **kw: calls.append(ranges) or real_parallel_map(work, ranges, **kw))
    k = math.ceil(chunking.MIN_PARALLEL_MULTIPLY_ADDS / (m * n))
    a, b = (minigrad.tensor(v, requires_grad=True) for v in matrices(0, (m, k), (k, n)))
    with kernels.flags(enabled=True, num_threads=4):
        (a @ b).backward(minigrad.ones(m, n))
    assert [len(ranges) for ranges in calls] == [4, 4, 4]


def test_outer_products_are_elementwise_with_torchs_signed_zeros():
    """K = 1 (a linear layer's ∂L/∂W at batch 1, a column times a row): the kernel multiplies
    elementwise instead of numpy's matmul loop (which does not use BLAS for K = 1). Each entry is
    one product either way, so values are exact, and −1 · 0 stays −0.0 as in torch."""
    import torch

    x, weight, grad = [[0.0, 2.0]], [[1.0, 2.0], [3.0, 4.0]], [[-1.0, 1.0]]
    grads = []
    with kernels.flags(enabled=True):
        for lib in (minigrad, torch):
            w = lib.tensor(weight, requires_grad=True)
            lib.nn.functional.linear(lib.tensor(x), w).backward(lib.tensor(grad))
            grads.append(w.grad.numpy())
        column, row = [[-1.0], [2.0]], [[0.0, 3.0]]
        grads += [(minigrad.tensor(column) @ minigrad.tensor(row)).numpy(), torch.mm(torch.tensor(column), torch.tensor(row)).numpy()]
    for ours, torchs in (grads[:2], grads[2:]):
        np.testing.assert_array_equal(ours, torchs)
        np.testing.assert_array_equal(np.signbit(ours), np.signbit(torchs))
