"""Reverse-mode automatic differentiation.

    function.py   Function: the op unit (forward + backward) and how a call records a graph node
    engine.py     the backward pass: topological order, broadcast reduction, accumulation;
                  backward() and grad(), where it starts
    inplace.py    advanced: in-place ops, views, version counters
    grad_mode.py  no_grad / enable_grad / set_grad_enabled
    gradcheck.py  finite-difference check of any op's backward
    trace.py      trace: a record of every backward step (node, incoming grad, input grads)

Entry points: ``tensor.backward()``, ``backward(tensors, grad_tensors)``, ``grad(outputs, inputs)``.
"""

from .engine import backward, grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .trace import trace

__all__ = ["Function", "backward", "grad", "gradcheck", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]
