"""Working through a batch a few samples at a time, in buffers that are reused across calls.

conv2d's im2col matrix for a whole batch is tens of MB (50 MB for the tutorial's second conv at
batch 64). Built for a few samples at a time instead, it stays in the CPU's cache between being
written and being multiplied, and one buffer serves every call: a fresh allocation that large
is handed out by the OS page by page and costs milliseconds to touch, every time. Peak memory
stays small too. Matrix products still run on all of BLAS's threads.

    chunk_ranges(total, per_chunk)     [(0, k), (k, 2k), ...]
    scratch(name, shape, dtype)        a buffer reused by later calls with the same name

(Running chunks on Python threads was measured and dropped: numpy holds the GIL while it copies
arrays whose innermost axis is short, as im2col's is, so the threads mostly waited on each other.)
"""

import math
import threading

import numpy as np

_local = threading.local()  # one set of buffers per thread, so threads never share one


def chunk_ranges(total, per_chunk):
    """Split ``range(total)`` into consecutive (start, stop) pieces of ``per_chunk`` items."""
    per_chunk = max(1, int(per_chunk))
    return [(start, min(start + per_chunk, total)) for start in range(0, total, per_chunk)]


def scratch(name, shape, dtype):
    """A buffer of ``shape``, reused by later calls with the same ``name`` and dtype.

    Its contents are whatever the last user left: callers overwrite what they read. A result
    that outlives the call must be copied out of it."""
    size = math.prod(shape)
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    key = (name, dtype)
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = np.empty(size, dtype)
    return flat[:size].reshape(shape)
