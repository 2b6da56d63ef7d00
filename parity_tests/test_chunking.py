"""minigrad/chunking.py: the batch split into consecutive chunks, and per-thread reusable buffers."""

import threading

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minigrad import chunking


@given(st.integers(0, 200), st.integers(-2, 50))
def test_chunk_ranges_cover_the_batch_once_in_order(total, per_chunk):
    ranges = chunking.chunk_ranges(total, per_chunk)
    covered = [i for start, stop in ranges for i in range(start, stop)]
    assert covered == list(range(total))
    assert all(0 < stop - start <= max(1, per_chunk) for start, stop in ranges)


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
