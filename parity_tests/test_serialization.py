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
from minigrad import serialization
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
    with pytest.raises(pickle.UnpicklingError, match=r"evil.mg' asks to load posix.system|asks to load os.system"):
        minigrad.load(tmp_path / "evil.mg")
    assert not marker.exists()
    # numpy's own array pickling is refused too (an object array could hold anything)
    payload = pickle.dumps(np.arange(3), protocol=4)
    header = serialization._HEADER.pack(serialization.MAGIC, serialization.FORMAT_VERSION, len(payload),
                                        __import__("hashlib").sha256(payload).digest())
    (tmp_path / "numpy.mg").write_bytes(header + payload)
    with pytest.raises(pickle.UnpicklingError, match="minigrad.load refuses"):
        minigrad.load(tmp_path / "numpy.mg")


# -- saving --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [object(), torch.zeros(2), np.array([object()]), lambda: 0])
def test_save_refuses_what_load_could_not_rebuild(tmp_path, bad):
    path = tmp_path / "ckpt.mg"
    minigrad.save({"epoch": 1}, path)
    with pytest.raises(TypeError, match="minigrad.save (cannot store|stores numeric)"):
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
