"""Checkpoints: ``minigrad.save(obj, path)`` and ``minigrad.load(path)``.

``obj`` is what training wants to keep: state dicts of models and optimizers, nested as you
like. It may hold dicts (``OrderedDict`` too), lists, tuples, sets, numbers, strings, bytes,
``None``, minigrad tensors, numpy arrays and numpy scalars. Anything else is refused when saving,
with a ``TypeError`` naming it, so a file that saved can always be loaded.

The file is a small header followed by a pickle:

    b"\\x93MINIGRAD" | format version (1 byte) | payload length (8 bytes) | SHA-256 of payload (32 bytes) | payload

The header lets ``load`` say exactly what is wrong with a bad file: not a checkpoint at all
(a torch.save zip archive, say), cut short, or changed since it was written.

Safety: unpickling can call any function a file names, so a checkpoint from the internet could
run code. ``load`` therefore uses an ``Unpickler`` whose ``find_class`` admits only an allow-list:
this module's rebuild functions for tensors, arrays, scalars and dtypes, ``OrderedDict``,
``complex`` and ``slice`` (the role of torch's ``weights_only=True``). Arrays are stored as raw
bytes + dtype + shape, never through numpy's own pickling, which could hold objects.

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

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import numpy as np

from . import dtypes
from .nn.parameter import Parameter
from .tensor import Tensor

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


_ALLOWED = {
    (__name__, "_rebuild_array"): _rebuild_array,
    (__name__, "_rebuild_scalar"): _rebuild_scalar,
    (__name__, "_rebuild_tensor"): _rebuild_tensor,
    (__name__, "_rebuild_dtype"): _rebuild_dtype,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("builtins", "complex"): complex,
    ("builtins", "slice"): slice,
}


# -- saving ------------------------------------------------------------------------------------------


def _array_reduction(array):
    if array.dtype.hasobject or array.dtype.names is not None:
        raise TypeError(f"minigrad.save stores numeric numpy arrays only, not arrays of dtype {array.dtype}")
    flat = np.ascontiguousarray(array).reshape(-1)  # (a 0-d array becomes 1-d here: keep array.shape)
    # a PickleBuffer is written in place (no extra copy) and read back as a writable bytearray
    return _rebuild_array, (pickle.PickleBuffer(flat), array.dtype.str, array.shape)


class _Pickler(pickle.Pickler):
    """A pickler that writes tensors, arrays, numpy scalars and dtypes as calls to the rebuild
    functions above, and refuses every other kind of object."""

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return _rebuild_tensor, (obj.detach().numpy(), obj.requires_grad, isinstance(obj, Parameter))
        if isinstance(obj, np.ndarray):
            return _array_reduction(obj)
        if isinstance(obj, np.generic):
            if not isinstance(obj, (np.number, np.bool_)):
                raise TypeError(f"minigrad.save cannot store the numpy scalar {obj!r} of type {type(obj).__name__}")
            return _rebuild_scalar, (obj.tobytes(), obj.dtype.str)
        if isinstance(obj, dtypes.dtype):
            return _rebuild_dtype, (obj.name,)
        if type(obj) in (collections.OrderedDict, complex, slice, set, frozenset, bytearray, pickle.PickleBuffer):
            return NotImplemented  # pickle's usual way
        if any(obj is allowed for allowed in _ALLOWED.values()):
            return NotImplemented  # the rebuild functions themselves, written as references
        what = type(obj)
        raise TypeError(
            f"minigrad.save cannot store an object of type {what.__module__}.{what.__qualname__}: it stores "
            "dicts, lists, tuples, sets, numbers, strings, bytes, None, minigrad tensors, numpy arrays and "
            "numpy scalars (convert other objects to these first, e.g. torch tensors with .numpy())"
        )


def _serialize(obj):
    """The whole file's bytes: header + pickle payload."""
    stream = io.BytesIO()
    _Pickler(stream, protocol=5).dump(obj)
    payload = stream.getvalue()
    return _HEADER.pack(MAGIC, FORMAT_VERSION, len(payload), hashlib.sha256(payload).digest()) + payload


def save(obj, f):
    """Write ``obj`` to ``f`` (a path, or a binary file object opened for writing).

    A path is written atomically (temporary file beside the target, fsync, ``os.replace``), through
    symlinks, keeping the existing file's permission bits: see the module docstring."""
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


class _Unpickler(pickle.Unpickler):
    def __init__(self, stream, name):
        super().__init__(stream)
        self.name = name

    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        raise pickle.UnpicklingError(
            f"{self.name} asks to load {module}.{name}, which minigrad.load refuses: it only rebuilds tensors, "
            "numpy arrays and plain Python values, because unpickling arbitrary classes or functions could "
            "run code from the file. Was it written by minigrad.save?"
        )


def load(f):
    """Read back what ``save`` wrote to ``f`` (a path, or a binary file object opened for reading).

    Tensors come back as minigrad tensors (their ``requires_grad`` kept), arrays as numpy arrays,
    bit for bit as saved. A missing, truncated, corrupted or foreign file raises an error naming
    the file and what is wrong with it."""
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
    try:
        return _Unpickler(io.BytesIO(payload), name).load()
    except pickle.UnpicklingError:
        raise
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
