"""One library alone in a fresh process: the child that compare.py starts for its headline table.

A user compares against torch as it comes: its own process, its own defaults. So this script
imports ONLY the library it measures (``--lib torch`` never imports minigrad, and the reverse),
changes nothing in it but its thread count (``set_num_threads(N)``; and the default dtype for a
float64 run), and sets no environment variable: it inherits compare.py's environment unchanged.
Whatever else happens in the process is the library's own doing, as it would be in a user's.

    --work sgd-step   one training step of the tutorial CNN (zero_grad, forward,
                      CrossEntropyLoss, backward, SGD step) on one batch, over and over
    --work op-chain   the engine's own cost: a chain of --ops elementwise ops (y·a, y+b,
                      alternately) on 10-element tensors, forward and backward

It warms up (--warmup steps, untimed), then times each of --steps steps (by default as many as
fill --seconds) and prints one line of JSON: every step's seconds, the first step's result
(the loss, or x's gradient) so that compare.py can check both libraries computed the same
numbers, the resident set after the imports and at its peak (Linux's VmHWM), and what the
process looked like: versions, thread counts, the environment variables that steer BLAS,
OpenMP and malloc, and which of the two libraries (and threadpoolctl) it had imported.

    python benchmarks/one_library.py --lib torch --work sgd-step --batch 64 --threads 2
    python benchmarks/one_library.py --lib minigrad --work op-chain --threads 2
"""

import argparse
import importlib
import json
import math
import os
import sys
import threading
import time

#: environment variables that change how torch, numpy's BLAS, OpenMP or malloc behave: reported
#: as the process got them (before any import below) and as it ends (a library may set some)
STEERING_PREFIXES = ("OMP_", "GOMP_", "KMP_", "OPENBLAS_", "GOTO", "MKL_", "BLIS_", "VECLIB_", "DNNL_", "ONEDNN_",
                     "ATEN_", "TORCH_", "PYTORCH_", "MALLOC_", "GLIBC_TUNABLES", "LD_PRELOAD", "MINIGRAD_")


def steering_environment():
    return {name: value for name, value in sorted(os.environ.items()) if name.startswith(STEERING_PREFIXES)}


INHERITED_ENVIRONMENT = steering_environment()

import numpy as np  # noqa: E402

# tutorial_cnn (beside this file) imports numpy and the network's definition, never a library
from tutorial_cnn import LEARNING_RATE, load_same_weights, random_batch, sgd_step, tutorial_cnn  # noqa: E402


def process_status_mib(field):
    """A memory figure of this process from Linux's /proc/self/status, in MiB.

    VmRSS is the resident set now; VmHWM its peak so far ("high water mark"). Not
    ``resource.getrusage().ru_maxrss``: Linux carries that over from the parent across
    fork + exec, so a child started by a big parent would report the parent's size.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # the file gives kB
    except OSError:
        pass
    return None  # not Linux: no memory figures


# -- the work: each builder returns step(), which does the work once and returns its result -------


def build_sgd_step(lib, batch, dtype):
    """The tutorial CNN, loaded with the same weights in either library; one SGD step per call."""
    model = load_same_weights(lib, tutorial_cnn(lib.nn), seed=0, dtype=dtype)
    optimizer = lib.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    images, labels = random_batch(batch, seed=1, dtype=dtype)
    images, labels = lib.tensor(images), lib.tensor(labels)

    def step():
        return [sgd_step(lib, model, optimizer, images, labels).item()]  # .item(): the step is finished

    return step


def build_op_chain(lib, ops, dtype):
    """x → x·a → x·a+b → x·a+b·a → ... (``ops`` recorded ops), then backward from the end.

    a is close to 1 (a^500 stays near 1) and b small, so values stay ordinary; neither needs a
    gradient, so each op records one node with one input to backpropagate through. The upstream
    gradient is a tensor of ones given to backward(), so the count stays exactly ``ops``.
    """
    rng = np.random.default_rng(5)
    x = lib.tensor(rng.standard_normal(10).astype(dtype), requires_grad=True)
    a = lib.tensor(rng.uniform(0.999, 1.001, 10).astype(dtype))
    b = lib.tensor(0.01 * rng.standard_normal(10).astype(dtype))
    ones = lib.tensor(np.ones(10, dtype))

    def step():
        x.grad = None
        y = x
        for i in range(ops):
            y = y * a if i % 2 == 0 else y + b
        y.backward(ones)
        return x.grad.tolist()

    return step


def time_steps(step, warmup, steps, seconds, min_steps=10):
    """Warm up, then time each step. ``steps`` None: as many as fill ``seconds`` (at least ``min_steps``)."""
    first = step()  # the first call is also the one whose result is compared
    warmup_seconds = []
    for _ in range(warmup - 1):
        start = time.perf_counter()
        step()
        warmup_seconds.append(time.perf_counter() - start)
    if steps is None:
        typical = sorted(warmup_seconds)[len(warmup_seconds) // 2] if warmup_seconds else seconds
        steps = max(min_steps, math.ceil(seconds / max(typical, 1e-9)))
    timed = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        timed.append(time.perf_counter() - start)
    return first, timed


def library_facts(lib):
    """What the library runs with, read after the work (minigrad makes its threads on first use)."""
    facts = dict(version=lib.__version__, num_threads=lib.get_num_threads())
    if lib.__name__ == "torch":
        facts["num_interop_threads"] = lib.get_num_interop_threads()
        facts["parallel_backend"] = next((line.split(":", 1)[1].strip() for line in lib.__config__.parallel_info().splitlines()
                                          if line.startswith("ATen parallel backend")), None)
    if "threadpoolctl" in sys.modules:  # only if the library imported it itself (minigrad does)
        facts["threadpools"] = [dict(api=pool["internal_api"], threads=pool["num_threads"])
                                for pool in sys.modules["threadpoolctl"].threadpool_info()]
    facts["python_threads"] = sorted(thread.name for thread in threading.enumerate())
    return facts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=["minigrad", "torch"], required=True)
    parser.add_argument("--work", choices=["sgd-step", "op-chain"], default="sgd-step")
    parser.add_argument("--batch", type=int, default=64, help="sgd-step: images per batch")
    parser.add_argument("--ops", type=int, default=1000, help="op-chain: ops in the chain")
    parser.add_argument("--threads", type=int, default=None, help="set_num_threads(N) (default: the library's own)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (at least 1)")
    parser.add_argument("--steps", type=int, default=None, help="timed steps (default: as many as fill --seconds)")
    parser.add_argument("--seconds", type=float, default=2.0, help="timing to aim for when --steps is not given")
    args = parser.parse_args()

    lib = importlib.import_module(args.lib)  # the one library this process ever imports
    if args.threads is not None:
        lib.set_num_threads(args.threads)
    if args.dtype != "float32":  # float32 is both libraries' default: nothing to set
        lib.set_default_dtype(getattr(lib, args.dtype))
    baseline = process_status_mib("VmRSS")

    dtype = np.dtype(args.dtype)
    if args.work == "sgd-step":
        step = build_sgd_step(lib, args.batch, dtype)
    else:
        step = build_op_chain(lib, args.ops, dtype)
    first, timed = time_steps(step, max(1, args.warmup), args.steps, args.seconds)

    report = dict(
        lib=args.lib, work=args.work, batch=args.batch if args.work == "sgd-step" else None,
        ops=args.ops if args.work == "op-chain" else None, dtype=args.dtype, warmup=max(1, args.warmup),
        step_seconds=timed, first_result=first,
        baseline_rss_mib=baseline, peak_rss_mib=process_status_mib("VmHWM"),
        library=library_facts(lib),
        imported={name: name in sys.modules for name in ("minigrad", "torch", "threadpoolctl")},
        load_average=[round(load, 1) for load in os.getloadavg()],  # other work on the machine: noisier figures
        inherited_environment=INHERITED_ENVIRONMENT,
        environment=steering_environment(),
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
