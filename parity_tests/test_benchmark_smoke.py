"""benchmarks/compare.py runs, times each library alone, and minigrad's results equal torch's.

No timing is asserted (the machine running the tests may be busy): only that the script runs,
prints its tables and writes well-formed JSON; that torch's fresh processes never imported
minigrad and started with this environment, unchanged; that rounds alternate; and that each
row's largest difference between minigrad and torch is float rounding, so a speed-up can never
hide a wrong answer.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parent.parent / "benchmarks"
COMPARE = BENCHMARKS / "compare.py"

DETAIL_ROW_NAMES = [
    "conv2d 3→32 32×32 fwd",
    "conv2d 3→32 32×32 fwd+bwd",
    "conv2d 32→32 16×16 fwd",
    "conv2d 32→32 16×16 fwd+bwd",
    "conv2d 32→64 8×8 fwd",
    "conv2d 32→64 8×8 fwd+bwd",
    "max_pool2d 32ch 32×32 k2 fwd+bwd",
    "linear 1024→64 fwd+bwd",
    "cross_entropy {batch}×10 fwd+bwd",
    "tutorial CNN fwd",
    "tutorial CNN fwd+bwd",
    "tutorial CNN SGD step",
    "tutorial CNN SGD step, minigrad's kernels alone (no engine)",
]
DETAIL_ROW_KEYS = {"name", "batch", "minigrad_ms", "torch_ms", "ratio", "minigrad_gflops", "torch_gflops",
                   "fraction_of_ceiling", "max_rel_diff", "repeats"}


def run_compare(folder, *flags, env=None):
    json_path = folder / "results.json"
    command = [sys.executable, str(COMPARE), "--quick", "--json", str(json_path), *flags]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout, json.loads(json_path.read_text())


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """One quick float32 run, shared by the tests below (each library's processes are the slow part)."""
    folder = tmp_path_factory.mktemp("benchmark")
    # a variable torch's OpenMP reads, set by the caller: the children must get it unchanged
    env = dict(os.environ, GOMP_SPINCOUNT="123456")
    stdout, document = run_compare(folder, "--plot", str(folder / "ratios.png"), "--markdown", str(folder / "RESULTS.md"), env=env)
    return stdout, document, folder, env


def check_detail_rows(detail, batch_sizes, tolerance):
    expected = [(name.format(batch=batch), batch) for batch in batch_sizes for name in DETAIL_ROW_NAMES]
    assert [(row["name"], row["batch"]) for row in detail["rows"]] == expected
    for row in detail["rows"]:
        assert set(row) == DETAIL_ROW_KEYS
        assert row["max_rel_diff"] < tolerance, f"{row['name']} at batch {row['batch']}: minigrad differs from torch"
        has_flops = row["minigrad_gflops"] is not None
        assert has_flops == (row["fraction_of_ceiling"] is not None) == (row["torch_gflops"] is not None)
        assert has_flops == (not row["name"].startswith(("max_pool2d", "cross_entropy")))


def check_headline_rows(document, batch_sizes, rounds, tolerance):
    rows = document["headline"]
    assert [(row["workload"], row["batch"]) for row in rows] == [("sgd-step", b) for b in batch_sizes] + [("op-chain", None)]
    for row in rows:
        assert row["unit"] == ("ms per step" if row["workload"] == "sgd-step" else "µs per op")
        for lib in ("torch", "minigrad"):
            figures = row[lib]
            assert len(figures["rounds"]) == rounds
            assert 0 < figures["min"] <= figures["median"] <= figures["max"]
        assert row["ratio"] == pytest.approx(row["minigrad"]["median"] / row["torch"]["median"])
        assert len(row["round_ratios"]) == rounds
        assert row["max_rel_diff"] < tolerance, f"{row['label']}: minigrad's first result differs from torch's"


def test_quick_run_prints_the_tables_and_writes_json(quick_run):
    stdout, document, folder, _ = quick_run
    for header in ("torch:", "minigrad:", "numpy_blas:", "cpu:", "## Headline", "## The engine's own cost",
                   "## Peak memory", "## Per-op detail"):
        assert header in stdout
    for verdict in ("| met |", "| missed |", "target"):  # figures only: the goals live in RESULTS.md
        assert verdict not in stdout
    assert set(document) == {"environment", "settings", "headline", "memory", "detail", "processes"}
    assert document["settings"] == {"threads": 2, "dtype": "float32", "batch_sizes": [1, 4], "quick": True, "rounds": 2,
                                    "warmup": 1, "steps": 2, "seconds": 2.0, "chain_ops": 1000}
    check_headline_rows(document, [1, 4], rounds=2, tolerance=1e-4)
    assert document["detail"]["gemm_ceiling_gflops"] > 0
    check_detail_rows(document["detail"], [1, 4], tolerance=1e-4)

    [memory] = document["memory"]  # --quick: one batch size above 1
    assert memory["batch"] == 4
    for lib in ("minigrad", "torch"):
        assert memory[lib]["lib"] == lib and memory[lib]["processes"] == 2
        assert 0 < memory[lib]["baseline_rss_mib"] <= memory[lib]["peak_rss_mib"]
    assert (folder / "ratios.png").read_bytes().startswith(b"\x89PNG")


def test_each_library_runs_alone_in_alternating_fresh_processes(quick_run):
    _, document, _, env = quick_run
    # 2 rounds of (batch 1, batch 4, the op chain), each as torch's process, then minigrad's
    expected = [(round_number, work, batch, lib) for round_number in (1, 2)
                for work, batch in [("sgd-step", 1), ("sgd-step", 4), ("op-chain", None)] for lib in ("torch", "minigrad")]
    processes = document["processes"]
    assert [(p["round"], p["work"], p["batch"], p["lib"]) for p in processes] == expected
    for p in processes:
        assert p["steps"] == 2 and p["warmup"] == 1
        assert p["library"]["num_threads"] == 2
        # every child started with the caller's environment, unchanged: compare.py sets nothing
        assert p["inherited_environment"]["GOMP_SPINCOUNT"] == "123456"
        assert all(env[name] == value for name, value in p["inherited_environment"].items())
        if p["lib"] == "torch":
            # torch as its users get it: no minigrad, no threadpoolctl, nothing set in its environment
            assert p["imported"] == {"minigrad": False, "torch": True, "threadpoolctl": False}
            assert p["environment"] == p["inherited_environment"]
        else:
            assert p["imported"]["minigrad"] and not p["imported"]["torch"]
    assert document["environment"]["set_inside_by_the_library"]["torch"] == {}


def test_markdown_keeps_the_hand_written_part(quick_run, tmp_path):
    _, _, folder, _ = quick_run
    text = (folder / "RESULTS.md").read_text()
    assert text.startswith("# minigrad vs PyTorch (CPU)\n\nMade by `python benchmarks/compare.py --quick")
    sys.path.insert(0, str(BENCHMARKS))
    try:
        from compare import KEPT_MARK, kept_text
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert text.rstrip().endswith(KEPT_MARK)
    results = tmp_path / "RESULTS.md"
    results.write_text(text + "\n## Goals\n\nhand-written\n")
    assert kept_text(results) == "## Goals\n\nhand-written\n"
    # the project's RESULTS.md: its goals and analysis survive `compare.py --markdown benchmarks/RESULTS.md`
    assert "## Goals" in kept_text(BENCHMARKS / "RESULTS.md")


def test_quick_run_in_float64_agrees_with_torch_to_float64_rounding(tmp_path):
    _, document = run_compare(tmp_path, "--dtype", "float64", "--batch-sizes", "3", "--rounds", "1", "--no-memory")
    assert document["settings"]["dtype"] == "float64"
    assert document["memory"] == []
    check_headline_rows(document, [3], rounds=1, tolerance=1e-10)
    check_detail_rows(document["detail"], [3], tolerance=1e-10)


@pytest.mark.parametrize("threads", [1, 2])
def test_kernels_alone_step_is_minigrads_step_bit_for_bit(threads):
    """The detail table's "kernels alone" row measures minigrad's step without the engine: it must
    compute exactly what the engine computes (the same loss, the same new weights, over steps)."""
    import numpy as np

    import minigrad

    sys.path.insert(0, str(BENCHMARKS))
    try:
        from kernels_alone import kernels_alone_sgd_step
        from tutorial_cnn import LEARNING_RATE, load_same_weights, random_batch, sgd_step, tutorial_cnn
    finally:
        sys.path.remove(str(BENCHMARKS))
    # the engine's step on the kernels too (as by default; MINIGRAD_KERNELS=0 would switch them off)
    with minigrad.backends.kernels.flags(enabled=True, num_threads=threads):
        images, labels = random_batch(5, seed=1, dtype=np.float32)
        engine_model, bare_model = (load_same_weights(minigrad, tutorial_cnn(minigrad.nn), 0, np.float32) for _ in range(2))
        optimizer = minigrad.optim.SGD(engine_model.parameters(), lr=LEARNING_RATE)
        bare_step = kernels_alone_sgd_step(bare_model, images, labels, LEARNING_RATE)
        for _ in range(2):
            assert bare_step() == sgd_step(minigrad, engine_model, optimizer, minigrad.tensor(images), minigrad.tensor(labels)).item()
        for ours, engines in zip(bare_model.parameters(), engine_model.parameters()):
            np.testing.assert_array_equal(ours.detach().numpy(), engines.detach().numpy())
