"""Where minigrad meets the rest of the PyTorch world: devices, and what is handed to its functions.

minigrad computes with numpy, on the CPU. Three kinds of things cross its border:

- **devices**: ``minigrad.device`` names one as ``torch.device`` does. Only the CPU exists here;
  asking for a GPU (``.cuda()``, ``.to("cuda")``, ``device="cuda"``) raises ``no_gpu_error``,
  which names the way to one: the torch engine of ``examples/train_cifar.py``.
- **torch tensors** (what torchvision's transforms and datasets give): a CPU tensor that needs no
  gradient becomes a minigrad tensor sharing its memory (a numpy view of it: no copy) and keeping
  its dtype. One that requires grad, or lives on a GPU, is refused with what to do.
- **anything else where a tensor belongs** (a numpy array, a list, a PIL image): torch's TypeError,
  naming the function, the argument and the type, plus how to make a tensor of it.

Both rules live in ``tensor_argument``, and every op reaches it from one of two doors:

    public functions   ``parse_tensor_arguments`` wraps every function of ``minigrad`` and
                       ``minigrad.nn.functional`` that takes tensors (torch's argument parser): it
                       knows each argument's name and runs before the function reads a shape.
    Function.apply     every op, however it was reached (a method's operand, an op inside
                       another), through ``op_input`` (autograd/function.py's accept step).

The package stays numpy-only and never imports torch: a torch tensor is recognised by the module
its type comes from.
"""

import functools
import inspect

import numpy as np

from . import dtypes

# -- devices -----------------------------------------------------------------------------------------

GPU_WAY = (
    "minigrad runs on the CPU only (numpy); to train on a GPU, use the torch engine of "
    "examples/train_cifar.py: python examples/train_cifar.py --engine torch --device cuda"
)

#: the device types torch knows, in the order its error message lists them
_DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


def no_gpu_error(what):
    """The error for asking minigrad for a device other than the CPU."""
    return RuntimeError(f"{what}: {GPU_WAY}")


class device:
    """Where a tensor lives, as ``torch.device``: ``device("cpu")``, ``device("cuda")``,
    ``device("cuda:0")``, ``device("cuda", 1)``, ``device(0)`` (a GPU index).

    Any of torch's device types can be named (so ``torch.device("cuda" if ... else "cpu")`` runs);
    minigrad's tensors and modules live on the CPU and refuse to go anywhere else."""

    __slots__ = ("_type", "_index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif _is_torch_device(type):
            type = str(type)
        if _is_index(type):  # torch.device(0) is the first GPU
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({_type_name(type)}), "
                            "but expected one of: (str type, int index = None) or (int index)")
        if not type:
            raise RuntimeError("Device string must not be empty")
        name, colon, number = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device string: {type}"
            )
        if colon:
            if not number.isdigit() or (len(number) > 1 and number[0] == "0"):
                raise RuntimeError(f"Invalid device string: '{type}'")
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {type}")
            index = int(number)
        if index is not None:
            if not _is_index(index):
                raise TypeError(f"device(): argument 'index' must be int, not {_type_name(index)}")
            if index < 0:
                raise RuntimeError("Device index must not be negative")
            index = int(index)
        self._type, self._index = name, index

    @property
    def type(self):
        return self._type

    @property
    def index(self):
        return self._index

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __format__(self, spec):
        return format(str(self), spec)

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other):  # as torch: a device equals a device, never a string ("cpu" == device is False)
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return (device, (self._type, self._index))


def _is_index(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_torch_device(value):
    return type(value).__module__ == "torch" and type(value).__name__ == "device"


CPU = device("cpu")


def as_device(value):
    """A ``minigrad.device`` from a device, a torch.device, a string ("cpu", "cuda:0") or a GPU index."""
    return value if isinstance(value, device) else device(value)


def check_device(value, what=None):
    """Accept ``device=None`` or the CPU; any other device gets the GPU error."""
    if value is not None and as_device(value).type != "cpu":
        prefix = f"{what}: " if what else ""
        raise no_gpu_error(f"{prefix}device '{as_device(value)}' is not available")


def _is_device_like(value):
    return isinstance(value, (device, str)) or _is_torch_device(value) or _is_index(value)


def parse_to_arguments(args, dtype=None, device=None):
    """Read ``.to(...)``'s positional arguments as torch does: a dtype, a device (a string, a
    device, a torch.device or a GPU index) or a tensor whose dtype to take; torch's trailing
    ``non_blocking``/``copy`` flags are ignored. Checks the device; returns the dtype (or None)."""
    from .autograd import function

    for arg in args:
        if isinstance(arg, function.Tensor) or is_torch_tensor(arg):  # take the tensor's dtype
            dtype = arg.dtype
        elif _is_device_like(arg):
            device = arg
        elif not isinstance(arg, (bool, np.bool_)):
            dtype = arg
    check_device(device, "to()")
    return dtype


# -- torch tensors -----------------------------------------------------------------------------------


def is_torch_tensor(value):
    """Whether ``value`` is a torch tensor (or Parameter), without importing torch."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


#: torch's dtypes that minigrad has, by name
_FROM_TORCH = {f"torch.{d.name}": d for d in dtypes.ALL_DTYPES}


def from_torch(value, where="minigrad"):
    """A CPU torch tensor as a minigrad tensor over the same memory (``value.numpy()`` is a view of
    it: writes through one are seen by the other), with the same dtype.

    Refused: a tensor that requires grad (minigrad cannot extend torch's graph: its gradient would
    be lost), one on a GPU (minigrad computes on the CPU), a dtype minigrad lacks (float16, ...)."""
    from .creation import from_numpy

    if value.requires_grad:
        raise RuntimeError(
            f"{where}: got a torch.Tensor that requires grad; minigrad cannot follow torch's graph, so the "
            "gradient would never reach it. Pass tensor.detach() (or make the tensor with minigrad)"
        )
    if value.device.type != "cpu":
        raise RuntimeError(
            f"{where}: got a torch.Tensor on device '{value.device}'; minigrad computes on the CPU: pass "
            f"tensor.cpu() ({GPU_WAY})"
        )
    dtype = _FROM_TORCH.get(str(value.dtype))
    if dtype is None:
        raise TypeError(
            f"{where}: got a torch.Tensor of dtype {value.dtype}, which minigrad does not have "
            f"({', '.join(d.name for d in dtypes.ALL_DTYPES)}): convert it first, e.g. tensor.float()"
        )
    return from_numpy(value.numpy())  # no copy: the array is a view of the tensor's memory


# -- the argument parser -------------------------------------------------------------------------------

_NUMBERS = (int, float, complex, np.number, np.bool_)  # bool is an int

#: the argument names that hold tensors in torch's signatures
TENSOR_ARGUMENTS = ("input", "other", "weight", "bias", "target", "condition", "exponent", "min", "max", "tensors")
#: arguments a Python number may stand in for (torch's "Number" overloads) ...
_NUMBER_ARGUMENTS = {"other", "exponent", "min", "max"}
#: ... except in these functions, which take tensors only
_TENSORS_ONLY = {"matmul", "maximum", "minimum", "equal", "allclose"}
#: functions whose first tensor may be a number too: torch.add(1, x), torch.pow(2, x), where(c, 1.0, x)
_NUMBER_INPUT = {"add", "sub", "mul", "div", "pow", "where"}
#: functions torch overloads: a wrong type gets "received an invalid combination of arguments"
_OVERLOADED = {"conv2d", "clamp", "clip", "pow", "where", "eq", "ne", "lt", "le", "gt", "ge", "squeeze", "var", "div"}
#: the names torch's messages give where its Python function calls another: F.cross_entropy's check
#: is made by cross_entropy_loss()
_TORCH_NAMES = {"cross_entropy": "cross_entropy_loss", "nll_loss": "nll_loss_nd"}


def _type_name(value):
    """A type as torch's messages name it: ``list``, ``numpy.ndarray``, ``Image``, ``Parameter``."""
    kind = type(value)
    module = kind.__module__ or ""
    return f"numpy.{kind.__name__}" if module.split(".")[0] == "numpy" else kind.__name__


def _hint(value):
    """How to turn ``value`` into something minigrad takes."""
    kind = type(value)
    if isinstance(value, np.ndarray):
        return ("minigrad functions take minigrad tensors: minigrad.from_numpy(array) shares the array's memory, "
                "minigrad.tensor(array) copies it")
    if kind.__module__.split(".")[0] == "PIL":
        return ("turn an image into a tensor with torchvision.transforms.ToTensor() (minigrad takes the CPU torch "
                "tensor it gives) or minigrad.tensor(numpy.asarray(image))")
    return "minigrad functions take minigrad tensors: make one with minigrad.tensor(...)"


_REFUSED = object()


def _accepted(value, where, numbers, optional):
    """``value`` as an op takes it (a torch tensor converted), or ``_REFUSED``."""
    from .autograd import function

    if isinstance(value, function.Tensor):
        return value
    if is_torch_tensor(value):
        return from_torch(value, where)
    if (value is None and optional) or (numbers and isinstance(value, _NUMBERS)):
        return value
    return _REFUSED


def tensor_argument(value, function, name, position, numbers=False, optional=False):
    """``value`` as the tensor argument ``name`` (1-based ``position``) of ``function``: a minigrad
    tensor as it is, a CPU torch tensor converted without a copy (``from_torch``), a number or
    ``None`` where allowed; anything else is torch's TypeError, plus a hint."""
    where = f"{function}(): argument '{name}' (position {position})"
    accepted = _accepted(value, where, numbers, optional)
    if accepted is _REFUSED:
        raise TypeError(f"{where} must be Tensor, not {_type_name(value)}\n({_hint(value)})")
    return accepted


def tensor_sequence(values, function, name, position):
    """cat's and stack's ``tensors``: a tuple or list whose items each pass ``tensor_argument``."""
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{function}(): argument '{name}' (position {position}) must be tuple of Tensors, "
                        f"not {_type_name(values)}")
    where = f"{function}(): argument '{name}' (position {position})"
    converted = [_accepted(value, where, False, False) for value in values]
    for i, value in enumerate(converted):
        if value is _REFUSED:
            raise TypeError(f"expected Tensor as element {i} in argument {position - 1}, but got "
                            f"{_type_name(values[i])}\n({_hint(values[i])})")
    return converted


def operand(value, method=None):
    """The other operand of a tensor's operator (``x + y``) or ``method`` (``x.add(y)``) when it is
    neither a tensor nor a number: a CPU torch tensor converted without a copy; a numpy array, in
    an operator, copied into a tensor (torch's operators, too, give a tensor for one, through
    numpy); anything else (a list, an image, an array given to a method) torch's TypeError."""
    where = f"{method}(): argument 'other' (position 1)" if method else "argument 'other'"
    if is_torch_tensor(value):
        return from_torch(value, where)
    if isinstance(value, np.ndarray) and method is None:
        from .creation import tensor

        return tensor(value)
    raise TypeError(f"{where} must be Tensor, not {_type_name(value)}\n({_hint(value)})")


def op_input(value, op, position):
    """An input of ``op`` that is neither a minigrad tensor nor a number (``Function.apply``'s
    accept step): a CPU torch tensor converted, ``None`` kept (an absent bias), anything else
    torch's TypeError."""
    where = f"{type(op).__name__.lower()}(): argument at position {position}"  # the op's class: Clamp → clamp()
    accepted = _accepted(value, where, False, True)
    if accepted is _REFUSED:
        raise TypeError(f"{where} must be Tensor, not {_type_name(value)}\n({_hint(value)})")
    return accepted


def tensor_arguments(function, name=None):
    """``function`` wrapped to read its tensor arguments as torch's argument parser does (see
    ``tensor_argument``), or ``function`` itself when it takes none. Too many positional arguments
    are Python's TypeError, as torch's: the functions have torch's signatures."""
    signature = inspect.signature(function)
    name = name or function.__name__  # the public name: F.relu may be defined as nn_relu
    torch_name = _TORCH_NAMES.get(name, name)
    checked = {}  # argument name → (1-based position, numbers allowed, None allowed)
    for position, p in enumerate(signature.parameters.values(), 1):
        if p.name in TENSOR_ARGUMENTS and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            numbers = (p.name in _NUMBER_ARGUMENTS and name not in _TENSORS_ONLY) or (
                p.name == "input" and name in _NUMBER_INPUT)
            checked[p.name] = (position, numbers, p.default is None)
    if not checked:
        return function
    by_index = [(checked[argument][0] - 1, argument) for argument in checked]

    def parse(argument, value, args, kwargs):
        position, numbers, optional = checked[argument]
        if argument == "tensors":
            return tensor_sequence(value, torch_name, argument, position)
        where = f"{torch_name}(): argument '{argument}' (position {position})"
        accepted = _accepted(value, where, numbers, optional)
        if accepted is not _REFUSED:
            return accepted
        if name not in _OVERLOADED:
            raise TypeError(f"{where} must be Tensor, not {_type_name(value)}\n({_hint(value)})")
        got = ", ".join([_type_name(a) for a in args] + [f"{k}={_type_name(v)}" for k, v in kwargs.items()])
        expected = ", ".join(("Tensor " if p.name in checked else "") + str(p) for p in signature.parameters.values())
        raise TypeError(f"{torch_name}() received an invalid combination of arguments - got ({got}), but expected "
                        f"({expected})\n({_hint(value)})")

    from .autograd import function as autograd_function  # (its Tensor is registered by the time of a call)

    @functools.wraps(function)
    def parsed(*args, **kwargs):
        tensor, given = autograd_function.Tensor, args
        for index, argument in by_index:
            if index < len(given) and (argument == "tensors" or not isinstance(given[index], tensor)):
                if args is given:
                    args = list(given)
                args[index] = parse(argument, given[index], given, kwargs)
        if kwargs:
            for argument in checked.keys() & kwargs.keys():
                if argument == "tensors" or not isinstance(kwargs[argument], tensor):
                    kwargs[argument] = parse(argument, kwargs[argument], given, kwargs)
        return function(*args, **kwargs)

    return parsed


def parse_tensor_arguments(namespace):
    """Wrap every public function of a module's namespace that takes tensors (``tensor_arguments``):
    ``minigrad`` and ``minigrad.nn.functional`` call this last, on their own ``globals()``."""
    for name, value in list(namespace.items()):
        if not name.startswith("_") and inspect.isfunction(value) and not hasattr(value, "__wrapped__"):
            namespace[name] = tensor_arguments(value, name)
