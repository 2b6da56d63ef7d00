"""examples/train_cifar.py: trains with both engines, logs, checkpoints, resumes exactly, and
stops with a clear message (no traceback) on bad input.

Runs use the offline digits data with ``--limit`` so each takes a second or two.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import minigrad

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
SCRIPT = os.path.join(EXAMPLES, "train_cifar.py")
sys.path.insert(0, EXAMPLES)
import train_cifar  # noqa: E402
from tutorial_model import tutorial_cnn  # noqa: E402

ENGINES = ["torch", "minigrad"]


def run(tmp_path, engine, *extra, out="run"):
    """train_cifar.main on 32 digits images, batch 16 (two steps per epoch), tested on 64; returns the out dir."""
    out_dir = tmp_path / out
    argv = ["--engine", engine, "--dataset", "digits", "--limit", "32", "--test-limit", "64", "--batch-size", "16",
            "--momentum", "0.9", "--out-dir", str(out_dir), *extra]
    train_cifar.main(argv)
    return out_dir


def load(engine, path):
    return torch.load(path, weights_only=True) if engine == "torch" else minigrad.load(path)


def as_numpy(value):
    return value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def fails_with(capsys, argv, *expected, code=None):
    """main(argv) exits with a non-zero status and a message (no exception escapes to a traceback)."""
    with pytest.raises(SystemExit) as exit_info:
        train_cifar.main(argv)
    status = exit_info.value.code
    message = status if isinstance(status, str) else capsys.readouterr().err
    assert status not in (0, None)
    if code is not None:
        assert status == code
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    return message


# -- training runs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_one_epoch_writes_log_plot_and_checkpoint(tmp_path, capsys, engine):
    out_dir = run(tmp_path, engine, "--epochs", "1")
    printed = capsys.readouterr().out
    assert "epoch 1/1  train loss " in printed and "test accuracy" in printed

    log = json.loads((out_dir / "log.json").read_text())
    assert log["args"]["engine"] == engine and log["args"]["momentum"] == 0.9
    (record,) = log["history"]
    assert record["epoch"] == 1 and 0 <= record["test_accuracy"] <= 1 and np.isfinite(record["train_loss"])
    assert (out_dir / "training.png").read_bytes().startswith(b"\x89PNG")

    checkpoint = load(engine, out_dir / "checkpoint.pt")
    assert checkpoint["epoch"] == 1 and checkpoint["engine"] == engine
    assert list(checkpoint["model"]) == list(tutorial_cnn(torch.nn).state_dict())
    assert "momentum_buffer" in checkpoint["optimizer"]["state"][0]
    assert sorted(os.listdir(out_dir)) == ["checkpoint.pt", "log.json", "training.png"]  # no stray temp files


@pytest.mark.parametrize("engine", ENGINES)
def test_resume_ends_with_exactly_the_weights_of_an_uninterrupted_run(tmp_path, capsys, engine):
    straight = run(tmp_path, engine, "--epochs", "3", out="straight")
    interrupted = run(tmp_path, engine, "--epochs", "1", out="interrupted")
    run(tmp_path, engine, "--epochs", "3", "--resume", out="interrupted")  # the default: <out-dir>/checkpoint.pt
    assert "resumed from" in capsys.readouterr().out

    expected, actual = load(engine, straight / "checkpoint.pt"), load(engine, interrupted / "checkpoint.pt")
    assert actual["epoch"] == expected["epoch"] == 3
    for name, value in expected["model"].items():
        np.testing.assert_array_equal(as_numpy(actual["model"][name]), as_numpy(value), err_msg=name)  # bit for bit
    for index, state in expected["optimizer"]["state"].items():
        np.testing.assert_array_equal(as_numpy(actual["optimizer"]["state"][index]["momentum_buffer"]),
                                      as_numpy(state["momentum_buffer"]))
    drop_time = lambda history: [{k: v for k, v in r.items() if k != "seconds"} for r in history]  # noqa: E731
    assert drop_time(actual["history"]) == drop_time(expected["history"])
    assert len(json.loads((interrupted / "log.json").read_text())["history"]) == 3


def test_float64_runs(tmp_path):
    out_dir = run(tmp_path, "minigrad", "--epochs", "1", "--dtype", "float64", "--limit", "16")
    checkpoint = minigrad.load(out_dir / "checkpoint.pt")
    assert all(value.dtype == minigrad.float64 for value in checkpoint["model"].values())


# -- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--batch-size", "0"], "argument --batch-size: must be positive, got 0"),
        (["--batch-size", "-3"], "argument --batch-size: must be positive"),
        (["--lr", "0"], "argument --lr: must be positive, got 0"),
        (["--lr", "-0.1"], "argument --lr: must be positive"),
        (["--lr", "fast"], "argument --lr: 'fast' is not a number"),
        (["--engine", "jax"], "argument --engine: invalid choice: 'jax'"),
        (["--dataset", "mnist"], "argument --dataset: invalid choice: 'mnist'"),
    ],
)
def test_bad_arguments(capsys, argv, expected):
    fails_with(capsys, argv, expected, code=2)


def test_defaults_are_the_tutorials(capsys):
    """batch 64, plain SGD with lr 0.01 and no momentum, as the tutorial trains."""
    args = train_cifar.parse_args([])
    assert (args.batch_size, args.lr, args.momentum) == (64, 0.01, 0.0)
