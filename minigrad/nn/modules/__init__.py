"""The layers of ``minigrad.nn``, one file per family (as torch/nn/modules/)."""

from .activation import LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleList, Sequential
from .conv import Conv2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten
from .linear import Identity, Linear
from .loss import CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
