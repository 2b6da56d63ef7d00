"""``Parameter``: a tensor that a ``Module`` owns and an optimizer updates.

A Parameter is an ordinary leaf tensor with ``requires_grad=True`` by default. Its only job is
to be recognised: assigning one to a module attribute (``self.weight = Parameter(...)``)
registers it, so that ``module.parameters()`` finds it. Ops on a Parameter return plain
tensors, as in torch.
"""

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """``Parameter(data, requires_grad=True)``: shares memory with ``data`` (a tensor or array)."""

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            array = np.empty(0, np.float32)
        elif isinstance(data, Tensor):
            array = data._array  # shared, as torch.nn.Parameter(t) shares t's storage
        else:
            array = np.asarray(data)
        self._init(array, requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):  # copy.deepcopy and pickle give back a Parameter
        return (Parameter, (self._array, self._requires_grad))

    def __deepcopy__(self, memo):
        copy = Parameter(self._array.copy(), self._requires_grad)
        memo[id(self)] = copy
        return copy
