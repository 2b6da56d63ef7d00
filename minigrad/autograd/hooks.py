"""Hooks on the graph: user functions the backward pass calls as it goes (as torch's).

Every hook lives on a node of the graph, in ``node._hooks`` (``None`` while a node has none, so
the engine's cost without hooks is one check per node). For one node the engine runs:

    1. tensor hooks      ``x.register_hook(fn)``: ``fn(∂L/∂x)`` may return a gradient to use
                         instead. For a non-leaf x they sit on ``x.grad_fn``, at x's output slot,
                         and run once ∂L/∂x is complete (summed over every use of x), before the
                         node's backward. For a leaf they sit on its ``AccumulateGrad`` node and
                         run before the gradient is added into ``.grad``.
    2. retain_grad       a non-leaf's ``.grad`` gets what the tensor hooks returned
    3. pre-hooks         ``x.grad_fn.register_prehook(fn)``: ``fn(grad_outputs)`` may return new ones
    4. the node's backward (for AccumulateGrad: ``.grad += grad``, then the leaf's
                         ``register_post_accumulate_grad_hook`` hooks, ``fn(tensor)``)
    5. post-hooks        ``x.grad_fn.register_hook(fn)``: ``fn(grad_inputs, grad_outputs)`` may
                         return the grad_inputs to send on instead

Because tensor hooks are kept on the node that made the tensor, an in-place change of x (which
gives x a new ``grad_fn``) leaves the hooks registered before it on the old node: they see the
gradient of x's old value, as in torch. Hooks receive and return Tensors; a returned gradient
must keep the shape and dtype of the one it replaces.
"""

from collections import OrderedDict

from . import function


class NodeHooks:
    """The hooks registered on one node, each kind in an ordered dict keyed by hook id."""

    __slots__ = ("tensor", "pre", "post", "post_accumulate")

    def __init__(self):
        self.tensor = {}  # output number -> that output tensor's hooks (``register_hook``)
        self.pre = OrderedDict()
        self.post = OrderedDict()
        self.post_accumulate = OrderedDict()  # AccumulateGrad only: the leaf's post-accumulate hooks

    # -- run by the engine ----------------------------------------------------------------------

    def run_tensor_hooks(self, node, grad):
        """The node's incoming gradient (one array, or one per output for a node with several)
        after each output's tensor hooks."""
        if not self.tensor:
            return grad
        if node.n_outputs == 1:
            return run_hook_chain(self.tensor.get(0, ()), grad)
        grads = list(grad)
        for output_nr, hooks in self.tensor.items():
            grads[output_nr] = run_hook_chain(hooks, grads[output_nr])
        return grads

    def run_pre_hooks(self, node, grad):
        """``fn(grad_outputs)`` for each pre-hook; a returned tuple replaces grad_outputs."""
        if not self.pre:
            return grad
        grads = as_tuple(node, grad)
        for hook in tuple(self.pre.values()):
            grads = checked_replacement(hook, grads, hook(wrap_all(grads)))
        return grads[0] if node.n_outputs == 1 else list(grads)

    def run_post_hooks(self, node, input_grads, grad):
        """``fn(grad_inputs, grad_outputs)`` for each post-hook; a returned tuple replaces grad_inputs."""
        if not self.post:
            return input_grads
        grad_outputs = wrap_all(as_tuple(node, grad))
        for hook in tuple(self.post.values()):
            input_grads = checked_replacement(hook, input_grads, hook(wrap_all(input_grads), grad_outputs))
        return input_grads

    def run_post_accumulate_hooks(self, tensor):
        """``fn(tensor)`` after ``tensor.grad`` was updated; such a hook returns nothing."""
        for hook in tuple(self.post_accumulate.values()):
            result = hook(tensor)
            if result is not None and not isinstance(result, function.Tensor):
                raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
            if result is not None:
                raise RuntimeError("Tensor post accumulate grad hooks should return None.")


def as_tuple(node, grad):
    return (grad,) if node.n_outputs == 1 else tuple(grad)


def wrap_all(arrays):
    """Gradients as hooks see them: a tuple of Tensors (``None`` where there is no gradient)."""
    return tuple(None if a is None else function.Tensor._wrap(a) for a in arrays)


def run_hook_chain(hooks, grad):
    """Call each hook on the gradient in turn; a hook's return value replaces it for the next."""
    for hook in tuple(hooks.values()):  # a copy: a hook may remove itself
        result = hook(None if grad is None else function.Tensor._wrap(grad))
        if result is not None:
            grad = checked_gradient(hook, grad, result)
    return grad


def hook_name(hook):
    return getattr(hook, "__name__", "<unknown>")


def checked_gradient(hook, grad, result):
    """``result`` (what ``hook`` returned for ``grad``) as an array, after torch's checks."""
    Tensor = function.Tensor
    if grad is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}' "
                        "(a hook returns None or a Tensor with the gradient's shape and dtype)")
    if result._array.dtype != grad.dtype:
        raise RuntimeError(f"hook '{hook_name(hook)}' has changed the type of value "
                           f"(was {Tensor._wrap(grad).type()} got {result.type()})")
    if result._array.shape != grad.shape:
        raise RuntimeError(f"hook '{hook_name(hook)}' has changed the size of value "
                           f"(was {list(grad.shape)} got {list(result.shape)})")
    return result._array


def checked_replacement(hook, grads, result):
    """A node hook's return value: ``None`` keeps ``grads``, a tuple of the same length replaces them."""
    if result is None:
        return grads
    if not isinstance(result, tuple):
        raise TypeError(f"expected tuple, but hook returned '{type(result).__name__}'")
    if len(result) != len(grads):
        raise RuntimeError(f"hook '{hook_name(hook)}' has returned an incorrect number of values "
                           f"(got {len(result)}, but expected {len(grads)})")
    return tuple(None if r is None else checked_gradient(hook, g, r) for g, r in zip(grads, result))


# -- registration (Tensor.register_hook, Function.register_hook, ...) -----------------------------


def hooks_of(node):
    """The node's ``NodeHooks``, made on first use."""
    if node._hooks is None:
        node._hooks = NodeHooks()
    return node._hooks


def add_hook(hooks, hook):
    """Add ``hook`` to the ordered dict ``hooks``; return its handle."""
    from ..utils.hooks import RemovableHandle  # minigrad.utils imports the tensor: not at import time

    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def register_tensor_hook(tensor, hook):
    """``tensor.register_hook(hook)``: on the node its gradient reaches (its grad_fn at its output
    slot, or its AccumulateGrad for a leaf)."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    node, output_nr = function.gradient_edge(tensor)
    if node is None:  # a view made under no_grad: outside the graph, no gradient will reach it
        node, output_nr = tensor._grad_accumulator(), 0
    slots = hooks_of(node).tensor
    if output_nr not in slots:
        slots[output_nr] = OrderedDict()
    return add_hook(slots[output_nr], hook)


def register_post_accumulate_grad_hook(tensor, hook):
    """``tensor.register_post_accumulate_grad_hook(hook)``: leaves only, on their AccumulateGrad."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if tensor.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    return add_hook(hooks_of(tensor._grad_accumulator()).post_accumulate, hook)
