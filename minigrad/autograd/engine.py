"""The backward pass: order the graph, run each node's backward once, accumulate into leaves.

``backward(tensors)`` (what ``loss.backward()`` calls) and ``grad(outputs, inputs)`` start it:

    1. ``execution_order``: every node reachable from the roots, each listed after all the nodes
       that use its output (a topological order, iterative: no recursion limit). Where several
       orders would do, it is the one torch's engine runs, so hooks fire in torch's order.
    2. Walk that order. A node's incoming gradient is complete when it is reached, because
       every node that consumes its output came earlier. Run its backward, bring each input
       gradient back to the input's shape and dtype (``sum_to_shape``: the one place where
       broadcasting is undone) and add it to what that input's node has received so far.
    3. ``AccumulateGrad`` nodes add their gradient into the leaf's ``.grad``.

Hooks (``x.register_hook``, ``node.register_hook``, ...) run at fixed points of step 2, listed in
``autograd/hooks.py``; a node without hooks costs one ``None`` check.
"""

import numpy as np

from ..broadcasting import broadcasts_to
from . import function, grad_mode
from .function import AccumulateGrad, gradient_edge

#: callables ``observer(node, grad, input_grads)`` told about every step, AccumulateGrad included
#: (see ``autograd.trace``). A node with several outputs (a module's backward hook, whose
#: ``input_grads`` hold one gradient per tensor) reports as ``grad`` its first output's gradient.
observers = []


def count_uses(roots):
    """{node: how many edges lead into it} over the graph reachable from ``roots`` (an op that uses
    a tensor twice, as in x * x, counts twice); each root counts one more use (the caller's)."""
    uses = dict.fromkeys(roots, 0)
    stack = list(uses)
    for root in roots:
        uses[root] += 1
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            if child not in uses:
                uses[child] = 0
                stack.append(child)
            uses[child] += 1
    return uses


def execution_order(roots, runs=None):
    """Every node reachable from ``roots`` (only those in ``runs``, if given), each after all the
    nodes that use its output, in the order torch's engine runs them.

    Kahn's algorithm: a node is ready once all its uses have run (its gradient is then complete);
    of the ready nodes, ``ReadyQueue`` says which runs next.
    """
    uses = count_uses(roots)
    ready, order = ReadyQueue(), []

    def release(node):  # one use of node has run
        uses[node] -= 1
        if uses[node] == 0 and (runs is None or node in runs):
            ready.push(node)

    for root in roots:  # the caller's use of each root
        release(root)
    while ready.heap:
        node = ready.pop()
        order.append(node)
        edges = node.next_functions
        if node.release_order is not None:
            edges = [edges[i] for i in node.release_order]
        for child, _ in edges:
            if child is not None:
                release(child)
    return order


class ReadyQueue:
    """The nodes ready to run, the one with the highest ``sequence_nr`` first: the most recently
    created node, or before any other a leaf's AccumulateGrad (its number is infinite).

    A binary heap kept exactly as torch keeps its ready queue (a C++ ``std::priority_queue``):
    nodes with equal numbers, several AccumulateGrads ready at once, come out in torch's order too
    (e.g. leaves 0, 2, 1, 3 after ``stack([x0, x1, x2, x3])``)."""

    def __init__(self):
        self.heap = []

    def push(self, node):
        heap, number = self.heap, node.sequence_nr
        hole = len(heap)
        heap.append(node)
        while hole and heap[(hole - 1) // 2].sequence_nr < number:  # up past every smaller parent
            parent = (hole - 1) // 2
            heap[hole], hole = heap[parent], parent
        heap[hole] = node

    def pop(self):
        heap = self.heap
        last = heap.pop()
        if not heap:
            return last
        top, n = heap[0], len(heap)
        hole = child = 0  # the hole at the top goes down to a leaf along the larger child ...
        while child < (n - 1) // 2:
            child = 2 * child + 2  # the right child, unless the left one is larger
            if heap[child].sequence_nr < heap[child - 1].sequence_nr:
                child -= 1
            heap[hole], hole = heap[child], child
        if n % 2 == 0 and child == (n - 2) // 2:  # a last node with a left child only
            child = 2 * child + 2
            heap[hole], hole = heap[child - 1], child - 1
        number = last.sequence_nr  # ... and `last` goes in there, moving up past smaller parents
        while hole and heap[(hole - 1) // 2].sequence_nr < number:
            parent = (hole - 1) // 2
            heap[hole], hole = heap[parent], parent
        heap[hole] = last
        return top


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


def add_gradient(pending, node, output_nr, g):
    """``pending[node] += g``: the gradient a node has received so far. A node with several
    outputs (a module's backward hook) keeps a list, one gradient per output."""
    if node.n_outputs == 1:
        pending[node] = pending[node] + g if node in pending else g
        return
    slots = pending.setdefault(node, [None] * node.n_outputs)
    slots[output_nr] = g if slots[output_nr] is None else slots[output_nr] + g


def run_backward(roots, root_grads, retain_graph=False, capture=None):
    """Backpropagate ``root_grads`` from the ``roots`` edges (node, output number).

    Without ``capture`` gradients accumulate into leaves' ``.grad`` (``Tensor.backward``).
    With ``capture`` (a dict keyed by node) the gradient reaching each of those nodes is stored
    there instead and no ``.grad`` changes (``autograd.grad``).
    """
    pending = {}
    for (node, output_nr), g in zip(roots, root_grads):
        add_gradient(pending, node, output_nr, g)

    root_nodes = [node for node, _ in roots]
    order, wanted = execution_order(root_nodes), None
    if capture is not None:  # autograd.grad runs only the nodes between the roots and the inputs, as torch
        wanted = nodes_leading_to(order, capture)
        order = execution_order(root_nodes, runs=wanted)
    with grad_mode.set_grad_enabled(False):
        for node in order:
            grad = pending.pop(node, None)
            if grad is None:
                continue
            hooks = node._hooks  # None unless a hook was registered on this node
            if wanted is not None:  # (a node that leads to no input is not in the order)
                if node in capture:
                    if not any(child in wanted for child, _ in node.next_functions):
                        # an input and nothing more: it gets its gradient after its tensor hooks
                        capture[node] = grad if hooks is None else hooks.run_tensor_hooks(node, grad)
                        continue
                    capture[node] = grad  # it runs on too: torch takes its gradient before the hooks
            if hooks is not None:
                grad = hooks.run_tensor_hooks(node, grad)  # x.register_hook(fn): may replace ∂L/∂x
            if isinstance(node, AccumulateGrad):
                if capture is None:
                    accumulate_into_leaf(node, grad, hooks)
                continue
            retained = getattr(node, "retained_output", None)
            retained = retained() if retained is not None else None
            if retained is not None and capture is None:
                retain(node, retained, grad)
            if hooks is not None:
                grad = hooks.run_pre_hooks(node, grad)
            grads = input_gradients(node, grad)
            if hooks is not None:
                grads = hooks.run_post_hooks(node, grads, grad)
            for observer in observers:
                observer(node, grad if node.n_outputs == 1 else next(g for g in grad if g is not None), grads)
            if not retain_graph:
                node.release_saved()
            for (child, output_nr), g in zip(node.next_functions, grads):
                if child is None or g is None:
                    continue
                if child.n_outputs == 1:  # every op: inline, it is the inner loop
                    pending[child] = pending[child] + g if child in pending else g
                else:
                    add_gradient(pending, child, output_nr, g)


def accumulate_into_leaf(node, grad, hooks):
    """What an AccumulateGrad node does: ``leaf.grad += grad``, between its hooks if it has any."""
    if hooks is not None:
        grad = hooks.run_pre_hooks(node, grad)
    accumulate(node.variable, grad)
    if hooks is not None:
        hooks.run_post_accumulate_hooks(node.variable)  # leaf.register_post_accumulate_grad_hook(fn)
        hooks.run_post_hooks(node, (), grad)
    for observer in observers:
        observer(node, grad, ())  # a leaf has no inputs: nothing flows further


def retain(node, tensor, grad):
    """``tensor.grad += grad`` for a non-leaf that called ``retain_grad()`` (node is its grad_fn)."""
    if node.n_outputs != 1:
        grad = grad[node.output_nr(tensor)]
    if grad is not None:
        accumulate(tensor, grad)


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
        root = gradient_edge(out)
        if root[0] is None:
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


CREATE_GRAPH_MESSAGE = (
    "create_graph=True is not supported: minigrad computes first derivatives (backward() and "
    "autograd.grad() give ∂L/∂x), but it records no graph of the backward pass itself, so second "
    "derivatives (gradients of gradients, Hessians, gradient penalties) cannot be taken. To check "
    "first derivatives against finite differences, use minigrad.autograd.gradcheck(fn, inputs) "
    "with float64 inputs."
)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate ∂(tensors)/∂leaf into every leaf's ``.grad``."""
    if create_graph:
        raise NotImplementedError(CREATE_GRAPH_MESSAGE)
    outputs = _as_list(tensors)
    roots, root_grads = _root_gradients(outputs, grad_tensors)
    if inputs is None:
        run_backward(roots, root_grads, retain_graph=bool(retain_graph))
        return
    gradients = grad(outputs, _as_list(inputs), grad_tensors, retain_graph=retain_graph, allow_unused=True)
    for tensor, g in zip(_as_list(inputs), gradients):
        if g is not None:
            accumulate(tensor, g._array)
            accumulator = tensor._accumulator if tensor.grad_fn is None else None
            if accumulator is not None and accumulator._hooks is not None:  # a leaf's post-accumulate hooks
                accumulator._hooks.run_post_accumulate_hooks(tensor)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None):
    """∂(outputs)/∂(inputs) as a tuple of tensors, without touching any ``.grad``."""
    Tensor = function.Tensor
    if create_graph:
        raise NotImplementedError(CREATE_GRAPH_MESSAGE)
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    edges = [gradient_edge(x) for x in inputs]
    for i, (node, _) in enumerate(edges):
        if node is None:
            raise RuntimeError(f"One of the differentiated Tensors (input {i}) does not require grad")
    roots, root_grads = _root_gradients(outputs, grad_outputs)
    capture = dict.fromkeys(node for node, _ in edges)
    run_backward(roots, root_grads, retain_graph=bool(retain_graph), capture=capture)
    results = []
    for i, (node, output_nr) in enumerate(edges):
        g = capture[node]
        if g is not None and node.n_outputs != 1:  # a node with several outputs captured them all
            g = g[output_nr]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"One of the differentiated Tensors (input {i}) appears to not have been used in the graph. "
                "Set allow_unused=True if this is the desired behavior."
            )
        results.append(None if g is None else Tensor._wrap(np.array(g, copy=True)))
    return tuple(results)
