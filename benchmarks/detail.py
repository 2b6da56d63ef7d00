"""The per-op detail table: each op of the tutorial CNN, both libraries in ONE process.

compare.py runs this in a child process of its own for the second of its tables. The headline
table (compare.py) times each library alone in a fresh process; this one looks inside the step:
for each conv, pool, linear and loss of the tutorial CNN (and the whole network) at each batch
size, the median milliseconds in minigrad and in torch, their ratio, achieved GFLOP/s (FLOPs
counted analytically) as a fraction of numpy's own matrix-product ceiling measured in this run,
and the largest difference between the two libraries' results on that row.

What the two libraries SHARE here (so read its ratios as a guide to where the time goes, not
as the comparison a user would make; that is the headline table):
  * one process: minigrad's process-wide settings (glibc malloc keeping freed memory, once its
    first kernel runs; see benchmarks/RESULTS.md) apply to torch's allocations too;
  * the spin limits below, set in this process's environment before numpy and torch load;
  * one thread count: ``torch.set_num_threads``, ``minigrad.set_num_threads``, and threadpoolctl's
    limit on numpy's BLAS and on every OpenMP runtime loaded, torch's included;
  * the two cores: warm-up first, then INTERLEAVED repeats (minigrad, torch, minigrad, ...) so a
    burst of load hits both alike, each after a short sleep; the median of the repeats is reported;
  * the same weights, inputs and upstream gradients, and every output and gradient compared, so
    speed is never bought with wrong numbers.

    python benchmarks/detail.py --batch-sizes 64           # the table alone, as markdown
    python benchmarks/detail.py --quick --json out.json
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Optional

# After each call, idle BLAS / OpenMP worker threads busy-wait ("spin") for the next one:
# OpenBLAS's (numpy, so minigrad) for about 0.1 s, torch's OpenMP ones for a few ms. With two
# libraries interleaved in one process, the idle library's spinning threads steal the cores the
# other is being timed on: on 2 cores we measured both libraries 30x and more slower. So the
# spin is capped well under a millisecond, long enough that each library's own back-to-back
# calls still find their workers awake, and each timed repeat starts after a short sleep
# (``SETTLE_SECONDS``) in which the other library's workers go to sleep. These variables are
# read when the libraries load, so they are set before numpy and torch are imported, in this
# process only: compare.py's headline processes, each library alone, never get them.
SPIN_LIMITS = {"OPENBLAS_THREAD_TIMEOUT": "20", "GOMP_SPINCOUNT": "10000"}  # ≈ 2^20 cycles; 10^4 pauses
for variable, value in SPIN_LIMITS.items():
    os.environ.setdefault(variable, value)
SETTLE_SECONDS = 0.002

import numpy as np
import torch
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's root: ``import minigrad``
import minigrad
from tutorial_cnn import LEARNING_RATE, load_same_weights, random_batch, sgd_step, tutorial_cnn
from kernels_alone import kernels_alone_sgd_step

LIBRARIES = {"minigrad": minigrad, "torch": torch}

KERNEL, PADDING = 5, 2  # every conv of the tutorial: 5×5, "same" padding, so H_out = H_in
TUTORIAL_CONVS = [(3, 32, 32), (32, 32, 16), (32, 64, 8)]  # (C_in, C_out, H = W) of each conv
TUTORIAL_LINEARS = [(1024, 64), (64, 10)]  # (in_features, out_features)


@dataclass
class Effort:
    """How long to measure each row."""

    warmup_calls: int  # untimed calls per library before timing (the first one is also checked)
    min_repeats: int
    max_repeats: int
    row_seconds: float  # aim for about this much timing per row, within [min, max] repeats
    repeat_seconds: float  # a repeat loops fast ops until it lasts this long, to be timeable


FULL = Effort(warmup_calls=2, min_repeats=5, max_repeats=40, row_seconds=2.0, repeat_seconds=0.01)
QUICK = Effort(warmup_calls=1, min_repeats=2, max_repeats=2, row_seconds=0.0, repeat_seconds=0.0)


@dataclass
class Case:
    """One row of the speed table: a piece of work written once, for either library.

    ``build(lib)`` gets the ``minigrad`` or ``torch`` module, makes its tensors from the case's
    numpy arrays, and returns ``step``: a zero-argument function that does the work once and
    returns the tensors to compare (outputs and gradients). Only ``step`` is timed.
    """

    name: str
    batch: int
    flops: Optional[float]  # per call, counted analytically; None where no matrix product dominates
    build: Callable


@dataclass
class Row:
    name: str
    batch: int
    minigrad_ms: float
    torch_ms: float
    ratio: float  # minigrad / torch: below 1 means minigrad is faster
    minigrad_gflops: Optional[float]
    torch_gflops: Optional[float]
    fraction_of_ceiling: Optional[float]  # minigrad's GFLOP/s / numpy's matmul GFLOP/s (set by main)
    max_rel_diff: float
    repeats: int


# -- FLOP counts ----------------------------------------------------------------------------------


def conv_flops(batch, c_in, c_out, size):
    """out = conv(x, w): 2·N·C_out·H_out·W_out·C_in·k·k (a multiply and an add per term)."""
    return 2 * batch * c_out * size * size * c_in * KERNEL * KERNEL


def linear_flops(batch, n_in, n_out):
    return 2 * batch * n_in * n_out


def cnn_flops(batch, backward):
    """The tutorial CNN's convs and linears (pooling and the loss are negligible next to them).

    Backward costs one forward for the weight gradients of every layer, and one more for the
    input gradients of every layer but the first (the image needs no gradient).
    """
    sizes = [conv_flops(batch, *conv) for conv in TUTORIAL_CONVS]
    sizes += [linear_flops(batch, *linear) for linear in TUTORIAL_LINEARS]
    forward = sum(sizes)
    if not backward:
        return forward
    weight_gradients, input_gradients = forward, forward - sizes[0]
    return forward + weight_gradients + input_gradients


# -- the cases --------------------------------------------------------------------------------------


def op_case(name, batch, flops, function, inputs, backward, dtype):
    """``function(lib, *tensors)`` on ``inputs`` (numpy arrays), forward only or forward+backward.

    Forward-only runs under ``no_grad`` (inference). Forward+backward makes the float inputs
    require grad and backpropagates a fixed random upstream gradient (not ``.sum()``: a wrong
    transpose in a backward would survive a sum), then returns the output and every gradient.
    """

    def build(lib):
        tensors = [lib.tensor(a, requires_grad=backward and a.dtype.kind == "f") for a in inputs]
        if not backward:

            def forward_step():
                with lib.no_grad():
                    return [function(lib, *tensors)]

            return forward_step

        leaves = [t for t in tensors if t.requires_grad]
        with lib.no_grad():
            out_shape = tuple(function(lib, *tensors).shape)
        upstream = lib.tensor(np.random.default_rng(99).standard_normal(out_shape).astype(dtype))

        def forward_backward_step():
            for leaf in leaves:
                leaf.grad = None
            out = function(lib, *tensors)
            out.backward(upstream)
            return [out] + [leaf.grad for leaf in leaves]

        return forward_backward_step

    return Case(f"{name} {'fwd+bwd' if backward else 'fwd'}", batch, flops, build)


def conv_cases(batch, dtype):
    cases = []
    for c_in, c_out, size in TUTORIAL_CONVS:
        rng = np.random.default_rng(size)
        bound = 1 / math.sqrt(c_in * KERNEL * KERNEL)
        x = rng.standard_normal((batch, c_in, size, size)).astype(dtype)
        weight = rng.uniform(-bound, bound, (c_out, c_in, KERNEL, KERNEL)).astype(dtype)
        bias = rng.uniform(-bound, bound, c_out).astype(dtype)
        name = f"conv2d {c_in}→{c_out} {size}×{size}"
        flops = conv_flops(batch, c_in, c_out, size)

        def conv(lib, x, weight, bias):
            return lib.nn.functional.conv2d(x, weight, bias, padding=PADDING)

        cases.append(op_case(name, batch, flops, conv, [x, weight, bias], backward=False, dtype=dtype))
        cases.append(op_case(name, batch, 3 * flops, conv, [x, weight, bias], backward=True, dtype=dtype))
    return cases


def max_pool_case(batch, dtype):
    """The first (largest) pool of the tutorial: (N, 32, 32, 32) → (N, 32, 16, 16)."""
    x = np.random.default_rng(1).standard_normal((batch, 32, 32, 32)).astype(dtype)

    def pool(lib, x):
        return lib.nn.functional.max_pool2d(x, 2)

    return op_case("max_pool2d 32ch 32×32 k2", batch, None, pool, [x], backward=True, dtype=dtype)


def linear_case(batch, dtype):
    n_in, n_out = TUTORIAL_LINEARS[0]
    rng = np.random.default_rng(2)
    bound = 1 / math.sqrt(n_in)
    x = rng.standard_normal((batch, n_in)).astype(dtype)
    weight = rng.uniform(-bound, bound, (n_out, n_in)).astype(dtype)
    bias = rng.uniform(-bound, bound, n_out).astype(dtype)

    def linear(lib, x, weight, bias):
        return lib.nn.functional.linear(x, weight, bias)

    # backward: input gradient and weight gradient each cost one forward
    flops = 3 * linear_flops(batch, n_in, n_out)
    return op_case(f"linear {n_in}→{n_out}", batch, flops, linear, [x, weight, bias], backward=True, dtype=dtype)


def cross_entropy_case(batch, dtype):
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((batch, 10)).astype(dtype)
    labels = rng.integers(0, 10, batch)

    def cross_entropy(lib, logits, labels):
        return lib.nn.functional.cross_entropy(logits, labels)

    return op_case(f"cross_entropy {batch}×10", batch, None, cross_entropy, [logits, labels], backward=True, dtype=dtype)


def cnn_cases(batch, dtype):
    """The whole tutorial CNN: forward (inference), forward+backward, one full SGD step, and that
    step by minigrad's kernels alone (no engine: what minigrad's numpy work costs by itself)."""
    images, labels = random_batch(batch, seed=1, dtype=dtype)

    def fresh_model(lib):
        return load_same_weights(lib, tutorial_cnn(lib.nn), seed=0, dtype=dtype)

    def build_forward(lib):
        model, x = fresh_model(lib), lib.tensor(images)

        def step():
            with lib.no_grad():
                return [model(x)]

        return step

    def build_forward_backward(lib):
        model, x = fresh_model(lib), lib.tensor(images)
        upstream = lib.tensor(np.random.default_rng(99).standard_normal((batch, 10)).astype(dtype))

        def step():
            model.zero_grad()
            out = model(x)
            out.backward(upstream)
            return [out] + [p.grad for p in model.parameters()]

        return step

    def build_sgd_step(lib):
        model, x, y = fresh_model(lib), lib.tensor(images), lib.tensor(labels)
        optimizer = lib.optim.SGD(model.parameters(), lr=LEARNING_RATE)

        def step():  # the first call is compared: same weights in, same loss and new weights out
            loss = sgd_step(lib, model, optimizer, x, y)
            return [loss] + list(model.parameters())

        return step

    def build_kernels_alone(lib):
        """minigrad: the same step by its kernels alone, no engine (kernels_alone.py); torch: its usual step."""
        if lib is not minigrad:
            return build_sgd_step(lib)
        model = fresh_model(lib)
        kernels_step = kernels_alone_sgd_step(model, images, labels, LEARNING_RATE)

        def step():
            return [lib.tensor(kernels_step())] + list(model.parameters())

        return step

    forward, forward_backward = cnn_flops(batch, backward=False), cnn_flops(batch, backward=True)
    return [
        Case("tutorial CNN fwd", batch, forward, build_forward),
        Case("tutorial CNN fwd+bwd", batch, forward_backward, build_forward_backward),
        Case("tutorial CNN SGD step", batch, forward_backward, build_sgd_step),
        Case("tutorial CNN SGD step, minigrad's kernels alone (no engine)", batch, forward_backward, build_kernels_alone),
    ]


def all_cases(batch, dtype):
    return conv_cases(batch, dtype) + [max_pool_case(batch, dtype), linear_case(batch, dtype), cross_entropy_case(batch, dtype)] + cnn_cases(batch, dtype)


# -- measuring ----------------------------------------------------------------------------------


def seconds_per_call(step, calls):
    time.sleep(SETTLE_SECONDS)  # let the other library's idle workers stop spinning
    start = time.perf_counter()
    for _ in range(calls):
        step()
    return (time.perf_counter() - start) / calls


def as_numpy(tensors):
    return [t.detach().numpy().copy() for t in tensors]


def max_relative_difference(ours, theirs):
    """max |minigrad − torch| / max |torch| over each result array; the largest over the arrays.

    Scaled by each array's largest magnitude, not element by element, so a gradient entry that
    happens to be near zero does not turn float rounding into a huge "relative" error.
    """
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        if a.shape != b.shape:
            return math.inf
        scale = max(float(np.max(np.abs(b), initial=0.0)), np.finfo(b.dtype).tiny)
        worst = max(worst, float(np.max(np.abs(a.astype(np.float64) - b), initial=0.0)) / scale)
    return worst


def measure(case, effort):
    steps = {name: case.build(lib) for name, lib in LIBRARIES.items()}
    first = {name: as_numpy(step()) for name, step in steps.items()}  # the first call: checked
    max_rel_diff = max_relative_difference(first["minigrad"], first["torch"])

    for _ in range(effort.warmup_calls - 1):
        for step in steps.values():
            step()
    single = {name: seconds_per_call(step, 1) for name, step in steps.items()}
    # fast ops are looped inside one repeat so the timer's resolution does not matter
    calls = {name: max(1, math.ceil(effort.repeat_seconds / single[name])) for name in steps}
    seconds_per_repeat = sum(single.values())
    repeats = int(min(max(effort.row_seconds / seconds_per_repeat, effort.min_repeats), effort.max_repeats))

    times = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():  # interleaved: minigrad, torch, minigrad, torch, ...
            times[name].append(seconds_per_call(step, calls[name]))
    minigrad_s, torch_s = statistics.median(times["minigrad"]), statistics.median(times["torch"])

    minigrad_gflops = torch_gflops = None
    if case.flops is not None:
        minigrad_gflops, torch_gflops = case.flops / minigrad_s / 1e9, case.flops / torch_s / 1e9
    return Row(case.name, case.batch, 1e3 * minigrad_s, 1e3 * torch_s, minigrad_s / torch_s,
               minigrad_gflops, torch_gflops, None, max_rel_diff, repeats)


def gemm_ceiling_gflops(dtype, size=1024, repeats=20):
    """numpy's float matrix product on a large square GEMM: what the BLAS reaches on this machine.

    The best of the repeats, not the median: other load on the machine can only lower it, and a
    ceiling measured low would flatter every row's "% of ceiling". ``main`` measures it before
    and after the rows and keeps the higher.
    """
    rng = np.random.default_rng(4)
    a, b = (rng.standard_normal((size, size)).astype(dtype) for _ in range(2))
    np.matmul(a, b)  # warm-up
    seconds = min(seconds_per_call(lambda: np.matmul(a, b), 1) for _ in range(repeats))
    return 2 * size**3 / seconds / 1e9


# -- the tables -------------------------------------------------------------------------------------


def speed_table(batch_sizes, dtype, effort):
    rows = []
    for batch in batch_sizes:
        for case in all_cases(batch, dtype):
            row = measure(case, effort)
            print(f"  measured {row.name} at batch {row.batch} ({row.repeats} repeats)", file=sys.stderr, flush=True)
            rows.append(row)
    return rows


# -- the table -----------------------------------------------------------------------------------


def environment(threads):
    cpu = platform.processor() or "unknown"
    if Path("/proc/cpuinfo").exists():
        names = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
        cpu = names[0] if names else cpu
    blas = [
        f"{pool['internal_api']} {pool.get('version')} ({pool.get('architecture')}, {pool['num_threads']} threads, {Path(pool['filepath']).name})"
        for pool in threadpool_info()
        if pool["user_api"] == "blas"
    ]
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        usable_cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        python=platform.python_version(),
        numpy=np.__version__,
        numpy_blas=blas,
        torch=torch.__version__,
        torch_threads=torch.get_num_threads(),
        minigrad=minigrad.__version__,
        threads=threads,
        spin_limits={variable: os.environ[variable] for variable in SPIN_LIMITS},
        load_average=[round(load, 1) for load in os.getloadavg()],  # other work on the machine makes every number noisier
    )


def optional(value, spec):
    return "—" if value is None else format(value, spec)


def format_speed_table(rows, ceiling_gflops, dtype):
    spin = ", ".join(f"{variable}={os.environ[variable]}" for variable in SPIN_LIMITS)
    lines = [
        f"Both libraries in ONE process, sharing: {torch.get_num_threads()} threads (set_num_threads, threadpoolctl's limit on "
        f"BLAS and OpenMP), {spin}, minigrad's malloc settings, the cores (interleaved repeats).",
        f"numpy {dtype} matmul ceiling (1024×1024×1024, best of 20, before and after the rows): {ceiling_gflops:.1f} GFLOP/s",
        "",
        "| op | batch | minigrad ms | torch ms | minigrad/torch | minigrad GFLOP/s | torch GFLOP/s | minigrad % of ceiling | max rel diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.name} | {r.batch} | {r.minigrad_ms:.3f} | {r.torch_ms:.3f} | {r.ratio:.2f} | {optional(r.minigrad_gflops, '.1f')} "
            f"| {optional(r.torch_gflops, '.1f')} | {optional(r.fraction_of_ceiling, '.0%')} | {r.max_rel_diff:.1e} |"
        )
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny repeat counts (smoke test)")
    parser.add_argument("--batch-sizes", type=lambda s: [int(b) for b in s.split(",")], default=None, help="default 1,64,256 (--quick: 1,4)")
    parser.add_argument("--threads", type=int, default=2, help="threads for torch, minigrad and numpy's BLAS (default 2)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--json", type=Path, help="write every number (and the table as markdown) as JSON here")
    args = parser.parse_args()
    if args.batch_sizes is None:
        args.batch_sizes = [1, 4] if args.quick else [1, 64, 256]
    return args


def run(batch_sizes, threads, dtype, effort):
    """Measure every row; returns a JSON-ready dict with the rows, the ceiling and the table."""
    for lib in LIBRARIES.values():
        lib.set_default_dtype(getattr(lib, dtype))  # modules are built in the benchmark's dtype
    torch.set_num_threads(threads)
    minigrad.set_num_threads(threads)  # its chunk threads (conv2d, max_pool2d)

    with threadpool_limits(limits=threads):
        machine = environment(threads)
        ceiling_before = gemm_ceiling_gflops(dtype)
        rows = speed_table(batch_sizes, dtype, effort)
        ceiling = max(ceiling_before, gemm_ceiling_gflops(dtype))
    for row in rows:
        row.fraction_of_ceiling = None if row.minigrad_gflops is None else row.minigrad_gflops / ceiling
    return dict(environment=machine, gemm_ceiling_gflops=ceiling, rows=[asdict(row) for row in rows],
                markdown=format_speed_table(rows, ceiling, dtype))


def main():
    args = parse_args()
    document = run(args.batch_sizes, args.threads, args.dtype, QUICK if args.quick else FULL)
    document["settings"] = dict(threads=args.threads, dtype=args.dtype, batch_sizes=args.batch_sizes, quick=args.quick)
    if args.json:
        args.json.write_text(json.dumps(document, indent=2))
    else:
        print(document["markdown"])


if __name__ == "__main__":
    main()
