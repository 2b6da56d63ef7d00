"""examples/train_cifar.py under torchrun: two data-parallel CPU processes (gloo) train a few steps
with DistributedDataParallel and end with identical parameters."""

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch.distributed

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
SCRIPT = os.path.join(EXAMPLES, "train_cifar.py")
sys.path.insert(0, EXAMPLES)
from tutorial_model import tutorial_cnn  # noqa: E402


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.skipif(not torch.distributed.is_available() or not torch.distributed.is_gloo_available(), reason="needs gloo")
def test_two_ranks_end_with_identical_parameters(tmp_path):
    env = dict(os.environ, OMP_NUM_THREADS="1")
    if sys.platform.startswith("linux"):
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")  # stay on the loopback interface
    command = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--master_addr=127.0.0.1",
        f"--master_port={free_port()}", SCRIPT, "--engine", "torch", "--dataset", "digits", "--limit", "256",
        "--test-limit", "32", "--epochs", "1", "--batch-size", "32", "--out-dir", str(tmp_path),
    ]  # 256 images, 128 per rank, 4 steps of 32 on each
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr

    rank0, rank1 = np.load(tmp_path / "final_params_rank0.npz"), np.load(tmp_path / "final_params_rank1.npz")
    assert sorted(rank0.files) == sorted(rank1.files) and len(rank0.files) == 10
    for name in rank0.files:
        np.testing.assert_array_equal(rank0[name], rank1[name], err_msg=name)

    # only rank 0 logs and checkpoints; its weights are the replicas' weights, and they trained
    log = json.loads((tmp_path / "log.json").read_text())
    assert log["args"]["distributed"] and len(log["history"]) == 1
    checkpoint = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    for name in rank0.files:
        np.testing.assert_array_equal(checkpoint["model"][name].numpy(), rank0[name])
    torch.manual_seed(0)  # the script's default --seed: its initial weights
    initial = tutorial_cnn(torch.nn).state_dict()
    assert all(not np.array_equal(initial[name].numpy(), rank0[name]) for name in rank0.files)
