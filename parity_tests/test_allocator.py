"""minigrad/_allocator.py: glibc keeps freed memory for the next training step, unless told not to."""

import subprocess
import sys

import pytest

from minigrad import _allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_glibc_takes_the_settings():
    assert _allocator.keep_freed_memory()


def test_an_environment_variable_leaves_malloc_alone(monkeypatch):
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "0")
    assert not _allocator.keep_freed_memory()


def test_importing_minigrad_applies_them_and_runs_fine():
    code = "import minigrad; x = minigrad.randn(64, 3, 32, 32); print(float(minigrad.nn.functional.conv2d(x, minigrad.randn(8, 3, 5, 5)).sum()) == float('nan'))"
    for value in ("1", "0"):
        finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  env={"MINIGRAD_KEEP_FREED_MEMORY": value, "PATH": ""})
        assert finished.returncode == 0, finished.stderr
        assert finished.stdout.strip() == "False"
