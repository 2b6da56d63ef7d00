"""Fast kernels: the same math as the textbook ops in ``minigrad/ops/``, computed faster.

Nothing here is needed to understand backprop; read ``minigrad/ops/`` for that. Each kernel is
a subclass of its textbook op, with the same grad_fn name and the same results (tested equal in
float64), that differs only in how it computes them:

    kernels/conv.py     ChunkedConvolution   im2col a few samples at a time into reused buffers
                                             that stay in cache, channels-last (channels-first
                                             for inputs with few channels, whose input gradient
                                             is an overlap-add); chunks on all cores
    kernels/pooling.py  ChunkedMaxPool       a running max over strided views of the windows
                                             (no im2col copy), chunks on all cores
    kernels/linear.py   ThreadedLinear,      2-D matrix products split by rows or columns among
                        ThreadedMatMul       minigrad's threads, each on single-threaded BLAS
    kernels/chunking.py                      the thread pool, BLAS thread limits, scratch buffers
    kernels/allocator.py                     glibc's malloc asked to keep freed memory for the
                                             next step; applied on the first kernel call

Switching them off runs the textbook ops everywhere (to step through them in a debugger, or to
compare): set ``MINIGRAD_KERNELS=0`` in the environment, or in code, as torch.backends' flags:

    minigrad.backends.kernels.enabled = False          # from now on
    with minigrad.backends.kernels.flags(enabled=False):   # inside the block only
        ...

``flags`` also takes ``chunk_bytes`` (how much work one chunk holds; by default each kernel's
measured best) and ``num_threads`` (as ``minigrad.set_num_threads``), for tests and experiments.
"""

import contextlib
import os

#: whether ops run their kernels (True) or the textbook classes (False)
enabled = os.environ.get("MINIGRAD_KERNELS", "1") != "0"

#: bytes of work per chunk for every kernel; None: each kernel's own default
chunk_bytes = None

_fast_versions = None  # textbook class → kernel class, filled on first use


def fast_version_of(op):
    """The kernel class for the textbook op ``op`` when kernels are enabled, else ``op`` itself."""
    global _fast_versions
    if not enabled:
        return op
    if _fast_versions is None:
        _fast_versions = _load_kernels()
    return _fast_versions.get(op, op)


def _load_kernels():
    """Import the kernels (on first use, not at ``import minigrad``) and apply the allocator setting."""
    from . import allocator, conv, linear, pooling

    allocator.keep_freed_memory()
    kernel_classes = (conv.ChunkedConvolution, pooling.ChunkedMaxPool, linear.ThreadedLinear, linear.ThreadedMatMul)
    return {kernel.__bases__[0]: kernel for kernel in kernel_classes}


@contextlib.contextmanager
def flags(enabled=None, chunk_bytes=None, num_threads=None):
    """Inside the block: kernels on or off, another chunk size or thread count (None: unchanged)."""
    from . import chunking

    module = globals()
    saved = module["enabled"], module["chunk_bytes"], chunking.get_num_threads()
    try:
        if enabled is not None:
            module["enabled"] = bool(enabled)
        if chunk_bytes is not None:
            module["chunk_bytes"] = int(chunk_bytes)
        if num_threads is not None:
            chunking.set_num_threads(num_threads)
        yield
    finally:
        module["enabled"], module["chunk_bytes"] = saved[:2]
        if num_threads is not None:
            chunking.set_num_threads(saved[2])
