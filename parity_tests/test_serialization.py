"""minigrad.save / minigrad.load: bit-exact round trips, clear errors for bad files, safe loading,
atomic writes that, like torch.save's, keep an existing file's mode and write through symlinks."""

import fcntl
import io
import os
import pickle
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad import nn, serialization
from minigrad.nn.parameter import Parameter

NUMPY_DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_])


def assert_bit_identical(actual, expected):
    """Same structure, same types, and every array equal byte for byte (NaN payloads and -0.0 too)."""
    assert type(actual) is type(expected), f"{type(actual).__name__} != {type(expected).__name__}"
    if isinstance(expected, minigrad.Tensor):
        assert actual.requires_grad == expected.requires_grad
        assert_bit_identical(actual.detach().numpy(), expected.detach().numpy())
    elif isinstance(expected, np.ndarray):
        assert actual.dtype == expected.dtype and actual.shape == expected.shape
        assert actual.tobytes() == np.ascontiguousarray(expected).tobytes()
        assert actual.flags.writeable
    elif isinstance(expected, np.generic):
        assert actual.dtype == expected.dtype and actual.tobytes() == expected.tobytes()
    elif isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_bit_identical(actual[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert_bit_identical(a, e)
    else:
        assert actual == expected


def arrays_with_any_values():
    """Arrays of every dtype minigrad has, any shape (0-d and empty included), NaN/inf/-0.0 included."""
    return NUMPY_DTYPES.flatmap(
        lambda dtype: hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    )


def round_trip(obj, tmp_path):
    path = tmp_path / "checkpoint.mg"
    minigrad.save(obj, path)
    return minigrad.load(path)


@settings(deadline=None, max_examples=40)
@given(array=arrays_with_any_values(), requires_grad=st.booleans(), transpose=st.booleans())
def test_round_trip_is_bit_exact(tmp_path_factory, array, requires_grad, transpose):
    array = array.T if transpose else array  # non-contiguous arrays too
    tensor = minigrad.tensor(array, requires_grad=requires_grad and array.dtype.kind == "f")
    state = {"tensor": tensor, "array": array, "scalar": array.reshape(-1)[:1].sum(), "nested": [(tensor, 1, "x")]}
    loaded = round_trip(state, tmp_path_factory.mktemp("rt"))
    assert_bit_identical(loaded, state)


def test_round_trip_of_a_state_dict_like_structure(tmp_path):
    from collections import OrderedDict

    weight = Parameter(minigrad.randn(4, 3))
    state = {
        "model": OrderedDict(weight=weight.detach(), bias=minigrad.zeros(4)),
        "optimizer": {"state": {0: {"momentum_buffer": minigrad.ones(4, 3, dtype=minigrad.float64)}},
                      "param_groups": [{"lr": 0.01, "momentum": 0.9, "nesterov": False, "params": [0, 1], "name": None}]},
        "epoch": 3, "history": [{"loss": float("nan"), "acc": 0.5}], "rng": minigrad.Generator().manual_seed(5).get_state(),
        "params": [weight], "dtype": minigrad.float64, "misc": ({1, 2}, frozenset({3}), 2 + 1j, slice(1, None), b"raw", None, True),
    }
    loaded = round_trip(state, tmp_path)
    assert type(loaded["model"]) is OrderedDict
    assert isinstance(loaded["params"][0], Parameter) and loaded["params"][0].requires_grad
    assert loaded["dtype"] is minigrad.float64
    assert np.isnan(loaded["history"][0]["loss"])
    loaded["history"][0]["loss"] = state["history"][0]["loss"] = 0.0
    assert_bit_identical(loaded, state)
    # the numpy generator state is restored exactly: the same numbers come next
    generator = minigrad.Generator()
    generator.set_state(loaded["rng"])
    np.testing.assert_array_equal(minigrad.rand(5, generator=generator).numpy(),
                                  minigrad.rand(5, generator=minigrad.Generator().manual_seed(5)).numpy())


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    minigrad.save({"x": minigrad.arange(5)}, buffer)
    buffer.seek(0)
    assert minigrad.load(buffer)["x"].tolist() == [0, 1, 2, 3, 4]
    with open(tmp_path / "f.mg", "wb") as f:
        minigrad.save([1.5], f)
    with open(tmp_path / "f.mg", "rb") as f:
        assert minigrad.load(f) == [1.5]


def test_loaded_tensors_are_independent_and_usable(tmp_path):
    x = minigrad.randn(3, requires_grad=True)
    y = round_trip(x, tmp_path)
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0, 2.0] and x.grad is None


# -- bad files ---------------------------------------------------------------------------------------


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.mg"
    minigrad.save({"w": minigrad.randn(10, 10), "epoch": 1}, path)
    return path


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: '.*nowhere.mg'"):
        minigrad.load(tmp_path / "nowhere.mg")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        minigrad.load(tmp_path)


@pytest.mark.parametrize("keep", [0, 5, 20, 60, -1])
def test_truncated_file(good_file, keep):
    data = good_file.read_bytes()
    good_file.write_bytes(data[:keep] if keep >= 0 else data[:-1])
    expected = "is empty" if keep == 0 else "is truncated"
    with pytest.raises(RuntimeError, match=f"good.mg' {expected}"):
        minigrad.load(good_file)


def test_corrupted_file(good_file):
    data = bytearray(good_file.read_bytes())
    data[200] ^= 0x01  # one flipped bit inside the weights
    good_file.write_bytes(bytes(data))
    with pytest.raises(RuntimeError, match="good.mg' is corrupted: its data does not match the SHA-256 checksum"):
        minigrad.load(good_file)
    good_file.write_bytes(good_file.read_bytes() + b"junk")
    with pytest.raises(RuntimeError, match="is corrupted: 4 unexpected bytes follow its data"):
        minigrad.load(good_file)


def test_foreign_files(tmp_path):
    torch_file = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, torch_file)
    with pytest.raises(RuntimeError, match="model.pt' is not a minigrad checkpoint: .*written by torch.save: load it with torch.load"):
        minigrad.load(torch_file)
    pickle_file = tmp_path / "plain.pkl"
    pickle_file.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(RuntimeError, match="plain.pkl' is not a minigrad checkpoint: it is a plain pickle"):
        minigrad.load(pickle_file)
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello world, not a checkpoint")
    with pytest.raises(RuntimeError, match="notes.txt' is not a minigrad checkpoint: it starts with b'hello wor'"):
        minigrad.load(text_file)


class RunsCode:
    """An object whose unpickling would call os.system: a malicious checkpoint's payload."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_loading_never_runs_code_from_the_file(tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": RunsCode(marker)}, protocol=5)  # a well-formed header around an evil pickle
    header = serialization._HEADER.pack(serialization.MAGIC, serialization.FORMAT_VERSION, len(payload),
                                        __import__("hashlib").sha256(payload).digest())
    (tmp_path / "evil.mg").write_bytes(header + payload)
    with pytest.raises(pickle.UnpicklingError, match=r"(?s)evil.mg': Weights only load failed.*GLOBAL (posix|os).system"):
        minigrad.load(tmp_path / "evil.mg")
    assert not marker.exists()
    # numpy's own array pickling is refused too (an object array could hold anything)
    payload = pickle.dumps(np.arange(3), protocol=4)
    header = serialization._HEADER.pack(serialization.MAGIC, serialization.FORMAT_VERSION, len(payload),
                                        __import__("hashlib").sha256(payload).digest())
    (tmp_path / "numpy.mg").write_bytes(header + payload)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        minigrad.load(tmp_path / "numpy.mg")


# -- saving --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad, error, message", [
    (torch.zeros(2), TypeError, "minigrad.save cannot store a torch.Tensor"),
    (np.array([object()]), TypeError, "minigrad.save stores numeric numpy arrays only"),
    (lambda: 0, (pickle.PicklingError, AttributeError), "lambda"),  # pickle's own error, as torch.save's
])
def test_save_refuses_what_it_cannot_store(tmp_path, bad, error, message):
    path = tmp_path / "ckpt.mg"
    minigrad.save({"epoch": 1}, path)
    with pytest.raises(error, match=message):
        minigrad.save({"epoch": 2, "thing": bad}, path)
    assert minigrad.load(path) == {"epoch": 1}  # the old checkpoint is untouched
    assert sorted(os.listdir(tmp_path)) == ["ckpt.mg"]  # and no temporary file is left behind


def test_save_is_atomic_when_interrupted(tmp_path, monkeypatch):
    """A crash between writing and renaming leaves the old checkpoint and no stray files."""
    path = tmp_path / "ckpt.mg"
    minigrad.save({"epoch": 1}, path)

    def crash(source, target):
        assert open(source, "rb").read().startswith(serialization.MAGIC)  # fully written, in the same directory
        assert os.path.dirname(source) == os.path.realpath(tmp_path)
        raise KeyboardInterrupt

    monkeypatch.setattr(serialization.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"epoch": 2}, path)
    monkeypatch.undo()
    assert minigrad.load(path) == {"epoch": 1}
    assert os.listdir(tmp_path) == ["ckpt.mg"]
    minigrad.save({"epoch": 2}, str(path))  # a str path works as well as a Path
    assert minigrad.load(str(path)) == {"epoch": 2}
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~serialization._umask()  # the usual permissions, not mkstemp's 0600


# -- saving over an existing checkpoint, as torch.save does ------------------------------------------


SAVERS = {"minigrad": (minigrad.save, minigrad.load, lambda: minigrad.ones(3)),
          "torch": (torch.save, torch.load, lambda: torch.ones(3))}


@pytest.mark.parametrize("library", SAVERS)
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604], ids=oct)
def test_save_keeps_the_permission_bits_of_an_existing_file(tmp_path, library, mode):
    """torch 2.14 writes in place, so a private 0600 checkpoint stays 0600; minigrad's rename keeps it too."""
    save, load, ones = SAVERS[library]
    path = tmp_path / "ckpt"
    save({"epoch": 1}, path)
    os.chmod(path, mode)
    save({"epoch": 2, "w": ones()}, path)
    assert os.stat(path).st_mode & 0o7777 == mode
    assert load(path)["epoch"] == 2
    if library == "minigrad":
        assert sorted(os.listdir(tmp_path)) == ["ckpt"]


@pytest.mark.parametrize("library", SAVERS)
def test_save_writes_through_symlinks(tmp_path, library):
    """torch 2.14: the link stays a link and its target gets the checkpoint; a chain of links and a
    dangling link (whose target the save creates) too."""
    save, load, ones = SAVERS[library]
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch_3"
    save({"epoch": 3}, target)
    os.chmod(target, 0o600)
    (tmp_path / "latest").symlink_to("runs/epoch_3")  # relative, resolved from the link's directory
    (tmp_path / "best").symlink_to("latest")  # a link to a link
    save({"epoch": 4, "w": ones()}, tmp_path / "best")
    assert (tmp_path / "best").is_symlink() and (tmp_path / "latest").is_symlink()
    assert os.readlink(tmp_path / "latest") == "runs/epoch_3"
    assert load(target)["epoch"] == 4 and os.stat(target).st_mode & 0o777 == 0o600
    (tmp_path / "next").symlink_to("runs/epoch_5")  # dangling: the save creates the file it names
    save({"epoch": 5}, str(tmp_path / "next"))
    assert (tmp_path / "next").is_symlink() and load(tmp_path / "runs" / "epoch_5")["epoch"] == 5
    assert sorted(os.listdir(tmp_path)) == ["best", "latest", "next", "runs"]
    assert sorted(os.listdir(tmp_path / "runs")) == ["epoch_3", "epoch_5"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root may give a file away")
@pytest.mark.parametrize("library", SAVERS)
def test_save_keeps_the_owner_of_an_existing_file(tmp_path, library):
    """torch 2.14's in-place write keeps the file's owner and group; root's save keeps them too."""
    save, load, _ = SAVERS[library]
    path = tmp_path / "ckpt"
    save({"epoch": 1}, path)
    os.chown(path, 12345, 23456)
    save({"epoch": 2}, path)
    assert (os.stat(path).st_uid, os.stat(path).st_gid) == (12345, 23456) and load(path)["epoch"] == 2


def stray_files(directory):
    return sorted(name for name in os.listdir(directory) if ".minigrad-save-" in name)


def test_an_exception_while_writing_leaves_the_old_checkpoint_and_no_stray_file(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.mg"
    minigrad.save({"epoch": 1}, path)

    def interrupted(fd):
        raise KeyboardInterrupt  # Ctrl-C after the bytes were written, before they reached the disk

    monkeypatch.setattr(serialization.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        minigrad.save({"epoch": 2, "w": np.ones(1000)}, path)
    monkeypatch.undo()
    assert minigrad.load(path) == {"epoch": 1} and os.listdir(tmp_path) == ["ckpt.mg"]


def test_a_save_killed_midway_leaves_no_stray_file_after_the_next_save(tmp_path):
    """SIGKILL allows no cleanup: the old checkpoint survives (torch 2.14, writing in place, leaves a
    truncated file torch.load refuses) and the dead save's temporary file stays until the next save to
    the same path, which removes it."""
    path = tmp_path / "ckpt.mg"
    minigrad.save({"epoch": 1}, path)
    child = textwrap.dedent(f"""
        import os, sys, time
        import numpy as np
        import minigrad

        def stall(fd):  # the checkpoint is written but not yet renamed: kill me now
            print("written", flush=True)
            time.sleep(60)

        os.fsync = stall
        minigrad.save({{"epoch": 2, "w": np.ones(2_000_000)}}, {str(path)!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"written\n"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    (stray,) = stray_files(tmp_path)
    assert stray.startswith(".ckpt.mg.minigrad-save-") and stray.endswith(".tmp")
    assert os.path.getsize(tmp_path / stray) > 16_000_000  # the whole new checkpoint
    assert minigrad.load(path) == {"epoch": 1}
    minigrad.save({"epoch": 3}, path)
    assert os.listdir(tmp_path) == ["ckpt.mg"] and minigrad.load(path) == {"epoch": 3}


def test_a_save_removes_only_the_stale_files_of_its_own_path(tmp_path):
    """A temporary file that a live save holds locked (another thread or process saving the same path
    right now) is left alone; so are other files."""
    path = tmp_path / "ckpt.mg"
    others = [".ckpt.mg.swp", ".other.mg.minigrad-save-abc.tmp", "ckpt.mg.minigrad-save-abc.tmp"]
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    in_progress = tmp_path / ".ckpt.mg.minigrad-save-live.tmp"
    with open(in_progress, "wb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a save in progress holds it
        minigrad.save({"epoch": 1}, path)
        assert in_progress.exists()
    minigrad.save({"epoch": 2}, path)  # its save has died: the lock is gone, so is the file
    assert not in_progress.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(others + ["ckpt.mg"])


# -- whole models and optimizers, weights_only, map_location (torch 2.14's torch.load) ---------------

MODEL_SOURCE = '''
import minigrad
from minigrad import nn


class Tudui(nn.Module):
    """The lesson's model, small."""

    def __init__(self):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2), nn.ReLU(), nn.Flatten(),
                                   nn.Linear(4 * 4 * 4, 10))

    def forward(self, x):
        return self.model(x)
'''


@pytest.fixture
def lesson_module(tmp_path, monkeypatch):
    """A module ``lesson_model`` defining ``Tudui``, importable here and in a fresh process."""
    directory = tmp_path / "code"
    directory.mkdir()
    (directory / "lesson_model.py").write_text(MODEL_SOURCE)
    monkeypatch.syspath_prepend(str(directory))
    sys.modules.pop("lesson_model", None)
    import lesson_model

    yield lesson_model
    sys.modules.pop("lesson_model", None)


def trained(lesson_module, steps=2):
    """A Tudui and its SGD (momentum buffers filled) after a few steps."""
    minigrad.manual_seed(0)
    model = lesson_module.Tudui()
    optimizer = minigrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    images, targets = minigrad.randn(4, 3, 8, 8), minigrad.tensor([0, 1, 2, 3])
    for _ in range(steps):
        optimizer.zero_grad()
        minigrad.nn.CrossEntropyLoss()(model(images), targets).backward()
        optimizer.step()
    return model, optimizer, images, targets


def test_a_whole_model_and_optimizer_load_with_weights_only_false(tmp_path, lesson_module):
    model, optimizer, images, targets = trained(lesson_module)
    minigrad.save(model, tmp_path / "tudui_0.pth")  # as the lesson's torch.save(tudui, "tudui_0.pth")
    minigrad.save({"model": model, "optimizer": optimizer}, tmp_path / "both.pth")
    loaded = minigrad.load(tmp_path / "tudui_0.pth", weights_only=False)
    assert type(loaded) is lesson_module.Tudui and not loaded.model[0].weight.grad
    np.testing.assert_array_equal(loaded(images).detach().numpy(), model(images).detach().numpy())
    both = minigrad.load(tmp_path / "both.pth", weights_only=False)
    model2, optimizer2 = both["model"], both["optimizer"]
    assert optimizer2.param_groups[0]["params"][0] is model2.model[0].weight  # one object, as saved
    for m, o in ((model, optimizer), (model2, optimizer2)):  # training resumes identically
        o.zero_grad()
        minigrad.nn.CrossEntropyLoss()(m(images), targets).backward()
        o.step()
    for (name, p), q in zip(model.named_parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)


def test_weights_only_refuses_a_whole_model_with_torchs_message(tmp_path, lesson_module):
    model, optimizer, _, _ = trained(lesson_module, steps=0)
    minigrad.save(model, tmp_path / "tudui_0.pth")
    with pytest.raises(pickle.UnpicklingError) as ours:
        minigrad.load(tmp_path / "tudui_0.pth")
    torch.save(torch.nn.Linear(2, 2), tmp_path / "torch.pth")
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(tmp_path / "torch.pth")
    for phrase in ["Weights only load failed. This file can still be loaded, to do so you have two options",
                   "with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code execution",
                   "Alternatively, to load with `weights_only=True` please check the recommended steps",
                   "WeightsUnpickler error: Unsupported global: GLOBAL ", "was not an allowed global by default. Please use",
                   ".add_safe_globals([", ".safe_globals([", "context manager to allowlist this global"]:
        assert phrase in str(theirs.value) and phrase in str(ours.value), phrase
    assert "tudui_0.pth'" in str(ours.value) and "GLOBAL lesson_model.Tudui" in str(ours.value)
    minigrad.save(optimizer, tmp_path / "opt.pth")
    with pytest.raises(pickle.UnpicklingError, match="GLOBAL minigrad.optim.sgd.SGD was not an allowed global"):
        minigrad.load(tmp_path / "opt.pth")


def test_safe_globals_let_weights_only_load_a_model(tmp_path, lesson_module):
    model, _, images, _ = trained(lesson_module, steps=0)
    minigrad.save(model, tmp_path / "m.pth")
    classes = [lesson_module.Tudui, nn.Sequential, nn.Conv2d, nn.MaxPool2d, nn.ReLU, nn.Flatten, nn.Linear]
    with minigrad.serialization.safe_globals(classes):
        assert set(minigrad.serialization.get_safe_globals()) >= set(classes)
        loaded = minigrad.load(tmp_path / "m.pth")
    np.testing.assert_array_equal(loaded(images).detach().numpy(), model(images).detach().numpy())
    with pytest.raises(pickle.UnpicklingError):  # only inside the block
        minigrad.load(tmp_path / "m.pth")
    minigrad.serialization.add_safe_globals(classes[:-1])
    try:
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL minigrad.nn.modules.linear.Linear"):
            minigrad.load(tmp_path / "m.pth")
        minigrad.serialization.add_safe_globals([(nn.Linear, "minigrad.nn.modules.linear.Linear")])
        assert type(minigrad.load(tmp_path / "m.pth")) is lesson_module.Tudui
    finally:
        minigrad.serialization.clear_safe_globals()
    assert minigrad.serialization.get_safe_globals() == []


def test_plain_values_load_by_default(tmp_path):
    state = {"shape": minigrad.ones(2, 3).shape, "device": minigrad.device("cpu"), "dtype": minigrad.int32,
             "counts": __import__("collections").Counter("aab")}
    assert round_trip(state, tmp_path) == state


def test_weights_only_default_follows_pickle_module(tmp_path, lesson_module):
    """As torch: an explicit pickle_module makes the default weights_only False; both together are refused."""
    model, _, _, _ = trained(lesson_module, steps=0)
    minigrad.save(model, tmp_path / "m.pth")
    assert type(minigrad.load(tmp_path / "m.pth", pickle_module=pickle)) is lesson_module.Tudui
    torch.save({"w": torch.ones(1)}, tmp_path / "t.pth")
    for load, path in ((minigrad.load, "m.pth"), (torch.load, "t.pth")):
        with pytest.raises(RuntimeError, match="Can not safely load weights when explicit pickle_module is specified"):
            load(tmp_path / path, pickle_module=pickle, weights_only=True)
    with pytest.warns(UserWarning, match="pickle_load_args only works if `weights_only=False`"):
        minigrad.load(_state_file(tmp_path), encoding="utf-8")
    assert minigrad.load(_state_file(tmp_path), weights_only=False, encoding="latin1")["w"].shape == (2,)


def _state_file(tmp_path):
    path = tmp_path / "state.pth"
    minigrad.save({"w": minigrad.ones(2)}, path)
    return path


def test_the_weights_only_argument_is_keyword_only_as_torchs(tmp_path):
    with pytest.raises(TypeError):
        minigrad.load(_state_file(tmp_path), None, None, True)
    with pytest.raises(ValueError, match="f must be a file path in order to use the mmap argument"):
        minigrad.load(io.BytesIO(_state_file(tmp_path).read_bytes()), mmap=True)
    assert minigrad.load(_state_file(tmp_path), mmap=True)["w"].tolist() == [1.0, 1.0]


MAP_LOCATIONS = {
    "None": (None, None),
    "'cpu'": ("cpu", "cpu"),
    "device": (minigrad.device("cpu"), torch.device("cpu")),
    "torch.device": (torch.device("cpu"), torch.device("cpu")),
    "dict": ({"cuda:0": "cpu"}, {"cuda:0": "cpu"}),
    "dict cpu": ({"cpu": "cpu"}, {"cpu": "cpu"}),
    "callable": (lambda storage, location: storage, lambda storage, location: storage),
    "callable None": (lambda storage, location: None, lambda storage, location: None),
}


@pytest.mark.parametrize("name", MAP_LOCATIONS)
def test_map_location_forms_that_stay_on_the_cpu(tmp_path, name):
    ours, theirs = MAP_LOCATIONS[name]
    minigrad.save({"w": minigrad.arange(3)}, tmp_path / "m.pth")
    torch.save({"w": torch.arange(3)}, tmp_path / "t.pth")
    assert minigrad.load(tmp_path / "m.pth", map_location=ours)["w"].tolist() == [0, 1, 2]
    assert torch.load(tmp_path / "t.pth", map_location=theirs)["w"].tolist() == [0, 1, 2]


def test_map_location_callable_gets_each_tensor_and_the_location(tmp_path):
    seen = []
    minigrad.save({"a": minigrad.ones(2), "b": [minigrad.zeros(1)]}, tmp_path / "m.pth")
    loaded = minigrad.load(tmp_path / "m.pth", map_location=lambda tensor, location: seen.append(location) or tensor * 2)
    assert seen == ["cpu", "cpu"] and loaded["a"].tolist() == [2.0, 2.0]


@pytest.mark.parametrize("map_location", ["cuda", "cuda:1", minigrad.device("cuda", 0), torch.device("cuda"),
                                          {"cpu": "cuda:0"}, lambda storage, location: storage.cuda()], ids=repr)
def test_map_location_to_a_gpu_raises_the_gpu_error(tmp_path, map_location):
    minigrad.save({"w": minigrad.ones(2)}, tmp_path / "m.pth")
    with pytest.raises(RuntimeError, match="--engine torch --device cuda"):
        minigrad.load(tmp_path / "m.pth", map_location=map_location)
    minigrad.save({"epoch": 3}, tmp_path / "no_tensors.pth")  # as torch: nothing to move, nothing refused
    assert minigrad.load(tmp_path / "no_tensors.pth", map_location=map_location) == {"epoch": 3}
    if not torch.cuda.is_available():  # torch raises RuntimeError too, on a machine without a GPU
        torch.save({"w": torch.ones(2)}, tmp_path / "t.pth")
        theirs = {"cpu": "cuda:0"} if isinstance(map_location, dict) else (
            map_location if not isinstance(map_location, minigrad.device) else str(map_location))
        with pytest.raises(RuntimeError):
            torch.load(tmp_path / "t.pth", map_location=theirs)


def test_map_location_naming_no_device_is_torchs_error(tmp_path):
    minigrad.save({"w": minigrad.ones(2)}, tmp_path / "m.pth")
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        minigrad.load(tmp_path / "m.pth", map_location="gpu")


def test_a_truncated_or_corrupted_whole_model_file_names_the_file(tmp_path, lesson_module):
    model, _, _, _ = trained(lesson_module, steps=0)
    path = tmp_path / "tudui_0.pth"
    minigrad.save(model, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match="tudui_0.pth' is truncated"):
        minigrad.load(path, weights_only=False)
    flipped = bytearray(data)
    flipped[-10] ^= 0xFF
    path.write_bytes(bytes(flipped))
    with pytest.raises(RuntimeError, match="tudui_0.pth' is corrupted"):
        minigrad.load(path, weights_only=False)


def test_a_model_whose_class_is_gone_names_the_file(tmp_path, lesson_module):
    model, _, _, _ = trained(lesson_module, steps=0)
    minigrad.save(model, tmp_path / "tudui_0.pth")
    del lesson_module.Tudui  # as loading in a script that does not define or import the class
    with pytest.raises(AttributeError, match="tudui_0.pth'.*Tudui"):  # torch: AttributeError too
        minigrad.load(tmp_path / "tudui_0.pth", weights_only=False)


def test_a_whole_model_loads_in_a_fresh_process(tmp_path, lesson_module):
    """torch's lesson: save the model in one script, load it in another that imports the class."""
    model, _, images, _ = trained(lesson_module)
    minigrad.save(model, tmp_path / "tudui_0.pth")
    np.save(tmp_path / "images.npy", images.numpy())
    script = textwrap.dedent(f"""
        import numpy as np
        import minigrad
        from lesson_model import Tudui  # noqa: F401  (the class must be importable, as with torch.load)

        model = minigrad.load({str(tmp_path / "tudui_0.pth")!r}, map_location=minigrad.device("cpu"), weights_only=False)
        out = model(minigrad.from_numpy(np.load({str(tmp_path / "images.npy")!r})))
        np.save({str(tmp_path / "out.npy")!r}, out.detach().numpy())
        print(type(model).__name__, out.argmax(1).tolist())
    """)
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path / "code"), os.getcwd()]))
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "Tudui"
    np.testing.assert_array_equal(np.load(tmp_path / "out.npy"), model(images).detach().numpy())


def test_save_takes_torchs_arguments(tmp_path):
    minigrad.save({"w": minigrad.ones(1)}, tmp_path / "a.pth", pickle, 2)
    assert minigrad.load(tmp_path / "a.pth")["w"].tolist() == [1.0]
    with pytest.raises(ValueError, match="standard pickle module only"):
        minigrad.save({}, tmp_path / "b.pth", pickle_module=io)
