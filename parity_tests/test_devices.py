"""Devices as torch's on a machine without a GPU: ``minigrad.device``, ``minigrad.cuda``,
``.to(device)``, ``.cpu()``; asking for a GPU raises an error that names the way to one."""

import pickle

import numpy as np
import pytest
import torch

import minigrad
from minigrad import nn

GPU_WAY = "python examples/train_cifar.py --engine torch --device cuda"

DEVICES = [("cpu",), ("cuda",), ("cuda:0",), ("cuda:12",), ("cuda", 1), ("cpu", 0), ("cpu:0",), (0,), (3,), ("mps",), ("meta",)]


@pytest.mark.parametrize("args", DEVICES, ids=str)
def test_device_reads_and_prints_as_torch(args):
    ours, theirs = minigrad.device(*args), torch.device(*args)
    assert (repr(ours), str(ours), f"{ours}", ours.type, ours.index) == (
        repr(theirs), str(theirs), f"{theirs}", theirs.type, theirs.index)
    assert ours == minigrad.device(str(theirs)) == minigrad.device(theirs) == minigrad.device(ours)  # from a torch.device too
    assert hash(ours) == hash(minigrad.device(str(ours)))
    assert pickle.loads(pickle.dumps(ours)) == ours
    assert (ours == str(ours), str(ours) == ours) == (theirs == str(theirs), str(theirs) == theirs)  # False: as torch
    assert minigrad.device(type=ours.type, index=ours.index) == ours


def test_device_equality_as_torch():
    for a, b in [("cpu", "cpu"), ("cuda", "cuda:0"), ("cpu", ("cpu", 0)), ("cuda:1", ("cuda", 1))]:
        a_args, b_args = (a,) if isinstance(a, str) else a, (b,) if isinstance(b, str) else b
        assert (minigrad.device(*a_args) == minigrad.device(*b_args)) == (torch.device(*a_args) == torch.device(*b_args))
    assert minigrad.device("cpu") != 1 and torch.device("cpu") != 1


@pytest.mark.parametrize("args", [("gpu",), ("cuda:x",), ("cuda:-1",), ("cuda", -1), ("cuda:1", 1), ("cuda:01",), ("",)], ids=str)
def test_bad_devices_get_torchs_error(args):
    with pytest.raises(Exception) as theirs:
        torch.device(*args)
    with pytest.raises(type(theirs.value)) as ours:
        minigrad.device(*args)
    assert str(ours.value) == str(theirs.value)


def test_cuda_module_answers_as_torch_without_a_gpu():
    assert minigrad.cuda.is_available() is False and minigrad.cuda.device_count() == 0
    assert minigrad.cuda.is_initialized() is False
    assert minigrad.cuda.manual_seed(0) is None and minigrad.cuda.manual_seed_all(0) is None
    assert minigrad.backends.mps.is_available() is False and minigrad.backends.mps.is_built() is False


def test_the_tutorials_device_lines_run():
    """``device = torch.device("cuda" if torch.cuda.is_available() else "cpu"); model = model.to(device);
    imgs = imgs.to(device)`` picks the CPU and changes nothing."""
    device = minigrad.device("cuda" if minigrad.cuda.is_available() else "cpu")
    assert repr(device) == "device(type='cpu')"
    model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    imgs = minigrad.randn(4, 3)
    before = model(imgs).detach().numpy()
    assert model.to(device) is model and model.cpu() is model
    assert imgs.to(device) is imgs and imgs.to("cpu") is imgs and imgs.cpu() is imgs
    assert imgs.to(torch.device("cpu")) is imgs and imgs.to(minigrad.device("cpu", 0)) is imgs
    np.testing.assert_array_equal(model(imgs.to(device)).detach().numpy(), before)
    assert imgs.to(device, minigrad.float64).dtype == minigrad.float64
    assert imgs.to(device=device, dtype=minigrad.float64).dtype == minigrad.float64
    assert model.to(device, minigrad.float64)[0].weight.dtype == minigrad.float64


def test_tensor_device_is_a_device():
    x, t = minigrad.ones(2), torch.ones(2)
    assert isinstance(x.device, minigrad.device) and repr(x.device) == repr(t.device) and str(x.device) == str(t.device)
    assert x.device == minigrad.device("cpu") and x.is_cuda is False
    assert (x.device == "cpu") == (t.device == "cpu")  # False in torch 2.14: a device is not a string


GPU_REQUESTS = [
    lambda: minigrad.ones(2).cuda(),
    lambda: minigrad.ones(2).cuda(0),
    lambda: minigrad.ones(2).to("cuda"),
    lambda: minigrad.ones(2).to("cuda:0"),
    lambda: minigrad.ones(2).to(minigrad.device("cuda")),
    lambda: minigrad.ones(2).to(0),
    lambda: minigrad.ones(2).to(device="cuda", dtype=minigrad.float64),
    lambda: nn.Linear(2, 2).cuda(),
    lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2).to(minigrad.device("cuda", 0)),
    lambda: minigrad.zeros(2, device="cuda"),
    lambda: minigrad.tensor([1.0], device=minigrad.device("cuda")),
    lambda: nn.Linear(2, 2, device="cuda"),
    lambda: minigrad.ones(2).to("mps"),
]


@pytest.mark.parametrize("request_gpu", GPU_REQUESTS)
def test_asking_for_a_gpu_names_the_way_to_one(request_gpu):
    """torch on a machine without a GPU raises RuntimeError too ("Found no NVIDIA driver ...")."""
    with pytest.raises(RuntimeError, match="minigrad runs on the CPU only") as error:
        request_gpu()
    assert GPU_WAY in str(error.value)


def test_device_arguments_are_read_as_torch():
    with pytest.raises(TypeError, match="positional argument"):
        torch.ones(1).cpu(1)
    with pytest.raises(TypeError, match="positional argument"):  # memory_format is keyword-only
        minigrad.ones(1).cpu(1)
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        minigrad.ones(1).to("gpu")
