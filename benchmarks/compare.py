"""minigrad against PyTorch on the CPU, each library timed as its users get it: alone, in a fresh process.

Four tables:

    headline  one SGD step of the tutorial CNN (forward, CrossEntropyLoss, backward, SGD step) at
              each batch size, each library ALONE in a fresh process of its own (one_library.py);
              per library, the median over the rounds and the min–max, and minigrad/torch.
    engine    the engine's own cost per recorded op: a chain of 1,000 elementwise ops on
              10-element tensors, forward and backward, divided by the op count (µs per op),
              each library alone in its own process too.
    memory    the peak resident set of those same training processes, next to their resident
              set after the imports.
    detail    each op of the step, both libraries in ONE process (detail.py): where the time goes.

How the headline stays honest, by construction:
  * this script imports neither library (nor numpy, nor threadpoolctl) and sets no environment
    variable: every child inherits the environment this script was started in, unchanged;
  * torch's process does ``import torch`` and ``torch.set_num_threads(N)``, nothing else: it never
    imports minigrad. minigrad's process does ``import minigrad`` and ``minigrad.set_num_threads(N)``,
    and whatever minigrad itself does in any user's process (benchmarks/RESULTS.md lists it). Each
    child reports its imported modules and its BLAS/OpenMP/malloc environment variables; the
    report shows any variable a library changed inside its own process;
  * rounds alternate: torch, minigrad, torch, minigrad, ... for each workload, so a burst of load on
    the machine hits both; each process warms up, then times many steps, and its figure is the
    median of its steps; the table shows the median of those figures over the rounds, their
    min–max, and the ratio of the medians (with the min–max of each round's own ratio);
  * both start from the same weights and batch, and the first step's loss (the chain's input
    gradient) is compared, so speed is never bought with wrong numbers.

The tables print figures only; the project's goals, and whether they are met, are in
benchmarks/RESULTS.md.

    python benchmarks/compare.py                     # about five minutes on an idle 2-core machine
    python benchmarks/compare.py --quick             # seconds: the smoke test's run
    python benchmarks/compare.py --threads 4 --batch-sizes 1,64 --rounds 9 --json out.json --plot out.png
    python benchmarks/compare.py --markdown benchmarks/RESULTS.md   # rewrites its tables, keeps the rest
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

HERE = Path(__file__).resolve().parent
ONE_LIBRARY = HERE / "one_library.py"  # the fresh child process of one library
DETAIL = HERE / "detail.py"  # the one-process per-op table
LIBRARIES = ("torch", "minigrad")  # the order of each round
CHAIN_OPS = 1000  # the engine workload: ops in the chain


@dataclass
class Effort:
    """How long to measure."""

    rounds: int  # fresh processes per library and workload, alternating
    warmup: int  # untimed steps at the start of each process
    steps: Optional[int]  # timed steps per process; None: as many as fill ``seconds``
    seconds: float  # timing per process when ``steps`` is None


FULL = Effort(rounds=7, warmup=5, steps=None, seconds=2.0)
QUICK = Effort(rounds=2, warmup=1, steps=2, seconds=0.0)


@dataclass
class Workload:
    kind: str  # one_library.py's --work: "sgd-step" or "op-chain"
    batch: Optional[int]  # sgd-step only

    @property
    def label(self):
        return "tutorial CNN SGD step" if self.kind == "sgd-step" else f"engine: {CHAIN_OPS:,}-op chain, fwd+bwd"

    def figure(self, report):
        """A process's figure: the median of its steps, in ms per step (µs per op for the chain)."""
        median = statistics.median(report["step_seconds"])
        return 1e3 * median if self.kind == "sgd-step" else 1e6 * median / CHAIN_OPS


# -- the fresh processes ------------------------------------------------------------------------------


def run_alone(lib, workload, threads, dtype, effort):
    """One fresh process of one library doing one workload; its JSON report."""
    command = [sys.executable, str(ONE_LIBRARY), "--lib", lib, "--work", workload.kind, "--threads", str(threads),
               "--dtype", dtype, "--warmup", str(effort.warmup), "--seconds", str(effort.seconds)]
    if workload.kind == "sgd-step":
        command += ["--batch", str(workload.batch)]
    else:
        command += ["--ops", str(CHAIN_OPS)]
    if effort.steps is not None:
        command += ["--steps", str(effort.steps)]
    start = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)  # env: inherited, unchanged
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stderr}")
    report = json.loads(finished.stdout.strip().splitlines()[-1])
    report["wall_seconds"] = time.perf_counter() - start  # the whole process: start, imports, warm-up, timing
    return report


def max_relative_difference(ours, theirs):
    """max |minigrad − torch| / max |torch| over the first step's results (the loss, or x.grad)."""
    scale = max(max(abs(value) for value in theirs), 1e-30)
    return max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) / scale


def spread(values):
    return dict(median=statistics.median(values), min=min(values), max=max(values), rounds=values)


def headline(workloads, threads, dtype, effort):
    """Every workload, ``effort.rounds`` times: torch's process, then minigrad's, and so on."""
    reports = {(lib, index): [] for lib in LIBRARIES for index in range(len(workloads))}
    in_order = []  # every report, in the order the processes ran
    for round_number in range(effort.rounds):
        for index, workload in enumerate(workloads):
            for lib in LIBRARIES:  # alternating: torch, minigrad, torch, minigrad, ...
                report = dict(run_alone(lib, workload, threads, dtype, effort), round=round_number + 1)
                reports[lib, index].append(report)
                in_order.append(report)
            print(f"  round {round_number + 1}/{effort.rounds}: {workload.label}"
                  f"{'' if workload.batch is None else f' at batch {workload.batch}'}", file=sys.stderr, flush=True)

    rows = []
    for index, workload in enumerate(workloads):
        figures = {lib: [workload.figure(report) for report in reports[lib, index]] for lib in LIBRARIES}
        pairs = list(zip(reports["minigrad", index], reports["torch", index]))
        rows.append(dict(
            workload=workload.kind, label=workload.label, batch=workload.batch,
            unit="ms per step" if workload.kind == "sgd-step" else "µs per op",
            torch=spread(figures["torch"]), minigrad=spread(figures["minigrad"]),
            ratio=statistics.median(figures["minigrad"]) / statistics.median(figures["torch"]),
            round_ratios=[ours / theirs for ours, theirs in zip(figures["minigrad"], figures["torch"])],
            max_rel_diff=max(max_relative_difference(ours["first_result"], theirs["first_result"]) for ours, theirs in pairs),
            steps={lib: [len(report["step_seconds"]) for report in reports[lib, index]] for lib in LIBRARIES},
        ))
    processes = [dict(report, step_seconds=None, median_step_seconds=statistics.median(report["step_seconds"]),
                      steps=len(report["step_seconds"])) for report in in_order]
    return rows, processes


def memory_rows(processes):
    """Peak and after-import resident sets of the training processes (batches above 1), medians over the rounds."""
    rows = []
    batches = sorted({p["batch"] for p in processes if p["work"] == "sgd-step" and p["peak_rss_mib"] is not None})
    for batch in [b for b in batches if b > 1] or batches:  # batch 1 measures the imports more than the training
        row = dict(batch=batch)
        for lib in LIBRARIES:
            runs = [p for p in processes if p["work"] == "sgd-step" and p["batch"] == batch and p["lib"] == lib]
            row[lib] = dict(lib=lib, processes=len(runs),
                            baseline_rss_mib=statistics.median(p["baseline_rss_mib"] for p in runs),
                            peak_rss_mib=statistics.median(p["peak_rss_mib"] for p in runs))
        row["peak_ratio"] = row["minigrad"]["peak_rss_mib"] / row["torch"]["peak_rss_mib"]
        rows.append(row)
    return rows


def changed_environment(processes):
    """Per library: the environment variables its process ended with but did not start with (the library set them)."""
    changed = {lib: {} for lib in LIBRARIES}
    for p in processes:
        start, end = p["inherited_environment"], p["environment"]
        changed[p["lib"]].update({name: end.get(name) for name in start.keys() | end.keys() if start.get(name) != end.get(name)})
    return changed


def run_detail(batch_sizes, threads, dtype, quick):
    """The per-op table, in a child process of its own (both libraries in it)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "detail.json"
        command = [sys.executable, str(DETAIL), "--batch-sizes", ",".join(map(str, batch_sizes)), "--threads", str(threads),
                   "--dtype", dtype, "--json", str(out)] + (["--quick"] if quick else [])
        finished = subprocess.run(command, stdout=subprocess.PIPE, text=True)  # its progress lines go to our stderr
        if finished.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed (its error is above)")
        return json.loads(out.read_text())


# -- printing ------------------------------------------------------------------------------------------


def machine(threads, processes, detail):
    cpu = platform.processor() or "unknown"
    if Path("/proc/cpuinfo").exists():
        names = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
        cpu = names[0] if names else cpu
    facts = dict(
        cpu=cpu,
        cores=os.cpu_count(),
        usable_cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        python=platform.python_version(),
        threads=threads,
    )
    for lib in LIBRARIES:  # as the largest batch's process saw it (minigrad makes helper threads only for big chunks)
        runs = sorted((p for p in processes if p["lib"] == lib), key=lambda p: (p["work"] == "sgd-step", p["batch"] or 0))
        library = runs[-1]["library"] if runs else None
        if library:
            facts[lib] = library["version"]
            facts[f"{lib}_process"] = {key: value for key, value in library.items() if key != "version"}
    if detail:
        facts["numpy"] = detail["environment"]["numpy"]
        facts["numpy_blas"] = detail["environment"]["numpy_blas"]
    # BLAS/OpenMP/malloc variables every process started with (this script's own; none set by it),
    # and those a library set inside its own process
    facts["inherited_environment"] = processes[0]["inherited_environment"] if processes else {}
    facts["set_inside_by_the_library"] = changed_environment(processes)
    return facts


def range_text(summary, spec):
    return f"{summary['min']:{spec}}–{summary['max']:{spec}}"


def format_headline(rows, spec):
    lines = [
        "| workload | batch | torch median | torch min–max | minigrad median | minigrad min–max | minigrad/torch "
        "| per-round ratio min–max | rounds | max rel diff |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratios = dict(min=min(r["round_ratios"]), max=max(r["round_ratios"]))
        lines.append(
            f"| {r['label']} ({r['unit']}) | {'—' if r['batch'] is None else r['batch']} | {r['torch']['median']:{spec}} "
            f"| {range_text(r['torch'], spec)} | {r['minigrad']['median']:{spec}} | {range_text(r['minigrad'], spec)} "
            f"| {r['ratio']:.2f} | {range_text(ratios, '.2f')} | {len(r['round_ratios'])} | {r['max_rel_diff']:.1e} |"
        )
    return "\n".join(lines)


def format_memory_table(rows):
    lines = [
        "| batch | minigrad RSS after imports MiB | minigrad peak MiB | torch RSS after imports MiB | torch peak MiB "
        "| minigrad/torch peak | minigrad/torch (peak − imports) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours, theirs = row["minigrad"], row["torch"]
        growth_ratio = (ours["peak_rss_mib"] - ours["baseline_rss_mib"]) / (theirs["peak_rss_mib"] - theirs["baseline_rss_mib"])
        lines.append(
            f"| {row['batch']} | {ours['baseline_rss_mib']:.0f} | {ours['peak_rss_mib']:.0f} | "
            f"{theirs['baseline_rss_mib']:.0f} | {theirs['peak_rss_mib']:.0f} | {row['peak_ratio']:.2f} | {growth_ratio:.2f} |"
        )
    return "\n".join(lines)


def format_report(rows, memory, detail, rounds):
    steps = [r for r in rows if r["workload"] == "sgd-step"]
    chain = [r for r in rows if r["workload"] == "op-chain"]
    parts = []
    if steps:
        parts += [f"## Headline: one SGD step of the tutorial CNN, each library alone in a fresh process ({rounds} rounds, alternating)",
                  format_headline(steps, ".2f")]
    if chain:
        parts += [f"## The engine's own cost per recorded op (each library alone in a fresh process, {rounds} rounds)",
                  format_headline(chain, ".2f")]
    if memory:
        parts += ["## Peak memory of the training processes above (resident set; medians over the rounds)", format_memory_table(memory)]
    if detail:
        parts += ["## Per-op detail (both libraries in one process: for where the time goes)", detail["markdown"]]
    return "\n\n".join(parts)


HOW_TO_READ = """\
How to read this: the headline and engine tables time each library ALONE, in fresh processes
started by compare.py, alternating torch, minigrad, torch, minigrad, ... (one_library.py). torch's
process imports only torch and calls only ``torch.set_num_threads(N)``; minigrad's imports only
minigrad and calls ``minigrad.set_num_threads(N)``, and runs with whatever minigrad itself changes
in its process (listed below). Neither process gets an environment variable from the benchmark.
Each process warms up, then times many steps; its figure is the median of its steps. "median"
is the median of those figures over the rounds, "min–max" their range; minigrad/torch is the
ratio of the two medians (below 1: minigrad is faster), and "per-round ratio" the range of each
round's own ratio (its two processes ran back to back). Max rel diff compares the first step's
loss (the chain's input gradient) of the two libraries from identical weights and inputs. The
engine row divides the time of a 1,000-op chain (y·a and y+b alternately on 10-element tensors,
then backward) by 1,000. Peak memory is the peak resident set (VmHWM) of the training processes;
"after imports" is their resident set before they build anything (torch's import alone costs
hundreds of MiB), so the last column compares what the training itself costs. The per-op detail
table runs both libraries in one process (detail.py), which shares a thread count, spin limits
and malloc settings between them: read it for where the time goes, not as the comparison. GFLOP/s
there count the convs' and linears' multiply-adds analytically (a backward costs 2× its forward;
the CNN's first conv needs no input gradient); "% of ceiling" divides minigrad's GFLOP/s by numpy's
own 1024³ matmul (its best time) in that process.\
"""


def batch_text(batch):
    return "" if batch is None else f"  (N={batch})"


def plot_ratios(rows, detail, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    bars = [(f"{r['label']}{batch_text(r['batch'])}, alone", r["ratio"], "tab:red") for r in rows]
    if detail:
        bars += [(f"{r['name']}{batch_text(r['batch'])}, one process", r["ratio"], "tab:blue") for r in detail["rows"]]
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(bars) + 1.5))
    ax.barh(range(len(bars)), [ratio for _, ratio, _ in bars], color=[colour for _, _, colour in bars])
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(bars)), [label for label, _, _ in bars], fontsize=7)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda ratio, _: f"{ratio:g}×"))
    ax.set_xlabel("minigrad time / torch time (left of the line: minigrad faster)")
    ax.set_title("minigrad vs PyTorch CPU, median time ratio")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


# -- main -----------------------------------------------------------------------------------------


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny batches, 2 rounds of 2 steps (smoke test)")
    parser.add_argument("--batch-sizes", type=lambda s: [int(b) for b in s.split(",")], default=None, help="default 1,64,256 (--quick: 1,4)")
    parser.add_argument("--threads", type=int, default=2, help="set_num_threads(N) in every process (default 2)")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--rounds", type=int, default=None, help=f"fresh processes per library and workload (default {FULL.rounds}; --quick {QUICK.rounds})")
    parser.add_argument("--steps", type=int, default=None, help=f"timed steps per process (default: as many as fill --seconds; --quick {QUICK.steps})")
    parser.add_argument("--warmup", type=int, default=None, help=f"untimed steps first in each process (default {FULL.warmup})")
    parser.add_argument("--seconds", type=float, default=FULL.seconds, help="timing per process when --steps is not given")
    parser.add_argument("--json", type=Path, help="also write every number as JSON here")
    parser.add_argument("--plot", type=Path, help="also draw the time ratios as a PNG bar chart here")
    parser.add_argument("--markdown", type=Path, help="also write the tables, with this command line, as markdown here "
                        "(an existing file keeps everything below its KEPT_MARK)")
    parser.add_argument("--no-memory", action="store_true", help="leave out the peak-memory table")
    parser.add_argument("--no-detail", action="store_true", help="leave out the one-process per-op table")
    args = parser.parse_args()
    if args.batch_sizes is None:
        args.batch_sizes = [1, 4] if args.quick else [1, 64, 256]
    base = QUICK if args.quick else FULL
    args.effort = Effort(rounds=args.rounds or base.rounds, warmup=args.warmup or base.warmup,
                         steps=args.steps or base.steps, seconds=args.seconds)
    return args


def main():
    args = parse_args()
    started = time.perf_counter()
    load_before = [round(load, 1) for load in os.getloadavg()]
    if load_before[0] >= 0.5:
        print(f"warning: the machine is busy (load average {load_before[0]}): timings will be noisy", file=sys.stderr)

    workloads = [Workload("sgd-step", batch) for batch in args.batch_sizes] + [Workload("op-chain", None)]
    rows, processes = headline(workloads, args.threads, args.dtype, args.effort)
    memory = [] if args.no_memory else memory_rows(processes)
    detail = None if args.no_detail else run_detail(args.batch_sizes, args.threads, args.dtype, args.quick)

    facts = machine(args.threads, processes, detail)
    facts["load_average"] = dict(before=load_before, after=[round(load, 1) for load in os.getloadavg()])
    facts["benchmark_minutes"] = round((time.perf_counter() - started) / 60, 1)
    print("\n".join(f"{key}: {value}" for key, value in facts.items()), flush=True)
    report = format_report(rows, memory, detail, args.effort.rounds)
    print()
    print(report)

    if args.json:
        settings = dict(threads=args.threads, dtype=args.dtype, batch_sizes=args.batch_sizes, quick=args.quick,
                        rounds=args.effort.rounds, warmup=args.effort.warmup, steps=args.effort.steps,
                        seconds=args.effort.seconds, chain_ops=CHAIN_OPS)
        document = dict(environment=facts, settings=settings, headline=rows, memory=memory, detail=detail, processes=processes)
        args.json.write_text(json.dumps(document, indent=2))
    if args.plot:
        plot_ratios(rows, detail, args.plot)
    if args.markdown:
        command = " ".join(["python", "benchmarks/compare.py", *sys.argv[1:]])
        machine_lines = "\n".join(f"- {key}: {value}" for key, value in facts.items())
        kept = kept_text(args.markdown)
        args.markdown.write_text(
            f"# minigrad vs PyTorch (CPU)\n\nMade by `{command}` on:\n\n{machine_lines}\n\n{HOW_TO_READ}\n\n{report}\n\n{KEPT_MARK}\n{kept}"
        )


#: RESULTS.md goes on, below this line, with hand-written text (what minigrad changes in its
#: process, the goals and whether they are met, the profile, what was tried): rewriting the
#: tables keeps it
KEPT_MARK = "<!-- Everything below is written by hand; compare.py --markdown rewrites only what is above. -->"


def kept_text(path):
    """The hand-written part of an existing results file, or "" if there is none."""
    text = path.read_text() if path.exists() else ""
    start = text.find(KEPT_MARK)
    return text[start + len(KEPT_MARK):].lstrip("\n") if start >= 0 else ""


if __name__ == "__main__":
    main()
