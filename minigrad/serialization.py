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

Saving is atomic: the bytes go to a temporary file in the target's directory, are flushed to
disk (``fsync``), then ``os.replace`` renames it over the target in one step. A crash mid-save
leaves the old checkpoint, never half of a new one.
"""

import collections
import contextlib
import hashlib
import io
import os
import pickle
import struct
import tempfile

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

    A path is written atomically: temporary file in the same directory, fsync, ``os.replace``."""
    data = _serialize(obj)
    if hasattr(f, "write"):
        f.write(data)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())  # the bytes are on disk before the rename makes them visible
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes files private (0600); use the usual mode
        os.replace(temporary, path)  # atomic: readers see the old file or the new one, never a mix
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_directory(directory)  # make the rename itself survive a crash


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
