"""``minigrad.nn.functional``: the functions layers are built from.

Each name here is defined next to its op class in ``minigrad/ops/`` (forward and backward side
by side); this module only gathers them under torch's names.
"""

from ..ops.conv import conv2d
from ..ops.dropout import dropout, dropout2d
from ..ops.linear import linear
from ..ops.loss import cross_entropy, l1_loss, mse_loss, nll_loss
from ..ops.normalization import batch_norm
from ..ops.padding import pad
from ..ops.pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from ..ops.shape import flatten
from ..ops.softmax import log_softmax, softmax
from ..ops.unary import leaky_relu, leaky_relu_, relu_, sigmoid, tanh
from ..ops.unary import nn_relu as relu  # relu(input, inplace=False)
