"""minigrad: a reverse-mode autograd engine in numpy with PyTorch's API.

Reading order for learning backprop:
    tensor.py               the Tensor: values + requires_grad + grad_fn + grad
    autograd/function.py    Function: how one op records a node of the graph
    ops/arithmetic.py       the simplest ops, forward and backward side by side
    autograd/engine.py      the backward pass over the recorded graph
    ops/conv.py             conv2d; ops/pooling.py max_pool2d; ops/loss.py the losses
                            (nn/functional.py gathers them under torch's names)
    kernels/                the same math computed faster (not needed to learn backprop)
"""

from . import autograd, nn, optim  # torch.optim, too, comes with `import torch`
from . import backends, cuda
from ._interop import device
from .kernels.chunking import get_num_threads, set_num_threads
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .dtypes import bool_ as bool
from .dtypes import dtype, float32, float64, get_default_dtype, int32, int64, set_default_dtype, uint8
from .ops.arithmetic import add, div, mul, neg, reciprocal, sub
from .ops.power import pow
from .ops.linalg import matmul
from .ops.reduction import all, amax, amin, any, argmax, argmin, max, maximum, mean, min, minimum, norm, std, sum, var
from .ops.shape import cat, clone, concat, concatenate, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze, where
from .ops.softmax import log_softmax, softmax
from .ops.indexing import gather, masked_fill, scatter, scatter_add
from .ops.shape import chunk, narrow, nonzero, split, t
from .ops.sorting import argsort, sort, topk
from .ops.unary import round
from .ops.unary import abs, clamp, exp, log, relu, relu_, sigmoid, sqrt, tanh
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor
from .serialization import load, save
from . import utils  # minigrad.utils.data: Dataset, DataLoader

float = float32
double = float64
long = int64
int = int32
clip = clamp
__version__ = "0.1.0"


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def eq(input, other):
    return input == other


def ne(input, other):
    return input != other


def lt(input, other):
    return input < other


def le(input, other):
    return input <= other


def gt(input, other):
    return input > other


def ge(input, other):
    return input >= other


def isnan(input):
    return input.isnan()


def equal(input, other):
    return input.equal(other)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return input.allclose(other, rtol, atol, equal_nan)


def detach(input):
    return input.detach()


from . import _interop  # noqa: E402

_interop.parse_tensor_arguments(globals())  # last: every function above reads its tensors as torch's parser
