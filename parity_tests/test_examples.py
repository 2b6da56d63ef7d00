"""The tutorial's examples run on minigrad and print what the same code prints on PyTorch."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def run_python(source, tmp_path, name, args=(), env=None):
    script = tmp_path / name
    script.write_text(source)
    env = None if env is None else {**os.environ, **env}
    result = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def as_torch(source):
    """The same script with only its import lines switched back to PyTorch."""
    return source.replace("import minigrad as torch", "import torch").replace("from minigrad", "from torch")


def test_loss_warmup_prints_the_tutorials_numbers(tmp_path):
    source = (EXAMPLES / "loss_warmup.py").read_text()
    printed = run_python(source, tmp_path, "warmup.py").split()
    assert printed == ["tensor(0.6667)", "tensor(2.)", "tensor(1.3333)", "tensor(4.)", "tensor(1.1019)"]


def test_loss_warmup_prints_what_torch_prints(tmp_path):
    source = (EXAMPLES / "loss_warmup.py").read_text()
    assert run_python(source, tmp_path, "mg.py") == run_python(as_torch(source), tmp_path, "t.py")


def test_tutorial_backward_fills_every_gradient(tmp_path):
    source = (EXAMPLES / "tutorial_backward.py").read_text()
    printed = run_python(source, tmp_path, "backward.py")
    torch_printed = run_python(as_torch(source), tmp_path, "backward_torch.py")
    # the module tree prints identically; the numbers differ only because the random weights do
    model_text = printed.split("tensor(")[0]
    assert model_text == torch_printed.split("tensor(")[0]
    assert "grad_fn=<NllLossBackward0>" in printed
    grad_lines = [line for line in printed.splitlines() if "grad shape" in line]
    assert len(grad_lines) == 10  # 5 layers with a weight and a bias each
    assert all("mean |grad| 0.000e+00" not in line for line in grad_lines)


# Both runs start from the same weights: the torch run saves its initial state, the minigrad run
# loads it (minigrad cannot reproduce torch's random streams). The lesson's loaders do not
# shuffle, so both then see the same batches in the same order.
SHARE_INITIAL_WEIGHTS = """tudui = Tudui()
import numpy, os
if os.path.exists({path!r}):
    tudui.load_state_dict({{k: torch.from_numpy(v) for k, v in numpy.load({path!r}).items()}})
else:
    numpy.savez({path!r}, **{{k: v.detach().numpy() for k, v in tudui.state_dict().items()}})
"""
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


def test_train_lesson_trains_as_torch_does(tmp_path):
    source = (EXAMPLES / "train_lesson.py").read_text()
    assert "tudui = Tudui()\n" in source
    share = SHARE_INITIAL_WEIGHTS.format(path=str(tmp_path / "initial.npz"))
    source = source.replace("tudui = Tudui()\n", share)
    # datasets.py from examples/; one thread each, so a busy machine does not slow torch down
    env = {"PYTHONPATH": str(EXAMPLES), "OMP_NUM_THREADS": "1"}
    (tmp_path / "out_torch").mkdir()
    (tmp_path / "out_minigrad").mkdir()
    torch_printed = run_python(as_torch(source), tmp_path, "lesson_torch.py", [str(tmp_path / "out_torch")], env)
    printed = run_python(source, tmp_path, "lesson.py", [str(tmp_path / "out_minigrad")], env)

    lines, torch_lines = printed.splitlines(), torch_printed.splitlines()
    assert [NUMBER.sub("#", line) for line in lines] == [NUMBER.sub("#", line) for line in torch_lines]
    assert lines[:2] == ["训练数据集的长度为：1500", "测试数据集的长度为：297"]
    assert sum(line.startswith("训练次数：") for line in lines) == 4  # steps 10, 20, 30, 40 of 2 × 24
    assert sum(line == "模型已保存" for line in lines) == 2

    def printed_values(lines, prefix):
        return [float(line.rsplit(": ", 1)[1]) for line in lines if line.startswith(prefix)]

    # float32 through 48 SGD steps: the losses agree closely, not bit for bit; an image or two
    # whose two top scores are almost equal may be classified differently (1/297 each)
    for prefix in ("训练次数：", "整体测试集上的Loss"):
        assert printed_values(lines, prefix) == pytest.approx(printed_values(torch_lines, prefix), rel=1e-4)
    accuracies = printed_values(lines, "整体测试集上的正确率")
    assert accuracies == pytest.approx(printed_values(torch_lines, "整体测试集上的正确率"), abs=2.5 / 297)
    assert len(accuracies) == 2 and accuracies[-1] > 0.3  # it learns: chance is 0.1
    losses = printed_values(lines, "整体测试集上的Loss")
    assert losses[-1] < losses[0]
    for directory in ("out_torch", "out_minigrad"):  # not "torch": a folder beside the script would shadow it
        assert sorted(p.name for p in (tmp_path / directory).iterdir()) == ["tudui_0.pth", "tudui_1.pth"]
