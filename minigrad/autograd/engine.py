"""The backward pass: order the graph, run each node's backward once, accumulate into leaves.

    1. ``topological_order``: every node reachable from the roots, each listed before the nodes
       that made its inputs (an iterative depth-first search: no recursion limit).
    2. Walk that order. A node's incoming gradient is complete when it is reached, because
       every node that consumes its output came earlier. Run its backward, bring each input
       gradient back to the input's shape and dtype (``sum_to_shape``: the one place where
       broadcasting is undone) and add it to what that input's node has received so far.
    3. ``AccumulateGrad`` nodes add their gradient into the leaf's ``.grad``.
"""

import numpy as np

from ..ops._arguments import broadcasts_to
from .function import AccumulateGrad, tensor_class
from . import grad_mode

#: callables ``observer(node, grad, input_grads)`` told about every step, AccumulateGrad included
#: (see ``autograd.trace``)
observers = []


def topological_order(roots):
    """Nodes reachable from ``roots`` such that each node precedes all of its inputs' nodes."""
    order, visited = [], set()
    for root in roots:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, edges = stack[-1]
            for child, _ in edges:
                if child is not None and child not in visited:
                    visited.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:  # all inputs of `node` are placed: place the node after them
                stack.pop()
                order.append(node)
    order.reverse()  # post-order reversed: consumers before producers
    return order


def nodes_leading_to(order, targets):
    """The nodes of ``order`` (a topological order) from which some node in ``targets`` is reached."""
    leading = set()
    for node in reversed(order):  # producers first: a node's inputs are decided before it
        if node in targets or any(child in leading for child, _ in node.next_functions):
            leading.add(node)
    return leading


def sum_to_shape(grad, shape):
    """Undo numpy broadcasting: sum ``grad`` over the axes that broadcasting added or stretched.

    out = broadcast(x) copies x along those axes, so ∂L/∂x sums ∂L/∂out along them.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    stretched = tuple(i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1)
    grad = grad.sum(axis=tuple(range(extra)) + stretched, keepdims=True)
    return grad.reshape(shape)


def input_gradients(node, grad):
    """Run ``node.backward(grad)``; return one gradient per input, each in its input's shape and dtype."""
    grads = node.backward(grad)
    if not isinstance(grads, tuple):
        grads = (grads,)
    # too few is fine only where the missing inputs need no gradient (e.g. a trailing option)
    if len(grads) > len(node.input_meta) or any(node.needs_input_grad[len(grads) :]):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.input_meta)}, got {len(grads)})"
        )
    result = []
    for index, (needed, meta, g) in enumerate(zip(node.needs_input_grad, node.input_meta, grads)):
        if not needed or g is None:
            result.append(None)
            continue
        shape, dtype = meta
        g = np.asarray(g)
        if g.shape != shape and not broadcasts_to(shape, g.shape):
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {index} - got {list(g.shape)} "
                f"but expected shape compatible with {list(shape)}"
            )
        result.append(sum_to_shape(g, shape).astype(dtype, copy=False))
    return tuple(result)


def run_backward(roots, root_grads, retain_graph=False, capture=None):
    """Backpropagate ``root_grads`` from the ``roots`` nodes.

    Without ``capture`` gradients accumulate into leaves' ``.grad`` (``Tensor.backward``).
    With ``capture`` (a dict keyed by node) the gradient reaching each of those nodes is stored
    there instead and no ``.grad`` changes (``autograd.grad``).
    """
    pending = {}
    for node, g in zip(roots, root_grads):
        pending[node] = pending[node] + g if node in pending else g

    order = topological_order(roots)
    # autograd.grad runs only the nodes between the roots and the captured nodes, as torch does
    wanted = nodes_leading_to(order, capture) if capture is not None else None
    with grad_mode.set_grad_enabled(False):
        for node in order:
            grad = pending.pop(node, None)
            if grad is None:
                continue
            if capture is not None and node in capture:
                capture[node] = grad
            if wanted is not None and not any(child in wanted for child, _ in node.next_functions):
                continue
            if isinstance(node, AccumulateGrad):
                if capture is None:
                    accumulate(node.variable, grad)
                    for observer in observers:
                        observer(node, grad, ())  # a leaf has no inputs: nothing flows further
                continue
            retained = getattr(node, "retained_output", None)
            retained = retained() if retained is not None else None
            if retained is not None and capture is None:
                accumulate(retained, grad)
            grads = input_gradients(node, grad)
            for observer in observers:
                observer(node, grad, grads)
            if not retain_graph:
                node.release_saved()
            for (child, _), g in zip(node.next_functions, grads):
                if child is not None and g is not None:
                    pending[child] = pending[child] + g if child in pending else g


def accumulate(tensor, grad):
    """``tensor.grad += grad``, creating ``.grad`` (a private copy) the first time."""
    if tensor.grad is None:
        tensor.grad = tensor_class()._wrap(np.array(grad, dtype=tensor._array.dtype, copy=True))
    else:
        tensor.grad._array += grad
