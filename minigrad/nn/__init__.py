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
    AdaptiveAvgPool2d,
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    CrossEntropyLoss,
    Dropout,
    Dropout2d,
    Flatten,
    Identity,
    L1Loss,
    LeakyReLU,
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
