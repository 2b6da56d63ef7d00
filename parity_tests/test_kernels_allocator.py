"""minigrad/kernels/allocator.py: glibc keeps freed memory for the next training step once a kernel
runs, unless told not to; ``import minigrad`` alone changes nothing."""

import os
import subprocess
import sys

import pytest

from minigrad.kernels import allocator as _allocator


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt is Linux-only")
def test_glibc_takes_the_settings():
    assert _allocator.keep_freed_memory()


def test_an_environment_variable_leaves_malloc_alone(monkeypatch):
    monkeypatch.setenv("MINIGRAD_KEEP_FREED_MEMORY", "0")
    assert not _allocator.keep_freed_memory()


def test_training_computes_the_same_with_and_without_the_settings():
    """A fresh process per setting: import minigrad, run a conv forward and backward (its kernel
    applies the settings, or not); the numbers must not depend on how memory is handed out."""
    code = (
        "import numpy as np, minigrad; from minigrad.kernels import allocator as _allocator\n"
        "rng = np.random.default_rng(0)\n"
        "x = minigrad.tensor(rng.standard_normal((64, 3, 32, 32)).astype(np.float32))\n"
        "w = minigrad.tensor(rng.standard_normal((8, 3, 5, 5)).astype(np.float32), requires_grad=True)\n"
        "minigrad.nn.functional.conv2d(x, w, padding=2).pow(2).sum().backward()\n"
        "print(_allocator.keep_freed_memory(), w.grad.numpy().tobytes().hex())\n"
    )
    outputs = {}
    for value in ("1", "0"):
        finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  env=dict(os.environ, MINIGRAD_KEEP_FREED_MEMORY=value))
        assert finished.returncode == 0, finished.stderr
        outputs[value] = finished.stdout.split()
    assert outputs["0"][0] == "False"  # the variable turns the settings off
    if sys.platform.startswith("linux"):
        assert outputs["1"][0] == "True"
    assert outputs["1"][1] == outputs["0"][1]  # bit for bit the same gradient


def test_import_minigrad_leaves_malloc_alone():
    """The setting is applied by the first kernel call, never by the import (and never with
    kernels switched off): until then the module that calls mallopt is not even loaded."""
    code = (
        "import sys, minigrad\n"
        "print('minigrad.kernels.allocator' in sys.modules)\n"
        "with minigrad.backends.kernels.flags(enabled=False):\n"
        "    minigrad.nn.functional.conv2d(minigrad.randn(1, 3, 8, 8), minigrad.randn(2, 3, 3, 3))\n"
        "print('minigrad.kernels.allocator' in sys.modules)\n"
        "minigrad.nn.functional.conv2d(minigrad.randn(1, 3, 8, 8), minigrad.randn(2, 3, 3, 3))\n"
        "print('minigrad.kernels.allocator' in sys.modules)\n"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=dict(os.environ, MINIGRAD_KERNELS="1"))
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.split() == ["False", "False", "True"]
