"""The lesson-shaped scripts in examples/lessons/ print the same on minigrad as on torch.

Each script is run twice in a subprocess, ``--engine torch`` first (it saves the network's
initial weights) and ``--engine minigrad`` second (it loads them), and the two printouts are
compared line by line: the same text, and the same numbers to the precision they are printed
with (float32 arithmetic in a different order: relative 1e-4 for numbers printed in full).

A line that fails on minigrad only because an issue-13 feature has not landed yet (PENDING) makes
the test xfail, after the lines printed before it were compared; any other failure fails.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torchvision")
pytest.importorskip("sklearn")
pytest.importorskip("tensorboard")

LESSONS = Path(__file__).resolve().parent.parent / "examples" / "lessons"
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")  # PIL's repr names the object's address

# error text on minigrad -> the issue-13 feature it waits for
PENDING = {
    r"minigrad.save cannot store an object of type": "whole-model torch.save / torch.load(map_location=, "
    "weights_only=False) (issue 13 item 6) has not landed",
    r"'Tensor' object has no attribute 'all'": "Tensor.all() (issue 13 item 7) has not landed",
    r"module 'minigrad' has no attribute '(device|cuda)'": "minigrad.device / minigrad.cuda (issue 13 item 5) "
    "has not landed",
    r"'torch.dtype' object has no attribute|is invalid for input of size <built-in method": "torch tensors at "
    "minigrad's op boundaries (issue 13 item 1) have not landed",
}


def run(script, engine, tmp_path, *args):
    out = tmp_path / engine
    out.mkdir(exist_ok=True)
    path = os.pathsep.join(p for p in (str(LESSONS), os.environ.get("PYTHONPATH")) if p)  # lesson_data.py
    env = {**os.environ, "PYTHONPATH": path, "OMP_NUM_THREADS": "1"}  # one thread: a busy machine stays fair
    command = [sys.executable, str(LESSONS / script), "--engine", engine, "--out", str(out), *args]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)


def assert_same_line(line, torch_line):
    """Same text; integers equal, numbers printed with up to 4 decimals (a tensor's repr) within one
    unit of their last digit, numbers printed in full (``loss.item()``) within relative 1e-4."""
    line, torch_line = ADDRESS.sub("", line), ADDRESS.sub("", torch_line)
    what = f"{line!r} vs torch's {torch_line!r}"
    assert NUMBER.sub("#", line) == NUMBER.sub("#", torch_line), what
    for ours, theirs in zip(NUMBER.findall(line), NUMBER.findall(torch_line)):
        decimals = len(theirs.split(".")[1]) if "." in theirs and "e" not in theirs else None
        if "." not in theirs and "e" not in theirs:
            assert ours == theirs, what
        elif decimals is not None and decimals <= 4:
            assert abs(float(ours) - float(theirs)) <= 1.01 * 10.0**-decimals, what
        else:
            assert float(ours) == pytest.approx(float(theirs), rel=1e-4, abs=1e-12), what


def compare_runs(script, tmp_path, *args):
    """Run ``script`` on both engines and compare what minigrad printed with torch's lines.
    Returns (minigrad's lines, torch's lines, the PENDING reason when minigrad stopped at one)."""
    theirs = run(script, "torch", tmp_path, *args)
    assert theirs.returncode == 0, theirs.stderr
    ours = run(script, "minigrad", tmp_path, *args)
    lines, torch_lines = ours.stdout.splitlines(), theirs.stdout.splitlines()
    for line, torch_line in zip(lines, torch_lines):  # what minigrad printed before any failure
        assert_same_line(line, torch_line)
    if ours.returncode == 0:
        return lines, torch_lines, None
    for error, feature in PENDING.items():
        if re.search(error, ours.stderr):
            return lines, torch_lines, f"{feature}; the {len(lines)} lines printed before it match torch's"
    pytest.fail(f"{script} failed on minigrad:\n{ours.stderr}")


def ran_to_the_end(lines, torch_lines, pending):
    """xfail when minigrad stopped at a PENDING feature; else it printed all of torch's lines."""
    if pending:
        pytest.xfail(pending)
    assert len(lines) == len(torch_lines), f"minigrad printed {len(lines)} lines, torch {len(torch_lines)}"


def test_validate_one_picture_as_torch(tmp_path):
    # PIL picture -> Resize + ToTensor (a torch tensor) -> torch.reshape(image, (1, 3, 32, 32))
    # -> a whole saved model loaded with map_location -> eval, no_grad -> output, output.argmax(1)
    lines, torch_lines, pending = compare_runs("validate_one_picture.py", tmp_path, "--image", "dog.png", "--weights", "weights.npz")
    ran_to_the_end(lines, torch_lines, pending)
    assert lines[1] == "torch.Size([3, 32, 32])"  # torchvision's tensor, printed by torch on both engines
    assert lines[-1].startswith("tensor([") and lines[-2].endswith("]])")


def test_train_routine_as_torch(tmp_path):
    lines, torch_lines, pending = compare_runs("train_routine.py", tmp_path, "--data", "data", "--weights", "weights.npz")
    if pending and lines.count("模型已保存") < 2:
        pytest.xfail(pending)  # stopped before training ended: nothing more to compare
    assert lines[:2] == ["训练数据集的长度为：160", "测试数据集的长度为：80"]
    for engine in ("torch", "minigrad"):  # the checkpoints torch.save(tudui.state_dict(), ...) wrote
        assert {"tudui_0.pth", "tudui_1.pth"} <= {p.name for p in (tmp_path / engine).iterdir()}
    # the TensorBoard scalars both wrote (writer.close() comes before the last lines)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    runs = {}
    for engine in ("torch", "minigrad"):
        runs[engine] = EventAccumulator(str(tmp_path / engine / "logs_train"))
        runs[engine].Reload()
    assert runs["minigrad"].Tags()["scalars"] == runs["torch"].Tags()["scalars"] == ["train_loss", "test_loss", "test_accuracy"]
    for tag in ("train_loss", "test_loss", "test_accuracy"):
        ours, theirs = runs["minigrad"].Scalars(tag), runs["torch"].Scalars(tag)
        assert [e.step for e in ours] == [e.step for e in theirs]
        assert [e.value for e in ours] == pytest.approx([e.value for e in theirs], rel=1e-4)
    ran_to_the_end(lines, torch_lines, pending)
    assert lines[-1] == "tensor(True)"  # the reloaded state dict classifies as the trained network
