"""Making tensors: ``tensor``, ``from_numpy`` and the factories (zeros, arange, randn, ...).

As in torch: Python floats become float32 (the default dtype) and ints become int64;
``from_numpy`` keeps the array's dtype and shares its memory. minigrad has six dtypes (float32,
float64, int64, int32, uint8, bool): ``tensor`` and ``as_tensor`` convert float16 to float32 and
int8, int16, uint16 and uint32 to int64; ``from_numpy``, which must share memory, refuses them.
"""

import functools
import math

import numpy as np

from . import dtypes, random
from ._interop import check_device, is_torch_tensor
from .ops._arguments import size_arguments
from .tensor import Tensor


def as_array(data, dtype=None):
    """``data`` (numbers, nested lists, arrays, tensors of minigrad or torch) as a numpy array.

    Arrays and tensors keep their dtype (and memory, when no ``dtype`` asks for a conversion),
    except dtypes minigrad lacks, whose values are converted (``dtypes.storage_dtype``).
    """
    target = dtypes.to_dtype(dtype)
    if isinstance(data, Tensor):
        array = data._array
    elif is_torch_tensor(data):  # go through numpy
        array = data.detach().cpu().numpy()
    elif isinstance(data, np.ndarray):
        array = data
    else:  # a number or a nested list
        element_types = _element_types(data)
        if any(issubclass(t, Tensor) for t in element_types):
            array = np.array([as_array(x) for x in data])
        else:
            array = np.array(data, dtype=_inferred_dtype(data, element_types))
    if target is not None:
        return array.astype(target.numpy, copy=False)
    return array.astype(dtypes.storage_dtype(array.dtype), copy=False)  # TypeError for dtypes minigrad lacks


def _inferred_dtype(data, element_types):
    """The dtype torch gives a number or nested list: every element votes with its own dtype
    (a Python bool → bool, int → int64, float → the default float dtype, a numpy scalar → its
    dtype) and the votes are promoted together. An empty list is the default float dtype."""
    votes = {_dtype_of_type(t) for t in element_types}
    if None in votes:  # something else inside (arrays, say): numpy decides
        return np.array(data).dtype
    if not votes:
        return dtypes.get_default_dtype().numpy
    return functools.reduce(dtypes.promote_types, votes)  # torch: int64 with float32 gives float32


def _element_types(data):
    """The types of the non-list elements of ``data``, one nesting level at a time (each level's
    ``set(map(type, ...))`` runs in C: a list of a million floats takes milliseconds)."""
    if not isinstance(data, (list, tuple)):
        return {type(data)}
    types = set(map(type, data))
    sequence_types = {t for t in types if issubclass(t, (list, tuple))}
    if sequence_types:
        types -= sequence_types
        for item in data:
            if isinstance(item, (list, tuple)):
                types |= _element_types(item)
    return types


def _dtype_of_type(t):
    if issubclass(t, np.generic):  # before float: np.float64 subclasses float
        return np.dtype(t)
    if issubclass(t, bool):  # before int: bool subclasses int
        return np.dtype(np.bool_)
    if issubclass(t, int):
        return np.dtype(np.int64)
    if issubclass(t, float):
        return dtypes.get_default_dtype().numpy
    return None


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new leaf tensor holding a copy of ``data``."""
    check_device(device)
    array = np.array(as_array(data, dtype), copy=True)
    return Tensor._wrap(array).requires_grad_(requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing its memory where the dtype allows (no copy when already a tensor)."""
    check_device(device)
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) == data.dtype):
        return data
    return Tensor._wrap(as_array(data, dtype))


def from_numpy(array):
    """A tensor sharing memory with ``array`` and keeping its dtype: TypeError for a dtype minigrad
    lacks (as torch for the ones it lacks; ``minigrad.tensor`` converts float16 and small integers)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _sizes(size):
    """The shape of a new tensor from ``f(2, 3)`` or ``f((2, 3))``; no size may be negative."""
    size = size_arguments(size)
    for n in size:
        if int(n) < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {list(size)}")
    return tuple(int(n) for n in size)


def _float_dtype(dtype):
    return (dtypes.to_dtype(dtype) or dtypes.get_default_dtype()).numpy


def _make(array, requires_grad):
    return Tensor._wrap(array).requires_grad_(requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _make(np.zeros(_sizes(size), _float_dtype(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _make(np.ones(_sizes(size), _float_dtype(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _make(np.empty(_sizes(size), _float_dtype(dtype)), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    check_device(device)
    if dtype is None:  # the fill value decides, as in torch
        dtype = None if isinstance(fill_value, float) else dtypes.storage_dtype(np.asarray(fill_value).dtype)
    return _make(np.full(_sizes((size,)), fill_value, _float_dtype(dtype)), requires_grad)


def _like(input, dtype):
    return dtypes.to_dtype(dtype).numpy if dtype is not None else input._array.dtype


def zeros_like(input, dtype=None, requires_grad=False, *, device=None):
    check_device(device)
    return _make(np.zeros(input.shape, _like(input, dtype)), requires_grad)


def ones_like(input, dtype=None, requires_grad=False, *, device=None):
    check_device(device)
    return _make(np.ones(input.shape, _like(input, dtype)), requires_grad)


def empty_like(input, dtype=None, requires_grad=False, *, device=None):
    check_device(device)
    return _make(np.empty(input.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, dtype=None, requires_grad=False, *, device=None):
    check_device(device)
    return _make(np.full(input.shape, fill_value, _like(input, dtype)), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``[start, start + step, ...]`` up to (not including) ``end``; ``ceil((end − start) / step)``
    values. Integers (int64) when every argument is an int, otherwise the default float dtype.

    As in torch, an integer ``dtype`` truncates start and step first: value i is
    ``int(start) + i · int(step)``; floats are computed in float64, then rounded to ``dtype``.
    """
    check_device(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if all_ints else dtypes.get_default_dtype()
    target = dtypes.to_dtype(dtype).numpy
    count = np.arange(math.ceil((end - start) / step))
    if target.kind == "f":
        values = start + step * count.astype(np.float64)
    else:
        values = int(start) + int(step) * count
    return _make(values.astype(target), requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    check_device(device)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    return _make(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    check_device(device)
    return _make(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def _sample_dtype(dtype, kernel):
    """The float dtype to sample in; torch's error for integer dtypes (``kernel`` names its sampler)."""
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{dtypes.from_numpy_dtype(dtype).torch_name}' "
            "(random floats need a floating-point dtype; use minigrad.randint for integers)"
        )
    return dtype


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """U[0, 1) samples."""
    check_device(device)
    dtype = _sample_dtype(dtype, "check_uniform_bounds")
    return _make(random.uniform(_sizes(size), 0.0, 1.0, dtype, generator), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """N(0, 1) samples."""
    check_device(device)
    dtype = _sample_dtype(dtype, "normal_kernel_cpu")
    return _make(random.normal(_sizes(size), 0.0, 1.0, dtype, generator), requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    check_device(device)
    if size is None:  # randint(high, size), both positional
        low, high, size = 0, low, high
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype = (dtypes.to_dtype(dtype) or dtypes.int64).numpy
    return _make(random.integers(_sizes((size,)), low, high, dtype, generator), requires_grad)


def rand_like(input, dtype=None, *, generator=None, device=None, requires_grad=False):
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randn_like(input, dtype=None, *, generator=None, device=None, requires_grad=False):
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, device=device, requires_grad=requires_grad)


def randperm(n, generator=None, dtype=None):
    return Tensor._wrap(random.permutation(n, generator).astype((dtypes.to_dtype(dtype) or dtypes.int64).numpy))
