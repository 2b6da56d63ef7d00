"""benchmarks/compare.py runs, and minigrad's results on every benchmark row equal torch's.

No timing is asserted (the machine running the tests may be busy): only that the script runs,
prints its tables and writes well-formed JSON, and that each row's largest difference between
minigrad and torch is float rounding, so a speed-up can never hide a wrong answer.
"""

import json
import pathlib
import subprocess
import sys

COMPARE = pathlib.Path(__file__).resolve().parent.parent / "benchmarks" / "compare.py"

ROW_NAMES = [
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
]
ROW_KEYS = {"name", "batch", "minigrad_ms", "torch_ms", "ratio", "minigrad_gflops", "torch_gflops",
            "fraction_of_ceiling", "max_rel_diff", "repeats"}


def run_compare(tmp_path, *flags):
    json_path = tmp_path / "results.json"
    command = [sys.executable, str(COMPARE), "--quick", "--json", str(json_path), *flags]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout, json.loads(json_path.read_text())


def check_speed_rows(document, batch_sizes, tolerance):
    expected = [(name.format(batch=batch), batch) for batch in batch_sizes for name in ROW_NAMES]
    assert [(row["name"], row["batch"]) for row in document["speed"]] == expected
    for row in document["speed"]:
        assert set(row) == ROW_KEYS
        assert row["max_rel_diff"] < tolerance, f"{row['name']} at batch {row['batch']}: minigrad differs from torch"
        has_flops = row["minigrad_gflops"] is not None
        assert has_flops == (row["fraction_of_ceiling"] is not None) == (row["torch_gflops"] is not None)
        assert has_flops == (not row["name"].startswith(("max_pool2d", "cross_entropy")))


def test_quick_run_in_float32_prints_both_tables_and_writes_json(tmp_path):
    plot = tmp_path / "ratios.png"
    stdout, document = run_compare(tmp_path, "--plot", str(plot))

    for header in ("torch:", "numpy_blas:", "cpu:", "## Speed", "## Peak memory"):
        assert header in stdout
    assert set(document) == {"environment", "settings", "gemm_ceiling_gflops", "speed", "memory", "targets"}
    assert document["settings"] == {"threads": 2, "dtype": "float32", "batch_sizes": [1, 4], "quick": True}
    assert document["gemm_ceiling_gflops"] > 0
    check_speed_rows(document, [1, 4], tolerance=1e-4)

    [memory] = document["memory"]  # --quick: one batch size above 1
    assert memory["batch"] == 4
    for lib in ("minigrad", "torch"):
        assert memory[lib]["lib"] == lib
        assert 0 < memory[lib]["baseline_rss_mib"] <= memory[lib]["peak_rss_mib"]
    for target in document["targets"]:
        assert set(target) == {"target", "measured", "met"}
    assert plot.read_bytes().startswith(b"\x89PNG")


def test_quick_run_in_float64_agrees_with_torch_to_float64_rounding(tmp_path):
    _, document = run_compare(tmp_path, "--dtype", "float64", "--batch-sizes", "3", "--no-memory")
    assert document["settings"]["dtype"] == "float64"
    assert document["memory"] == []
    check_speed_rows(document, [3], tolerance=1e-10)
