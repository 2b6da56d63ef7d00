"""Making tensors: ``tensor``, ``from_numpy`` and the factories (zeros, arange, randn, ...).

Signatures are torch's: the data or sizes are positional, every option (``dtype``, ``device``,
``requires_grad``, ``generator``, ``out``, ...) is keyword-only, and a call torch refuses gets
torch's TypeError (``zeros((2, 3), float64)``: "zeros() takes 1 positional argument but 2 were
given"), so code written here runs on torch too.

As in torch: Python floats become float32 (the default dtype) and ints become int64;
``from_numpy`` keeps the array's dtype and shares its memory. minigrad has six dtypes (float32,
float64, int64, int32, uint8, bool): ``tensor`` and ``as_tensor`` convert float16 to float32 and
int8, int16, uint16 and uint32 to int64; ``from_numpy``, which must share memory, refuses them.
"""

import functools
import inspect
import math

import numpy as np

from . import dtypes, random
from ._interop import _type_name, check_device, is_torch_tensor
from .autograd import grad_mode
from .ops._arguments import is_int
from .ops.arithmetic import write_out
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


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data``. (``pin_memory``, here and in the factories, is
    accepted and changes nothing: minigrad has only the CPU.)"""
    check_device(device)
    array = np.array(as_array(data, dtype), copy=True)
    return Tensor._wrap(array).requires_grad_(requires_grad)


def as_tensor(data, *, dtype=None, device=None):
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


# -- reading the arguments as torch's argument parser does -------------------------------------------

#: torch's overloads of the factories that have several: a call none of them takes gets torch's
#: TypeError, which lists them (``_invalid_combination``)
_OVERLOADS = {
    "rand": ("tuple of ints size",),
    "randn": ("tuple of ints size",),
    "randint": ("int high, tuple of ints size", "int low, int high, tuple of ints size"),
    "randperm": ("int n",),
    "eye": ("int n", "int n, int m"),
    "linspace": ("Number start, Number end, int steps",),
    "arange": ("Number end", "Number start, Number end", "Number start, Number end, Number step = 1"),
    "rand_like": ("Tensor input",),
    "randn_like": ("Tensor input",),
}


def _invalid_combination(function, args, kwargs=None):
    """torch's TypeError for arguments that none of ``function``'s overloads takes."""
    got = ", ".join([_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in (kwargs or {}).items()])
    parameters = inspect.signature(globals()[function]).parameters.values()
    keywords = ", ".join(str(p) for p in parameters if p.kind is p.KEYWORD_ONLY and p.name != "size")
    forms = "".join(f"\n * ({form}, *, {keywords})" for form in _OVERLOADS[function])
    return TypeError(
        f"{function}() received an invalid combination of arguments - got ({got}), but expected one of:{forms}")


def _overloaded(function):
    """``function``, where a call with more positional arguments than it takes gets torch's
    TypeError (``_invalid_combination``) rather than Python's "takes from 1 to 2 positional ...".
    Same name, docstring and signature; no ``__wrapped__``, so minigrad's argument parser
    (``_interop.parse_tensor_arguments``) still wraps it in turn."""
    signature = inspect.signature(function)
    most = sum(p.kind is p.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())

    def checked(*args, **kwargs):
        if len(args) > most:
            raise _invalid_combination(function.__name__, args, kwargs)
        return function(*args, **kwargs)

    checked.__name__ = checked.__qualname__ = function.__name__
    checked.__doc__, checked.__module__, checked.__signature__ = function.__doc__, function.__module__, signature
    return checked


def _size_item(value, first):
    """One size as an int, or None: an int, a 0-d integer tensor, or (after the first, as torch's
    parser allows) a bool."""
    if is_int(value) or (not first and isinstance(value, (bool, np.bool_))):
        return int(value)
    if (isinstance(value, Tensor) or is_torch_tensor(value)) and value.ndim == 0 and not value.is_floating_point():
        return int(value.item())
    return None


def _sizes(function, sizes, size=None, sequence_only=False, position=1):
    """The shape of a new tensor as torch reads it: ``f(2, 3)``, or one sequence ``f((2, 3))``
    (a list or a Size too), or ``f(size=(2, 3))``; with ``sequence_only`` (full, randint) only a
    sequence. torch's TypeError for anything else, its RuntimeError for a negative size."""
    if size is not None:
        if sizes:
            raise TypeError(f"{function}() got multiple values for argument 'size'")
        sizes = (size,)
    if not sizes:
        if function in _OVERLOADS:
            raise _invalid_combination(function, ())
        raise TypeError(f'{function}() missing 1 required positional arguments: "size"')
    in_sequence = isinstance(sizes[0], (tuple, list))
    if in_sequence and len(sizes) > 1:  # zeros((2, 3), float64): options are keywords
        if function in _OVERLOADS:
            raise _invalid_combination(function, sizes)
        raise TypeError(f"{function}() takes 1 positional argument but {len(sizes)} were given")
    if sequence_only and not in_sequence:
        raise TypeError(
            f"{function}(): argument 'size' (position {position}) must be tuple of ints, not {_type_name(sizes[0])}")
    if in_sequence:
        sizes = sizes[0]
    shape = []
    for i, value in enumerate(sizes):
        n = _size_item(value, first=i == 0)
        if n is None:
            if i > 0:
                raise TypeError(f"{function}(): argument 'size' failed to unpack the object at pos {i + 1} with error "
                                f"\"type must be tuple of ints,but got {_type_name(value)}\"")
            found = (f"but found element of type {_type_name(value)} at pos 0" if in_sequence
                     else f"not {_type_name(value)}")
            raise TypeError(f"{function}(): argument 'size' (position {position}) must be tuple of ints, {found}")
        shape.append(n)
    for n in shape:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {shape}")
    return tuple(shape)


def _float_dtype(dtype):
    return (dtypes.to_dtype(dtype) or dtypes.get_default_dtype()).numpy


def _out_dtype(function, dtype, out):
    """The dtype to make: ``dtype``, else out's when ``out=`` is given (torch's rule for factories)."""
    if out is None:
        return dtype
    if not isinstance(out, Tensor):
        raise TypeError(f"{function}(): argument 'out' must be Tensor, not {_type_name(out)}")
    if dtype is None:
        return out.dtype
    if dtypes.to_dtype(dtype) != out.dtype:
        raise RuntimeError(
            f"dtype {dtypes.to_dtype(dtype).torch_name} does not match dtype of out parameter ({out.dtype.torch_name})")
    return dtype


def _make(function, array, requires_grad, out=None):
    """The new tensor; with ``out=``, ``array`` written into out instead (resized silently if its
    shape differs, as torch's factories do), which is returned."""
    if out is None:
        return Tensor._wrap(array).requires_grad_(requires_grad)
    if out.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"{function}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    return write_out(function, array, out, warn_on_resize=False)


# -- the factories ------------------------------------------------------------------------------------


def zeros(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    dtype = _out_dtype("zeros", dtype, out)
    return _make("zeros", np.zeros(_sizes("zeros", sizes, size), _float_dtype(dtype)), requires_grad, out)


def ones(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    dtype = _out_dtype("ones", dtype, out)
    return _make("ones", np.ones(_sizes("ones", sizes, size), _float_dtype(dtype)), requires_grad, out)


def empty(*sizes, size=None, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    dtype = _out_dtype("empty", dtype, out)
    return _make("empty", np.empty(_sizes("empty", sizes, size), _float_dtype(dtype)), requires_grad, out)


def full(size, fill_value, *, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    dtype = _out_dtype("full", dtype, out)
    if dtype is None:  # the fill value decides, as in torch
        dtype = None if isinstance(fill_value, float) else dtypes.storage_dtype(np.asarray(fill_value).dtype)
    shape = _sizes("full", (size,), sequence_only=True)
    return _make("full", np.full(shape, fill_value, _float_dtype(dtype)), requires_grad, out)


def _like(input, dtype):
    return dtypes.to_dtype(dtype).numpy if dtype is not None else input._array.dtype


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    return _make("zeros_like", np.zeros(input.shape, _like(input, dtype)), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    return _make("ones_like", np.ones(input.shape, _like(input, dtype)), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    return _make("empty_like", np.empty(input.shape, _like(input, dtype)), requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    return _make("full_like", np.full(input.shape, fill_value, _like(input, dtype)), requires_grad)


def _number(value):
    """A 0-d tensor's value (torch takes one wherever it takes a number); other values unchanged."""
    return value.item() if isinstance(value, Tensor) and value.ndim == 0 else value


@_overloaded
def arange(start=None, end=None, step=None, *, out=None, dtype=None, device=None, requires_grad=False,
           pin_memory=False):
    """``[start, start + step, ...]`` up to (not including) ``end``; ``ceil((end − start) / step)``
    values: ``arange(end)``, ``arange(start, end)``, ``arange(start, end, step)`` (step only with
    both bounds, as in torch). Integers (int64) when every argument is an int, otherwise the
    default float dtype.

    As in torch, an integer ``dtype`` truncates start and step first: value i is
    ``int(start) + i · int(step)``; floats are computed in float64, then rounded to ``dtype``.
    """
    check_device(device)
    if end is None:  # arange(end)
        if start is None or step is not None:
            raise _invalid_combination("arange", [v for v in (start,) if v is not None],
                                       {} if step is None else {"step": step})
        start, end = 0, start
    start, end, step = _number(0 if start is None else start), _number(end), _number(1 if step is None else step)
    if not all(isinstance(v, (int, float, np.number)) for v in (start, end, step)):
        raise _invalid_combination("arange", (start, end, step))
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    dtype = _out_dtype("arange", dtype, out)
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if all_ints else dtypes.get_default_dtype()
    target = dtypes.to_dtype(dtype).numpy
    count = np.arange(math.ceil((end - start) / step))
    if target.kind == "f":
        values = start + step * count.astype(np.float64)
    else:
        values = int(start) + int(step) * count
    return _make("arange", values.astype(target), requires_grad, out)


@_overloaded
def linspace(start, end, steps, *, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    check_device(device)
    if not is_int(steps):
        raise _invalid_combination("linspace", (start, end, steps))
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = _out_dtype("linspace", dtype, out)
    array = np.linspace(_number(start), _number(end), steps).astype(_float_dtype(dtype))
    return _make("linspace", array, requires_grad, out)


@_overloaded
def eye(n, m=None, *, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """The n × m identity matrix (n × n without m)."""
    check_device(device)
    if not is_int(n):
        raise TypeError(f"eye(): argument 'n' (position 1) must be int, not {_type_name(n)}")
    if m is not None and not is_int(m):
        raise _invalid_combination("eye", (n, m))
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {value}")
    dtype = _out_dtype("eye", dtype, out)
    return _make("eye", np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad, out)


def _sample_dtype(dtype, kernel):
    """The float dtype to sample in; torch's error for integer dtypes (``kernel`` names its sampler)."""
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{dtypes.from_numpy_dtype(dtype).torch_name}' "
            "(random floats need a floating-point dtype; use minigrad.randint for integers)"
        )
    return dtype


def rand(*sizes, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False,
         pin_memory=False):
    """U[0, 1) samples."""
    check_device(device)
    shape = _sizes("rand", sizes, size)
    dtype = _sample_dtype(_out_dtype("rand", dtype, out), "check_uniform_bounds")
    return _make("rand", random.uniform(shape, 0.0, 1.0, dtype, generator), requires_grad, out)


def randn(*sizes, size=None, generator=None, out=None, dtype=None, device=None, requires_grad=False,
          pin_memory=False):
    """N(0, 1) samples."""
    check_device(device)
    shape = _sizes("randn", sizes, size)
    dtype = _sample_dtype(_out_dtype("randn", dtype, out), "normal_kernel_cpu")
    return _make("randn", random.normal(shape, 0.0, 1.0, dtype, generator), requires_grad, out)


@_overloaded
def randint(low=None, high=None, size=None, *, generator=None, out=None, dtype=None, device=None,
            requires_grad=False, pin_memory=False):
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)`` (torch's
    ``randint(low=0, high, size)``); size is a sequence."""
    check_device(device)
    position = 3
    if size is None:  # randint(high, size), both positional
        low, high, size, position = 0, low, high, 2
    elif high is None:  # randint(high, size=size)
        low, high = 0, low
    elif low is None:  # randint(high=high, size=size)
        low = 0
    low, high = _number(low), _number(high)
    if size is None or not is_int(low) or not is_int(high):
        raise _invalid_combination("randint", [v for v in (low, high, size) if v is not None])
    shape = _sizes("randint", (size,), sequence_only=True, position=position)
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dtype = (dtypes.to_dtype(_out_dtype("randint", dtype, out)) or dtypes.int64).numpy
    return _make("randint", random.integers(shape, low, high, dtype, generator), requires_grad, out)


@_overloaded
def rand_like(input, *, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return rand(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                requires_grad=requires_grad)


@_overloaded
def randn_like(input, *, generator=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    return randn(input.shape, generator=generator, dtype=dtype or input.dtype, device=device,
                 requires_grad=requires_grad)


@_overloaded
def randperm(n, *, generator=None, out=None, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A random permutation of 0, 1, ..., n − 1 (int64 unless ``dtype`` says otherwise)."""
    check_device(device)
    if not is_int(n):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {_type_name(n)}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = (dtypes.to_dtype(_out_dtype("randperm", dtype, out)) or dtypes.int64).numpy
    return _make("randperm", random.permutation(n, generator).astype(dtype), requires_grad, out)
