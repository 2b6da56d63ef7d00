"""``minigrad.nn``: modules, layers, losses and initialisation, as in ``torch.nn``.

    parameter.py   Parameter: a tensor that a module owns and an optimizer updates
    module.py      Module: registration of parameters / buffers / children, state_dict, train/eval
    modules/       the layers (Conv2d, MaxPool2d, Linear, ...), containers and losses
    functional.py  the functions the layers call (defined with their ops in minigrad/ops/)
    init.py        initialisation schemes (kaiming, xavier, ...)
"""

from . import functional, init
from .module import Module
from .modules import (
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Flatten,
    Identity,
    L1Loss,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ModuleList,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .parameter import Parameter
