"""The backward pass: order the graph, run each node's backward once, accumulate into leaves.

``backward(tensors)`` (what ``loss.backward()`` calls) and ``grad(outputs, inputs)`` start it:

    1. ``topological_order``: every node reachable from the roots, each listed before the nodes
       that made its inputs (an iterative depth-first search: no recursion limit).
    2. Walk that order. A node's incoming gradient is complete when it is reached, because
       every node that consumes its output came earlier. Run its backward, bring each input
       gradient back to the input's shape and dtype (``sum_to_shape``: the one place where
       broadcasting is undone) and add it to what that input's node has received so far.
    3. ``AccumulateGrad`` nodes add their gradient into the leaf's ``.grad``.
"""

import numpy as np

from ..broadcasting import broadcasts_to
from . import function, grad_mode
from .function import AccumulateGrad, edge_to

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
        tensor.grad = function.Tensor._wrap(np.array(grad, dtype=tensor._array.dtype, copy=True))
    else:
        tensor.grad._array += grad


# -- where a backward pass starts: loss.backward() and autograd.grad() -------------------------------


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _root_gradients(outputs, grad_outputs):
    """The starting ∂L/∂output for each output: ones for a scalar when none is given."""
    Tensor = function.Tensor
    grads = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grads)} gradients")
    roots, root_grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        root = edge_to(out)
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
        run_backward(roots, root_grads, retain_graph=bool(retain_graph))
        return
    gradients = grad(outputs, _as_list(inputs), grad_tensors, retain_graph=retain_graph, allow_unused=True)
    for tensor, g in zip(_as_list(inputs), gradients):
        if g is not None:
            accumulate(tensor, g._array)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None):
    """∂(outputs)/∂(inputs) as a tuple of tensors, without touching any ``.grad``."""
    Tensor = function.Tensor
    if create_graph:
        raise NotImplementedError("minigrad computes first derivatives only: create_graph=True is not supported")
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    nodes = [edge_to(x) for x in inputs]
    for i, node in enumerate(nodes):
        if node is None:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    roots, root_grads = _root_gradients(outputs, grad_outputs)
    capture = dict.fromkeys(nodes)
    run_backward(roots, root_grads, retain_graph=bool(retain_graph), capture=capture)
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
