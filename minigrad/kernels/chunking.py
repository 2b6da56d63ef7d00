"""Working through a batch a few samples at a time, on all cores, in buffers reused across calls.

conv2d's im2col matrix for a whole batch is tens of MB (50 MB for the tutorial's second conv at
batch 64). Built for a few samples at a time instead, it stays in the CPU's cache between being
written and being multiplied, and one buffer serves every call: a fresh allocation that large
is handed out by the OS page by page and costs milliseconds to touch, every time. Peak memory
stays small too.

The chunks are independent, so they are shared out among ``get_num_threads()`` threads. numpy
lets go of Python's lock (the GIL) inside its copies and BLAS calls, which is where the time
goes, so the threads really run side by side: im2col's copies, which BLAS's own threads never
shared, now run on every core. Each thread runs its matrix products on ONE BLAS thread (see
``_BlasOnOneThread`` for why BLAS's own threads must stay asleep). Limiting BLAS needs
threadpoolctl; without it chunks run one after another on the calling thread, and products on
BLAS's threads.

    chunk_ranges(total, per_chunk)      [(0, k), (k, 2k), ...]: at most per_chunk items each;
                                        one chunk, or a multiple of the thread count
    parallel_map(work, ranges)          [work(start, stop) for each range], on all threads
    matmul(a, b)                        a 2-D matrix product, split among the threads
    blas_on_one_thread                  a context: BLAS single-threaded (minigrad's products all are)
    scratch(name, shape, dtype)         a buffer reused by later calls with the same name
    set_num_threads(n), get_num_threads()   as torch's (exported as minigrad.set_num_threads)
"""

import contextlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

_local = threading.local()  # per thread: its scratch buffers, and whether it is a chunk worker


def _default_threads():
    """The cores this process may run on (torch, too, starts with one thread per core)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


_num_threads = _default_threads()
_workers = None  # the ThreadPoolExecutor of the helper threads, made on first use
_blas = None  # threadpoolctl's controller of numpy's BLAS: False when threadpoolctl is missing


def set_num_threads(count):
    """Use ``count`` threads for chunked ops (conv2d, max_pool2d), and BLAS outside them."""
    if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {count!r}")
    global _num_threads, _workers
    _num_threads = count
    if _workers is not None:
        _workers.shutdown(wait=True)
        _workers = None
    if _blas_controller():
        _blas_controller().limit(limits=count, user_api="blas")


def get_num_threads():
    """How many threads chunked ops run on."""
    return _num_threads


def _blas_controller():
    """threadpoolctl's handle on numpy's BLAS, or None when threadpoolctl is not installed."""
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _blas = False
        else:
            _blas = ThreadpoolController().select(user_api="blas")
    return _blas or None


def chunk_ranges(total, per_chunk):
    """Split ``range(total)`` into consecutive (start, stop) pieces of at most ``per_chunk`` items.

    Work that fits in one chunk stays one chunk (handing it to another thread costs more than
    it saves). Otherwise the number of pieces is rounded up to a multiple of the thread count,
    and the pieces are as even as can be, so that no thread idles while another finishes a
    last, lone chunk."""
    if total <= 0:
        return []
    count = math.ceil(total / max(1, int(per_chunk)))
    if count > 1:
        threads = min(_num_threads, total)
        count = min(total, math.ceil(count / threads) * threads)
    bounds = [total * k // count for k in range(count + 1)]  # even split: sizes differ by ≤ 1
    return list(zip(bounds[:-1], bounds[1:]))


def parallel_map(work, ranges, uses_blas=True):
    """``[work(start, stop) for start, stop in ranges]``, the ranges shared out among the threads.

    Each thread takes the next range as soon as it is free; results come back in ``ranges``'
    order, so sums over them are the same, bit for bit, whatever the threads' timing. ``work``
    must write only to its own part of any shared output. If it ``uses_blas``, BLAS runs on one
    thread meanwhile."""
    threads = min(_num_threads, len(ranges))
    if threads <= 1 or getattr(_local, "is_worker", False) or not _blas_controller():
        with blas_on_one_thread if uses_blas else _nothing:
            return [work(start, stop) for start, stop in ranges]

    results = [None] * len(ranges)
    todo = iter(list(enumerate(ranges)))  # shared: next() on a list iterator is atomic under the GIL

    def drain():
        _local.is_worker = True
        try:
            for index, (start, stop) in todo:
                results[index] = work(start, stop)
        except BaseException:  # an error (or Ctrl-C): the other threads take no further ranges
            for _ in todo:
                pass
            raise
        finally:
            _local.is_worker = False

    with blas_on_one_thread if uses_blas else _nothing:
        helpers = [_helper_threads().submit(drain) for _ in range(threads - 1)]
        try:
            drain()  # the calling thread works too
        finally:
            wait(helpers)
    for helper in helpers:
        helper.result()  # re-raises a helper's exception here
    return results


#: below this many multiply-adds a product runs whole on one thread: splitting costs more
MIN_PARALLEL_MULTIPLY_ADDS = 2**24
#: OpenBLAS itself runs products smaller than this (M·N·K < 65536·4) on one thread
BLAS_SINGLE_THREADED_BELOW = 2**18


def matmul(a, b):
    """``a @ b`` for 2-D a (M, K) and b (K, N): its rows (or its columns, when N > M) split among
    the threads when the product is large enough to be worth it."""
    if a.shape[1] == 1:  # K = 1: the outer product a[i]·b[j] (a linear layer's ∂L/∂W at batch 1).
        # numpy's matmul does not hand K = 1 to BLAS: its own loop took 68 µs for 64×1×1024,
        # the elementwise products 20 µs. Each entry is one product either way.
        return np.multiply(a, b)
    multiply_adds = a.shape[0] * a.shape[1] * b.shape[1]
    if multiply_adds < BLAS_SINGLE_THREADED_BELOW:  # BLAS runs it on one thread anyway
        return np.matmul(a, b)
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    by_rows = a.shape[0] >= b.shape[1]
    length = out.shape[0] if by_rows else out.shape[1]
    if multiply_adds < MIN_PARALLEL_MULTIPLY_ADDS:
        ranges = [(0, length)]
    else:
        ranges = chunk_ranges(length, math.ceil(length / _num_threads))

    def product(start, stop):
        if by_rows:  # out[r0:r1] = a[r0:r1] @ b
            np.matmul(a[start:stop], b, out=out[start:stop])
        else:  # out[:, c0:c1] = a @ b[:, c0:c1]
            np.matmul(a, b[:, start:stop], out=out[:, start:stop])

    parallel_map(product, ranges)
    return out


class _BlasOnOneThread:
    """While inside, numpy's BLAS runs on one thread (minigrad's own threads do the splitting).

    A multi-threaded BLAS call leaves OpenBLAS's worker threads busy-waiting for the next one
    for a long while (~0.1 s); meanwhile they take a core from minigrad's chunk threads: one
    2-thread product per step (a linear layer's) made the tutorial CNN's step 1.6× slower. So
    minigrad's products never wake them. Nested and concurrent uses share one limit: the first
    to enter sets it, the last to leave restores BLAS's count."""

    def __init__(self):
        self.lock, self.depth, self.saved = threading.Lock(), 0, None

    def __enter__(self):
        with self.lock:
            self.depth += 1
            if self.depth == 1 and _blas_controller():
                # threadpoolctl's controller of each BLAS library numpy loaded: direct calls into
                # the library, about a microsecond each (its limit() context costs ~30 µs)
                libraries = _blas_controller().lib_controllers
                self.saved = [(library, library.get_num_threads()) for library in libraries]
                for library in libraries:
                    library.set_num_threads(1)

    def __exit__(self, *exc):
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.saved is not None:
                for library, count in self.saved:
                    library.set_num_threads(count)
                self.saved = None


blas_on_one_thread = _BlasOnOneThread()  # ``with chunking.blas_on_one_thread: ...``
_nothing = contextlib.nullcontext()


def _helper_threads():
    global _workers, _fork_hook_registered
    if _workers is None:
        if not _fork_hook_registered and hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=_forget_helper_threads)
            _fork_hook_registered = True
        _workers = ThreadPoolExecutor(max_workers=max(1, _num_threads - 1), thread_name_prefix="minigrad")
    return _workers


_fork_hook_registered = False


def _forget_helper_threads():
    """In a forked child the helper threads do not exist: make new ones on first use there."""
    global _workers
    _workers = None


def scratch(name, shape, dtype):
    """A buffer of ``shape``, reused by later calls with the same ``name`` and dtype.

    Its contents are whatever the last user left: callers overwrite what they read. A result
    that outlives the call must be copied out of it. Each thread has its own buffers."""
    size = math.prod(shape)
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    key = (name, dtype)
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = np.empty(size, dtype)
    return flat[:size].reshape(shape)
