"""``SGD``: stochastic gradient descent, with momentum, Nesterov momentum and weight decay.

For each parameter p with gradient g, at every step (exactly torch's order of operations):

    g ← −g                           if maximize
    g ← g + weight_decay · p         L2 penalty (weight_decay/2)·‖p‖² added to the loss
    b ← g                            on the first step (momentum buffer: not dampened)
    b ← momentum · b + (1 − dampening) · g     afterwards
    g ← g + momentum · b             if nesterov (look ahead along the velocity)
    g ← b                            otherwise (when momentum ≠ 0)
    p ← p − lr · g
"""

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov, maximize=maximize
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = -p.grad._array if group["maximize"] else p.grad._array
                if weight_decay != 0:
                    g = g + weight_decay * p._array
                if momentum != 0:
                    state = self.state[p]
                    buffer = state.get("momentum_buffer")
                    if buffer is None:
                        buffer = state["momentum_buffer"] = Tensor._wrap(np.array(g, copy=True))
                    else:
                        buffer._array *= momentum
                        buffer._array += (1 - dampening) * g
                    g = g + momentum * buffer._array if nesterov else buffer._array
                p._array -= lr * g
                p._version_counter.value += 1
        return loss
