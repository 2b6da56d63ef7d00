"""The dtypes minigrad knows, named as torch names them, each backed by a numpy dtype.

    minigrad.float32 (= minigrad.float)    minigrad.int64 (= minigrad.long)
    minigrad.float64 (= minigrad.double)   minigrad.int32, minigrad.uint8, minigrad.bool

Type promotion follows torch's three tiers: dimensioned tensors decide first, zero-dimensional
tensors next, Python numbers last; a lower tier only matters when its category (bool < integer
< floating) is higher than what the tiers above it gave.
"""

import functools

import numpy as np


class dtype:
    """A torch-style dtype: prints as ``minigrad.float32`` and wraps a numpy dtype.

    ``torch_name`` is the scalar type name torch's messages and ``Tensor.type()`` use ("Float" in
    ``FloatTensor``); ``c_name`` the C++ type some of torch's messages print ("float", "long int")."""

    def __init__(self, name, numpy_dtype, torch_name, c_name):
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        self.torch_name = torch_name
        self.c_name = c_name
        self.is_floating_point = self.numpy.kind == "f"
        self.itemsize = self.numpy.itemsize

    def __repr__(self):
        return f"minigrad.{self.name}"

    def __reduce__(self):  # pickle as the module-level singleton
        return (from_numpy_dtype, (self.numpy,))


float32 = dtype("float32", np.float32, "Float", "float")
float64 = dtype("float64", np.float64, "Double", "double")
int64 = dtype("int64", np.int64, "Long", "long int")
int32 = dtype("int32", np.int32, "Int", "int")
uint8 = dtype("uint8", np.uint8, "Byte", "unsigned char")
bool_ = dtype("bool", np.bool_, "Bool", "bool")

ALL_DTYPES = (float32, float64, int64, int32, uint8, bool_)
_BY_NUMPY = {d.numpy: d for d in ALL_DTYPES}
_DEFAULT_FLOAT = float32

#: numpy dtypes torch has and minigrad has not, and the dtype ``tensor``/``as_tensor`` convert
#: their values to (every value fits)
_CONVERTED = {
    np.dtype(np.float16): np.dtype(np.float32),
    np.dtype(np.int8): np.dtype(np.int64),
    np.dtype(np.int16): np.dtype(np.int64),
    np.dtype(np.uint16): np.dtype(np.int64),
    np.dtype(np.uint32): np.dtype(np.int64),
}


def from_numpy_dtype(numpy_dtype):
    """The minigrad dtype for a numpy dtype, with torch's TypeError for the ones minigrad lacks."""
    numpy_dtype = np.dtype(numpy_dtype)
    found = _BY_NUMPY.get(numpy_dtype)
    if found is None:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{numpy_dtype.type.__name__}. The only supported types are: "
            "float64, float32, int64, int32, uint8, and bool."
        )
    return found


def storage_dtype(numpy_dtype):
    """The numpy dtype minigrad keeps values of ``numpy_dtype`` in: the same when minigrad has it,
    float16 → float32 and the small integer types → int64 (values cast), TypeError otherwise."""
    numpy_dtype = np.dtype(numpy_dtype)
    if numpy_dtype in _BY_NUMPY:
        return numpy_dtype
    if numpy_dtype in _CONVERTED:
        return _CONVERTED[numpy_dtype]
    from_numpy_dtype(numpy_dtype)  # raises the TypeError naming the supported types


def from_tensor_type_name(name):
    """The dtype of a type name such as "minigrad.DoubleTensor" or "torch.LongTensor" (``Tensor.type``)."""
    scalar_name = name.rsplit(".", 1)[-1].removesuffix("Tensor")
    for d in ALL_DTYPES:
        if d.torch_name == scalar_name:
            return d
    raise ValueError(f"invalid type: '{name}' (minigrad has {', '.join(f'{d.torch_name}Tensor' for d in ALL_DTYPES)})")


def to_dtype(spec):
    """Accept a minigrad dtype, a numpy dtype, a Python type or a torch dtype; return a minigrad dtype."""
    if spec is None or isinstance(spec, dtype):
        return spec
    if spec is float:
        return _DEFAULT_FLOAT
    if spec is int:
        return int64
    if spec is bool:
        return bool_
    name = getattr(spec, "__module__", "") == "torch" and str(spec).removeprefix("torch.")
    if name:  # a torch.dtype such as torch.float64
        spec = name
    try:
        return from_numpy_dtype(spec)
    except TypeError:
        raise TypeError(f"unsupported dtype {spec!r}; use one of {', '.join(map(repr, ALL_DTYPES))}") from None


def get_default_dtype():
    return _DEFAULT_FLOAT


def set_default_dtype(d):
    global _DEFAULT_FLOAT
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _DEFAULT_FLOAT = d


_CATEGORY = {"b": 0, "i": 1, "u": 1, "f": 2}


def category(numpy_dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    return _CATEGORY[np.dtype(numpy_dtype).kind]


def result_dtype(*operands):
    """The numpy dtype of an op's result under torch's promotion rules.

    Each operand is an ndarray that came from a Tensor (0-d or not) or a Python number. Three
    tiers are promoted separately: dimensioned tensors, 0-d tensors, Python numbers (a number
    counts as bool, int64 or the default float). A later tier only wins with a higher category:
    ``int32 tensor + 5`` stays int32, ``int32 tensor + 2.5`` is float32.
    """
    shared = one_tensor_dtype(operands)
    if shared is not None:
        return shared
    dimensioned = [x.dtype for x in operands if isinstance(x, np.ndarray) and x.ndim]
    zero_dim = [x.dtype for x in operands if isinstance(x, np.ndarray) and not x.ndim]
    numbers = [_python_number_dtype(x) for x in operands if not isinstance(x, np.ndarray)]
    result = None
    for tier in (dimensioned, zero_dim, numbers):
        if not tier:
            continue
        candidate = functools.reduce(promote_types, tier)
        if result is None or category(candidate) > category(result):
            result = candidate
    return result


def one_tensor_dtype(operands):
    """The usual case, answered without the tiers: every tensor has one dtype, and it is floating
    point or there are no numbers (a Python number never beats a float tensor). None otherwise."""
    shared, numbers = None, False
    for x in operands:
        if isinstance(x, np.ndarray):
            if shared is None:
                shared = x.dtype
            elif x.dtype != shared:
                return None
        elif type(x) in (int, float):
            numbers = True
        else:  # bools, numpy scalars: the tiers decide
            return None
    return shared if shared is not None and (not numbers or shared.kind == "f") else None


def promote_types(a, b):
    """torch.promote_types: a higher category wins outright (int64 with float32 gives float32,
    where numpy would give float64); within one category the wider type wins."""
    if a == b:
        return np.dtype(a)
    if category(a) != category(b):
        return np.dtype(a) if category(a) > category(b) else np.dtype(b)
    return np.promote_types(a, b)


_BOOL, _INT64 = np.dtype(np.bool_), np.dtype(np.int64)


def _python_number_dtype(x):
    """How a Python number takes part in promotion: bool, int64 or the default float dtype."""
    if isinstance(x, (bool, np.bool_)):
        return _BOOL
    if isinstance(x, (int, np.integer)):
        return _INT64
    return _DEFAULT_FLOAT.numpy
