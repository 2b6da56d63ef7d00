"""``minigrad.nn.functional``: the functions layers are built from.

Each name here is defined next to its op class in ``minigrad/ops/`` (forward and backward side
by side); this module only gathers them under torch's names.
"""

from ..ops.shape import flatten
from ..ops.softmax import log_softmax, softmax
from ..ops.unary import relu, sigmoid, tanh
