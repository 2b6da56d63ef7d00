"""minigrad/kernels/chunking.py: the batch split into consecutive chunks, run on all threads, and
per-thread reusable buffers."""

import threading

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

import minigrad
import minigrad.nn.functional as F
from minigrad.kernels import chunking


@pytest.fixture
def threads():
    """Set minigrad's thread count inside a test; the original count comes back after it."""
    original = minigrad.get_num_threads()
    yield minigrad.set_num_threads
    minigrad.set_num_threads(original)


@given(st.integers(0, 200), st.integers(-2, 50))
def test_chunk_ranges_cover_the_batch_once_in_order(total, per_chunk):
    ranges = chunking.chunk_ranges(total, per_chunk)
    covered = [i for start, stop in ranges for i in range(start, stop)]
    assert covered == list(range(total))
    assert all(0 < stop - start <= max(1, per_chunk) for start, stop in ranges)
    sizes = [stop - start for start, stop in ranges]
    assert not sizes or max(sizes) - min(sizes) <= 1  # even: no thread waits on one big last chunk


@given(st.integers(1, 100), st.integers(1, 30), st.integers(1, 4))
def test_chunk_count_is_a_multiple_of_the_thread_count(total, per_chunk, count):
    original = minigrad.get_num_threads()
    minigrad.set_num_threads(count)
    try:
        ranges = chunking.chunk_ranges(total, per_chunk)
    finally:
        minigrad.set_num_threads(original)
    assert len(ranges) == 1 if total <= per_chunk else len(ranges) % min(count, total) == 0 or len(ranges) == total


def test_parallel_map_returns_results_in_order_and_uses_the_threads(threads):
    threads(2)
    ran_on = set()

    def work(start, stop):
        ran_on.add(threading.get_ident())
        np.ones((300, 300), np.float32) @ np.ones((300, 300), np.float32)  # long enough for both to start
        return (start, stop)

    ranges = [(k, k + 1) for k in range(16)]
    assert chunking.parallel_map(work, ranges) == ranges
    assert len(ran_on) == 2


def test_parallel_map_raises_a_workers_error_and_restores_blas(threads):
    threads(2)
    blas_threads = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    def work(start, stop):
        if start == 3:
            raise ValueError("chunk 3 failed")
        return start

    with pytest.raises(ValueError, match="chunk 3 failed"):
        chunking.parallel_map(work, [(k, k + 1) for k in range(8)])
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == blas_threads


@pytest.mark.parametrize("count", [0, -1, 1.5, True])
def test_set_num_threads_rejects_what_torch_rejects(count):
    with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
        minigrad.set_num_threads(count)
    if not isinstance(count, (bool, float)):
        with pytest.raises(RuntimeError, match="set_num_threads expects a positive integer"):
            torch.set_num_threads(count)


def test_conv_and_pool_agree_across_thread_counts_and_repeat_bit_for_bit(threads):
    """One thread and two compute the same sums (up to float rounding: the chunks differ), and
    the same thread count gives the same bits every time (chunk terms are added in order)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 3, 12, 12)).astype(np.float32)
    w = rng.standard_normal((4, 3, 5, 5)).astype(np.float32)

    def run():
        xt, wt = minigrad.tensor(x, requires_grad=True), minigrad.tensor(w, requires_grad=True)
        out = F.max_pool2d(F.conv2d(xt, wt, padding=2), 2)
        out.backward(minigrad.ones_like(out))
        return [out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()]

    threads(1)
    single = run()
    threads(2)
    first, second = run(), run()
    for a, b, c in zip(single, first, second):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
        np.testing.assert_array_equal(b, c)


def test_scratch_reuses_one_buffer_per_name_and_dtype():
    a = chunking.scratch("test.a", (4, 5), np.float32)
    a[...] = 7
    smaller = chunking.scratch("test.a", (2, 3), np.float32)
    assert smaller.shape == (2, 3) and np.shares_memory(a, smaller)
    assert not np.shares_memory(a, chunking.scratch("test.a", (4, 5), np.float64))
    assert not np.shares_memory(a, chunking.scratch("test.b", (4, 5), np.float32))
    bigger = chunking.scratch("test.a", (10, 10), np.float32)  # grows: a new buffer
    assert bigger.shape == (10, 10) and not np.shares_memory(a, bigger)


def test_scratch_buffers_are_private_to_each_thread():
    here = chunking.scratch("test.thread", (8,), np.float64)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(chunking.scratch("test.thread", (8,), np.float64)))
    worker.start()
    worker.join()
    assert not np.shares_memory(here, seen[0])


@pytest.mark.parametrize("shape", [(3, 4, 5), (600, 300, 40), (40, 300, 600), (0, 3, 2), (2000, 1, 2000)])
def test_matmul_split_among_threads_equals_one_product(threads, shape):
    threads(2)
    m, k, n = shape
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)), rng.standard_normal((k, n))
    np.testing.assert_allclose(chunking.matmul(a, b), a @ b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(chunking.matmul(b.T, a.T), (a @ b).T, rtol=1e-12, atol=1e-12)  # strided operands


def test_blas_runs_on_one_thread_inside_minigrads_products_and_is_restored_after(threads):
    threads(2)

    def blas_threads():
        return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

    before, seen = blas_threads(), []
    with chunking.blas_on_one_thread:
        with chunking.blas_on_one_thread:  # nested: one limit
            seen.append(blas_threads())
        seen.append(blas_threads())
    chunking.parallel_map(lambda start, stop: seen.append(blas_threads()), [(0, 1), (1, 2)])
    assert all(counts == [1] * len(before) for counts in seen)
    assert blas_threads() == before


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_child_runs_chunks_on_new_threads(threads):
    import multiprocessing

    threads(2)
    x = minigrad.randn(8, 3, 12, 12)
    w = minigrad.randn(4, 3, 5, 5)
    with minigrad.backends.kernels.flags(enabled=True, chunk_bytes=1):  # every sample its own chunk, in the child too
        expected = F.conv2d(x, w).numpy()  # the parent's helper threads exist now
        context = multiprocessing.get_context("fork")
        with context.Pool(1) as pool:
            result = pool.apply_async(_conv_in_child, (x.numpy(), w.numpy())).get(timeout=60)
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


def _conv_in_child(x, w):
    return F.conv2d(minigrad.tensor(x), minigrad.tensor(w)).numpy()
