"""Loss layers: ``L1Loss``, ``MSELoss``, ``NLLLoss``, ``CrossEntropyLoss``, as in ``torch.nn``.

Each stores its options and calls the function of the same name in ``minigrad.nn.functional``
(where the formulas, their derivatives and torch's checks live). ``reduction`` is 'mean'
(default), 'sum' or 'none'. A class ``weight`` is a buffer: it is saved in ``state_dict``.
"""

import warnings

from .. import functional as F
from ..module import Module


def _legacy_reduction(size_average, reduce):
    """torch's deprecated (size_average, reduce) flags as a ``reduction`` string."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = ("mean" if size_average else "sum") if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.")
    return reduction


class _Loss(Module):
    def __init__(self, size_average=None, reduce=None, reduction="mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        self.reduction = reduction


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction="mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)


class L1Loss(_Loss):
    """mean |input − target| (or their sum, or each one, by ``reduction``)."""

    def forward(self, input, target):
        return F.l1_loss(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """mean (input − target)² (or their sum, or each one, by ``reduction``)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """−input[i, target[i]] averaged over the batch: input holds log-probabilities (N, C)."""

    def __init__(self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """NLLLoss of log_softmax(input): input holds raw scores (logits) (N, C); target holds class
    indices (N,) or class probabilities (N, C). ``label_smoothing`` ε mixes the target with the
    uniform distribution: (1 − ε)·target + ε/C."""

    def __init__(
        self, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean", label_smoothing=0.0
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )
