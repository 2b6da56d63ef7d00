"""Checkpoints: ``minigrad.save(obj, f)`` and ``minigrad.load(f, map_location=None, *, weights_only=None)``.

``obj`` is anything pickle can store, as with torch.save: state dicts of models and optimizers
(the usual way), or whole models and optimizers (``minigrad.save(model, "model.pth")``). Tensors
(their values and ``requires_grad``; no graph, no ``.grad``), numpy arrays and numpy scalars are
written as raw bytes + dtype + shape; everything else goes through pickle.

The file is a small header followed by a pickle:

    b"\\x93MINIGRAD" | format version (1 byte) | payload length (8 bytes) | SHA-256 of payload (32 bytes) | payload

The header lets ``load`` say exactly what is wrong with a bad file: not a checkpoint at all
(a torch.save zip archive, say), cut short, or changed since it was written.

Safety, as torch 2.14's ``weights_only``: unpickling can call any function a file names, so a
checkpoint from the internet could run code. By default ``load`` therefore rebuilds only tensors,
numpy arrays and scalars, dtypes, devices and plain Python values (dicts, OrderedDicts, lists,
tuples, sets, numbers, strings, bytes, None, complex, slice): its ``Unpickler`` admits only an
allow-list of globals, and refuses a whole model with torch's message and its two ways out:
``weights_only=False`` (for files you trust: it runs whatever the file names), or allow-listing
the classes with ``add_safe_globals`` / the ``safe_globals`` context manager. Arrays never go
through numpy's own pickling, which could hold objects.

Saving to a path is atomic: the bytes go to a temporary file beside the target, are flushed to
disk (``fsync``), then ``os.replace`` renames it over the target in one step. A crash mid-save
leaves the old checkpoint, never half of a new one. (torch.save writes in place: killed midway, it
leaves a truncated file that torch.load cannot read.) Otherwise it behaves as torch.save over an
existing file:

- a symlink is written through: the file it points to gets the new checkpoint (the temporary file
  is made beside that file, so the rename stays on one filesystem) and the link stays a link;
- the file keeps its permission bits (a private 0600 checkpoint stays private) and, where the OS
  allows it, its owner and group; a new file gets the usual ``0666 & ~umask``.

What can remain: an exception while saving (Ctrl-C included) removes the temporary file. A process
killed outright (SIGKILL, the OOM killer, a power cut) cannot clean up, so its temporary file,
named ``.<name>.minigrad-save-<random>.tmp``, stays until the next save to the same path, which
removes it. A save in progress holds a lock (``flock``) on its temporary file, which the OS drops
when the process dies, so a save only ever removes the files of saves that died, never those of a
save still running in another thread or process. Where ``flock`` does not exist (Windows) stale
files are not removed. Unlike torch's in-place write, the rename gives the path a new file: other
hard links to the old one keep the old checkpoint, and ACLs or extended attributes are not copied.
"""

import collections
import contextlib
import hashlib
import io
import os
import pickle
import stat
import struct
import tempfile
import warnings

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import numpy as np

from . import _interop, dtypes
from .nn.parameter import Parameter
from .tensor import Size, Tensor

MAGIC = b"\x93MINIGRAD"
FORMAT_VERSION = 1
_HEADER = struct.Struct(f"<{len(MAGIC)}sBQ32s")  # magic, version, payload length, sha256


# -- rebuilding (the only functions a checkpoint may call) -------------------------------------------


def _rebuild_array(buffer, dtype, shape):
    """An array from its raw bytes (a bytearray, so the array is writable without a copy)."""
    if isinstance(buffer, bytes):  # a read-only array was saved: give back a writable one
        buffer = bytearray(buffer)
    return np.frombuffer(buffer, dtype=np.dtype(dtype)).reshape(shape)


def _rebuild_scalar(buffer, dtype):
    return np.frombuffer(buffer, dtype=np.dtype(dtype))[0]


def _rebuild_tensor(array, requires_grad, is_parameter=False):
    if is_parameter:
        return Parameter(array, requires_grad=requires_grad)
    return Tensor._wrap(array, requires_grad=requires_grad)


def _rebuild_dtype(name):
    return dtypes.to_dtype(name)


#: what ``load`` rebuilds by default (``weights_only``): the functions above and plain values
_ALLOWED = {
    (__name__, "_rebuild_array"): _rebuild_array,
    (__name__, "_rebuild_scalar"): _rebuild_scalar,
    (__name__, "_rebuild_tensor"): _rebuild_tensor,
    (__name__, "_rebuild_dtype"): _rebuild_dtype,
    ("minigrad._interop", "device"): _interop.device,
    ("minigrad.tensor_methods", "Size"): Size,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("collections", "Counter"): collections.Counter,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
}

#: what the user allowed besides (``add_safe_globals``): "module.qualname" → the class or function
_safe_globals = {}


def _global_name(value):
    return f"{value.__module__}.{value.__qualname__}"


def add_safe_globals(safe_globals):
    """Let ``load(..., weights_only=True)`` rebuild these classes or functions too, as torch's
    ``torch.serialization.add_safe_globals``: ``add_safe_globals([MyModel, minigrad.nn.Linear])``.
    An item may be ``(value, "module.name")`` to match the name a file gives it. Only for code you trust:
    loading calls these with whatever arguments the file holds."""
    for item in safe_globals:
        value, name = item if isinstance(item, tuple) else (item, _global_name(item))
        _safe_globals[name] = value


def get_safe_globals():
    return [value if name == _global_name(value) else (value, name) for name, value in _safe_globals.items()]


def clear_safe_globals():
    _safe_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """``with safe_globals([MyModel]): load(path)``: ``add_safe_globals`` for the block only."""
    before = dict(_safe_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _safe_globals.clear()
        _safe_globals.update(before)


# -- saving ------------------------------------------------------------------------------------------


def _array_reduction(array):
    if array.dtype.hasobject or array.dtype.names is not None:
        raise TypeError(f"minigrad.save stores numeric numpy arrays only, not arrays of dtype {array.dtype}")
    flat = np.ascontiguousarray(array).reshape(-1)  # (a 0-d array becomes 1-d here: keep array.shape)
    # a PickleBuffer is written in place (no extra copy) and read back as a writable bytearray
    return _rebuild_array, (pickle.PickleBuffer(flat), array.dtype.str, array.shape)


class _Pickler(pickle.Pickler):
    """A pickler that writes tensors, arrays, numpy scalars and dtypes as calls to the rebuild
    functions above; everything else is pickled as usual (modules, optimizers, any object)."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _rebuild_tensor, (obj.detach().numpy(), obj.requires_grad, isinstance(obj, Parameter))
        if isinstance(obj, np.ndarray):
            return _array_reduction(obj)
        if isinstance(obj, (np.number, np.bool_)):
            return _rebuild_scalar, (obj.tobytes(), obj.dtype.str)
        if isinstance(obj, dtypes.dtype):
            return _rebuild_dtype, (obj.name,)
        if _interop.is_torch_tensor(obj):
            raise TypeError(
                "minigrad.save cannot store a torch.Tensor: save it with torch.save, or convert it to a minigrad "
                "tensor first (minigrad.from_numpy(t.numpy()) shares its memory)"
            )
        return NotImplemented  # pickle's usual way


def _serialize(obj):
    """The whole file's bytes: header + pickle payload (protocol 5: arrays travel as raw buffers)."""
    stream = io.BytesIO()
    _Pickler(stream, protocol=5).dump(obj)
    payload = stream.getvalue()
    return _HEADER.pack(MAGIC, FORMAT_VERSION, len(payload), hashlib.sha256(payload).digest()) + payload


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write ``obj`` to ``f`` (a path, or a binary file object opened for writing): a state dict, or
    anything pickle can store, a whole model or optimizer included (as torch.save).

    A path is written atomically (temporary file beside the target, fsync, ``os.replace``), through
    symlinks, keeping the existing file's permission bits: see the module docstring. The other
    arguments are torch.save's, accepted for its signature: minigrad always writes its own format
    with the standard ``pickle`` at protocol 5."""
    if pickle_module is not pickle:
        raise ValueError("minigrad.save writes with the standard pickle module only")
    data = _serialize(obj)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.path.realpath(os.fspath(f))  # through symlinks (a dangling one too), as torch.save
    directory, name = os.path.split(path)
    prefix = f".{name}.minigrad-save-"
    _remove_stale_temporaries(directory, prefix)
    fd, temporary = _locked_temporary(directory, prefix)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # the bytes are on disk before the rename makes them visible
            _copy_owner_and_mode(path, temporary)
            if fcntl is not None:  # rename while the lock is held, so no other save takes it as stale
                os.replace(temporary, path)  # atomic: readers see the old file or the new one, never a mix
        if fcntl is None:  # Windows renames closed files only (and removes no stale files: no race)
            os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)  # make the rename itself survive a crash


def _locked_temporary(directory, prefix):
    """A new temporary file ``<prefix><random>.tmp``, locked while open, so no other save takes it
    for a stale one (see ``_remove_stale_temporaries``)."""
    while True:
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
        if fcntl is None:
            return fd, temporary
        fcntl.flock(fd, fcntl.LOCK_EX)
        if os.fstat(fd).st_nlink:
            return fd, temporary
        os.close(fd)  # another save removed it as stale in the instant before we locked it: again


def _remove_stale_temporaries(directory, prefix):
    """Remove the temporary files of earlier saves to the same path that were killed midway: those
    nobody holds a lock on (the OS drops a dead process's locks)."""
    if fcntl is None:
        return
    for entry in os.scandir(directory):
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        with contextlib.suppress(OSError):  # gone already, or a save in progress holds it
            fd = os.open(entry.path, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(entry.path)
            finally:
                os.close(fd)


def _copy_owner_and_mode(path, temporary):
    """Give ``temporary`` the existing checkpoint's permission bits, owner and group, as torch.save's
    in-place write keeps them; a new checkpoint gets ``0666 & ~umask``, not mkstemp's private 0600."""
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        os.chmod(temporary, 0o666 & ~_umask())
        return
    mine = os.stat(temporary)
    if hasattr(os, "chown") and (mine.st_uid, mine.st_gid) != (existing.st_uid, existing.st_gid):
        with contextlib.suppress(OSError):  # only root may give a file away; a group we are in is fine
            os.chown(temporary, existing.st_uid, existing.st_gid)
    os.chmod(temporary, stat.S_IMODE(existing.st_mode))  # after chown, which may clear setuid/setgid


def _umask():
    mask = os.umask(0)  # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask


def _fsync_directory(directory):
    with contextlib.suppress(OSError, AttributeError):  # not possible on every platform (Windows)
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- loading -----------------------------------------------------------------------------------------


_UNSAFE = (
    "Re-running `minigrad.load` with `weights_only` set to `False` will likely succeed, but it can result in "
    "arbitrary code execution. Do it only if you got the file from a trusted source."
)


class _Unpickler(pickle.Unpickler):
    """Rebuilds what ``_Pickler`` wrote. With ``weights_only`` it admits only the allow-list (and
    ``add_safe_globals``); the rebuilt tensors go through ``relocate`` (``map_location``)."""

    def __init__(self, stream, name, weights_only, relocate, **pickle_load_args):
        super().__init__(stream, **pickle_load_args)
        self.name, self.weights_only, self.relocate = name, weights_only, relocate

    def find_class(self, module, name):
        if (module, name) == (__name__, "_rebuild_tensor"):
            return self.rebuild_tensor
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if f"{module}.{name}" in _safe_globals:
            return _safe_globals[f"{module}.{name}"]
        if not self.weights_only:
            return super().find_class(module, name)
        global_name = f"{module}.{name}"
        raise pickle.UnpicklingError(
            f"minigrad.load: {self.name}: Weights only load failed. This file can still be loaded, to do so you have "
            "two options, do those steps only if you trust the source of the checkpoint. "
            f"\n\t(1) {_UNSAFE}\n\t(2) Alternatively, to load with `weights_only=True` please check the recommended "
            "steps in the following error message.\n\tWeightsUnpickler error: Unsupported global: GLOBAL "
            f"{global_name} was not an allowed global by default. Please use "
            f"`minigrad.serialization.add_safe_globals([{global_name}])` or the "
            f"`minigrad.serialization.safe_globals([{global_name}])` context manager to allowlist this global if "
            "you trust this class/function.\n\nBy default (weights_only=True) minigrad.load rebuilds only tensors, "
            "numpy arrays and plain Python values such as state dicts: save model.state_dict() to share weights."
        )

    def rebuild_tensor(self, array, requires_grad, is_parameter=False):
        return self.relocate(_rebuild_tensor(array, requires_grad, is_parameter))


class _Raised(Exception):
    """Carries an error that must reach the caller as it is (not as "could not rebuild")."""

    def __init__(self, error):
        self.error = error


def _relocation(map_location, name):
    """``map_location`` as a function of each loaded tensor, as torch.load reads it: None or "cpu"
    keep it; a device or a string names where every tensor goes; a dict maps the saved location
    ("cpu": minigrad saves nothing else) to another; a callable gets ``(tensor, "cpu")`` and returns
    a tensor, or None to keep it. Any device but the CPU raises the GPU error."""
    if map_location is None:
        return lambda tensor: tensor
    if isinstance(map_location, dict):
        target = {str(k): v for k, v in map_location.items()}.get("cpu", "cpu")
        return _relocation(target, name)
    if callable(map_location) and not isinstance(map_location, _interop.device):
        def relocate(tensor):
            try:
                result = map_location(tensor, "cpu")
            except Exception as error:
                raise _Raised(error) from error
            if result is None:
                return tensor
            if not isinstance(result, Tensor):
                raise _Raised(TypeError(
                    f"map_location returned {type(result).__name__}; it must return a minigrad tensor or None"))
            return result

        return relocate
    target = _interop.as_device(map_location)
    if target.type == "cpu":
        return lambda tensor: tensor

    def refuse(tensor):
        raise _Raised(RuntimeError(
            f"minigrad.load: {name}: Attempting to deserialize object on a {target.type.upper()} device ('{target}') but minigrad has no "
            "GPU (minigrad.cuda.is_available() is False). Please use minigrad.load with "
            f"map_location=minigrad.device('cpu') to map your storages to the CPU. {_interop.GPU_WAY}"
        ))

    return refuse


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read back what ``save`` wrote to ``f`` (a path, or a binary file object opened for reading),
    with torch.load's arguments and defaults.

    ``weights_only`` (the default, as in torch 2.6 and later: None means True unless a
    ``pickle_module`` is given) rebuilds tensors, numpy arrays and plain Python values only, and
    refuses anything else with torch's message. ``weights_only=False`` loads whole models and
    optimizers, whose classes must be importable here; **use it only for files you trust**: it
    runs whatever functions the file names. ``map_location``: see ``_relocation``.
    ``mmap`` is accepted for torch's signature (the file is read into memory either way);
    ``pickle_load_args`` (``encoding``, ...) reach the unpickler when ``weights_only`` is False.

    Tensors come back as minigrad tensors (their ``requires_grad`` kept), arrays as numpy arrays,
    bit for bit as saved. A missing, truncated, corrupted or foreign file raises an error naming
    the file and what is wrong with it."""
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    if pickle_module not in (None, pickle):
        raise ValueError("minigrad.load reads with the standard pickle module only")
    if pickle_load_args and weights_only:
        warnings.warn("pickle_load_args only works if `weights_only=False`.")
        pickle_load_args = {}
    if mmap and hasattr(f, "read"):
        raise ValueError("f must be a file path in order to use the mmap argument")
    if hasattr(f, "read"):
        name = repr(getattr(f, "name", f))
        data = f.read()
    else:
        name = repr(os.fspath(f))
        try:
            with open(f, "rb") as stream:
                data = stream.read()
        except FileNotFoundError:
            raise FileNotFoundError(f"minigrad.load: no such file: {name}") from None
        except IsADirectoryError:
            raise IsADirectoryError(f"minigrad.load: {name} is a directory, not a checkpoint file") from None
    payload = _check_file(data, name)
    relocate = _relocation(map_location, name)
    try:
        return _Unpickler(io.BytesIO(payload), name, weights_only, relocate, **pickle_load_args).load()
    except _Raised as raised:
        raise raised.error from None
    except pickle.UnpicklingError:
        raise
    except (AttributeError, ImportError) as error:  # a class the file names does not exist here
        raise type(error)(
            f"minigrad.load: {name}: {error} (a whole model loads only where its class can be imported, as "
            "with torch.load; or save and load model.state_dict())"
        ) from error
    except Exception as error:  # the checksum matched, so the file was written like this
        raise RuntimeError(f"minigrad.load: could not rebuild the contents of {name}: {error}") from error


def _check_file(data, name):
    """The pickle payload of a checkpoint file's bytes, after checking header, length and checksum."""
    if not data:
        raise RuntimeError(f"minigrad.load: {name} is empty (0 bytes): it is not a minigrad checkpoint")
    if len(data) < _HEADER.size and (MAGIC.startswith(data) or data.startswith(MAGIC)):
        raise RuntimeError(
            f"minigrad.load: {name} is truncated: it holds {len(data)} bytes, fewer than the {_HEADER.size}-byte header"
        )
    if not data.startswith(MAGIC):
        if data.startswith(b"PK\x03\x04"):
            hint = "it is a zip archive, probably written by torch.save: load it with torch.load"
        elif data.startswith(b"\x80"):
            hint = "it is a plain pickle, not written by minigrad.save"
        else:
            hint = f"it starts with {data[:len(MAGIC)]!r} instead of {MAGIC!r}"
        raise RuntimeError(f"minigrad.load: {name} is not a minigrad checkpoint: {hint}")
    _, version, length, digest = _HEADER.unpack_from(data)
    if version != FORMAT_VERSION:
        raise RuntimeError(
            f"minigrad.load: {name} has checkpoint format version {version}; this minigrad reads version {FORMAT_VERSION}"
        )
    payload = data[_HEADER.size :]
    if len(payload) < length:
        raise RuntimeError(
            f"minigrad.load: {name} is truncated: its header announces {length} bytes of data but only "
            f"{len(payload)} follow (an interrupted copy or download?)"
        )
    if len(payload) > length:
        raise RuntimeError(f"minigrad.load: {name} is corrupted: {len(payload) - length} unexpected bytes follow its data")
    if hashlib.sha256(payload).digest() != digest:
        raise RuntimeError(
            f"minigrad.load: {name} is corrupted: its data does not match the SHA-256 checksum in its header "
            "(it changed after it was written)"
        )
    return payload
