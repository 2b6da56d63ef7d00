"""``minigrad.nn.functional``: the functions layers are built from.

Each name here is defined next to its op class in ``minigrad/ops/`` (forward and backward side
by side); this module only gathers them under torch's names, with torch's signatures (the
functions below only put torch's legacy positional arguments where torch has them), and
makes every function that takes tensors read them as torch does (the last line).
"""

from .. import _interop

from ..ops.conv import conv2d
from ..ops.dropout import dropout, dropout2d
from ..ops.linear import linear
from ..ops import loss as _loss
from ..ops.normalization import batch_norm
from ..ops.padding import pad
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import flatten
from ..ops import softmax as _softmax
from ..ops.unary import leaky_relu, leaky_relu_, relu_, sigmoid, tanh
from ..ops.unary import nn_relu as relu  # relu(input, inplace=False)


# -- torch.nn.functional's signatures, where they differ from torch's (torch.softmax has no
# _stacklevel; the losses keep the deprecated size_average and reduce in their positions) -------


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return _softmax.log_softmax(input, dim, dtype)


def _reduction(size_average, reduce, reduction):
    """torch's legacy ``size_average``/``reduce`` flags, when given, decide the reduction (with its warning)."""
    if size_average is None and reduce is None:
        return reduction
    from .modules.loss import _legacy_reduction

    return _legacy_reduction(size_average, reduce)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
                  label_smoothing=0.0):
    reduction = _reduction(size_average, reduce, reduction)
    return _loss.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    return _loss.nll_loss(input, target, weight, ignore_index, _reduction(size_average, reduce, reduction))


def _weighted(errors, weight, input, reduction):
    """torch 2.14's elementwise ``weight`` of mse_loss and l1_loss: weight · error, summed, and
    divided by the sum of the weights for 'mean'."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = errors * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean":
        return weighted.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return _loss.l1_loss(input, target, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target) ** 2, weight, input, reduction)
    return _loss.mse_loss(input, target, reduction)


_interop.parse_tensor_arguments(globals())  # last: every function above reads its tensors as torch's parser
