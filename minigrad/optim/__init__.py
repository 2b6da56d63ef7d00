"""``minigrad.optim``: optimizers that update parameters from their ``.grad``, as ``torch.optim``.

    optimizer.py   Optimizer: param_groups, per-parameter state, zero_grad, state_dict
    sgd.py         SGD (momentum, Nesterov, weight decay)
    adam.py        Adam and AdamW
    lr_scheduler.py  schedulers that change group["lr"] over training (StepLR, OneCycleLR, ...)
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD
