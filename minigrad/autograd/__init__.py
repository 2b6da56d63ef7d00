"""Reverse-mode automatic differentiation.

    function.py   Function: the op unit (forward + backward) and how a call records a graph node
    engine.py     the backward pass: topological order, broadcast reduction, accumulation
    grad_mode.py  no_grad / enable_grad / set_grad_enabled
    gradcheck.py  finite-difference check of any op's backward
    trace.py      trace: a record of every backward step (node, incoming grad, input grads)

Entry points: ``tensor.backward()``, ``backward(tensors, grad_tensors)``, ``grad(outputs, inputs)``.
"""

import numpy as np

from . import engine
from .function import Function, _edge_to, tensor_class
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck
from .trace import trace


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_gradients(outputs, grad_outputs):
    """The starting ∂L/∂output for each output: ones for a scalar when none is given."""
    Tensor = tensor_class()
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        root = _edge_to(out)
        if root is None:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (this output has shape "
                    f"{list(out.shape)}); call .sum() first or pass `gradient=` with that shape"
                )
            g = np.ones(out.shape, out._array.dtype)
        else:
            g = g._array if isinstance(g, Tensor) else np.asarray(g)
            if g.shape != out._array.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of minigrad.Size({list(g.shape)}) and "
                    f"output[{i}] has a shape of minigrad.Size({list(out.shape)})."
                )
            g = g.astype(out._array.dtype, copy=False)
        roots.append(root)
        root_grads.append(g)
    return roots, root_grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate ∂(tensors)/∂leaf into every leaf's ``.grad``."""
    if create_graph:
        raise NotImplementedError("minigrad computes first derivatives only: create_graph=True is not supported")
    outputs = _as_list(tensors)
    roots, root_grads = _root_gradients(outputs, grad_tensors)
    if inputs is None:
        engine.run_backward(roots, root_grads, retain_graph=bool(retain_graph))
        return
    gradients = grad(outputs, _as_list(inputs), grad_tensors, retain_graph=retain_graph, allow_unused=True)
    for tensor, g in zip(_as_list(inputs), gradients):
        if g is not None:
            engine.accumulate(tensor, g._array)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None):
    """∂(outputs)/∂(inputs) as a tuple of tensors, without touching any ``.grad``."""
    Tensor = tensor_class()
    if create_graph:
        raise NotImplementedError("minigrad computes first derivatives only: create_graph=True is not supported")
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    nodes = [_edge_to(x) for x in inputs]
    for i, node in enumerate(nodes):
        if node is None:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    roots, root_grads = _root_gradients(outputs, grad_outputs)
    capture = dict.fromkeys(nodes)
    engine.run_backward(roots, root_grads, retain_graph=bool(retain_graph), capture=capture)
    results = []
    for i, node in enumerate(nodes):
        g = capture[node]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        results.append(None if g is None else Tensor._wrap(np.array(g, copy=True)))
    return tuple(results)


__all__ = ["Function", "backward", "grad", "gradcheck", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]
