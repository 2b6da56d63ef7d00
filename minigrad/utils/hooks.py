"""Hook handles, and how a module's full backward hooks see its gradients (as ``torch.utils.hooks``).

    RemovableHandle   what every ``register_*hook`` returns: ``handle.remove()`` unregisters the
                      hook (also as a context manager: ``with model.register_forward_hook(f): ...``)
    BackwardHook      the machinery behind ``Module.register_full_backward_hook`` and
                      ``register_full_backward_pre_hook`` (see its docstring)

A hook is stored in an ordered dict under a number unique in the process (``handle.id``), so
hooks run in the order they were registered, and removing one is ``del hooks[handle.id]``.
"""

import warnings
import weakref
from collections import OrderedDict

import numpy as np

from ..autograd import function, grad_mode, inplace
from ..autograd.function import Function

__all__ = ["RemovableHandle", "unserializable_hook", "BackwardHook"]


class RemovableHandle:
    """A registered hook's key: ``remove()`` deletes it from the dict it was added to (and from
    the ``extra_dict`` dicts that hold options about it, such as ``with_kwargs``).

    The handle holds its dicts weakly: a handle kept after its module or tensor is gone is harmless,
    and removing a hook twice does nothing."""

    next_id = 0  # one counter for all handles: a hook's id is unique in the process

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        if isinstance(extra_dict, dict):
            extra_dict = [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extra_dict or ())

    def remove(self):
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None and self.id in hooks:
                del hooks[self.id]

    def __getstate__(self):  # a pickled handle keeps its dicts (weak references cannot be pickled)
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state):
        hooks = state[0] if state[0] is not None else OrderedDict()  # a dead reference stays dead
        self.hooks_dict_ref = weakref.ref(hooks)
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in (state[2] if len(state) > 2 and state[2] else ()))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def unserializable_hook(f):
    """Mark a hook as one that need not be saved with its tensor (kept for torch compatibility)."""
    f.__torch_unserializable__ = True
    return f



# -- module full backward hooks --------------------------------------------------------------------


class BackwardHook:
    """The full backward hooks (and backward pre-hooks) of one call of a module, as torch's.

    ``Module.__call__`` passes the call's tensor arguments through one ``BackwardHookFunction``
    node before forward (``setup_input_hook``) and the tensors forward returned through another
    after it (``setup_output_hook``). Both nodes are identities, with one output per tensor, so
    each runs once, when the gradients of all its tensors are known. Each gets a post-hook:

        backward reaches the output node    grad_output = ∂L/∂(each output); the pre-hooks run
                                            and may replace it; it flows on into the module
        backward reaches the input node     grad_input = ∂L/∂(each tensor argument); the full
                                            hooks run with (grad_input, grad_output) and may
                                            replace grad_input; it flows on to the inputs

    So grad_input is w.r.t. the module's tensor arguments (None for one that needs no gradient
    and for non-tensors), not its parameters. If no argument requires grad there is no input
    node: the full hooks run at the output node, with grad_input all None (and a warning).
    """

    def __init__(self, module, user_hooks, user_pre_hooks):
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None  # set at the output node, used (then cleared) at the input node
        self.n_outputs = -1
        self.output_tensors_index = None  # positions of the tensors among the outputs
        self.n_inputs = -1
        self.input_tensors_index = None  # positions of the tensors among the arguments

    @staticmethod
    def _pack_with_none(indices, values, size):
        """``size`` slots holding ``values`` at ``indices`` and None elsewhere (non-tensors)."""
        packed = [None] * size
        for index, value in zip(indices, values):
            packed[index] = value
        return tuple(packed)

    def _apply_on_tensors(self, set_hook, values):
        """Pass the tensors among ``values`` through one identity node and give ``set_hook`` that
        node. Returns the values (tensors replaced by the node's outputs) and the tensors'
        positions; the values unchanged and None when no gradient will flow back through them."""
        Tensor = function.Tensor
        indices = [i for i, value in enumerate(values) if isinstance(value, Tensor)]
        if not (any(values[i].requires_grad for i in indices) and grad_mode.is_grad_enabled()):
            return values, None
        outputs = BackwardHookFunction.apply(*(values[i] for i in indices))
        set_hook(next(out.grad_fn for out in outputs if out.grad_fn is not None))
        replaced = list(values)
        for index, out in zip(indices, outputs):
            replaced[index] = out
        return (tuple(replaced) if type(values) is tuple else type(values)(*replaced)), indices

    def setup_input_hook(self, args):
        def set_hook(node):
            def hook(grad_input, _):  # the input node's post-hook: ∂L/∂(each tensor argument)
                if self.grad_outputs is None:
                    return None  # the gradient reached the inputs without passing through the outputs
                # a tensor argument that needs no gradient gets zeros, as from torch's Function
                grad_input = [function.Tensor._wrap(g) for g in materialized(plain(grad_input), node.input_meta)]
                grad_input = self._pack_with_none(self.input_tensors_index, grad_input, self.n_inputs)
                for user_hook in self.user_hooks:
                    result = user_hook(self.module, grad_input, self.grad_outputs)
                    if result is None:
                        continue
                    if len(result) != len(grad_input):
                        raise RuntimeError("Backward hook returned an invalid number of grad_input, "
                                           f"got {len(result)}, but expected {len(grad_input)}")
                    grad_input = result
                self.grad_outputs = None
                # (what a hook returns for an argument that needs no gradient goes nowhere)
                return tuple(grad_input[i] if needed else None
                             for i, needed in zip(self.input_tensors_index, node.needs_input_grad))

            node.register_hook(hook)

        args, self.input_tensors_index = self._apply_on_tensors(set_hook, args)
        self.n_inputs = len(args)
        return args

    def setup_output_hook(self, result):
        def set_hook(node):
            def hook(_, grad_output):  # the output node's post-hook: ∂L/∂(each output)
                self.grad_outputs = self._pack_with_none(self.output_tensors_index, grad_output, self.n_outputs)
                for pre_hook in self.user_pre_hooks:
                    new = pre_hook(self.module, self.grad_outputs)
                    if new is None:
                        continue
                    if len(new) != len(self.grad_outputs):
                        raise RuntimeError("Backward pre hook returned an invalid number of grad_output, "
                                           f"got {len(new)}, but expected {len(self.grad_outputs)}")
                    self.grad_outputs = new
                grad_outputs = self.grad_outputs
                if self.input_tensors_index is None:  # no argument requires grad: the full hooks run now
                    if self.user_hooks:
                        warnings.warn("Full backward hook is firing when gradients are computed with respect to "
                                      "module outputs since no inputs require gradients. See "
                                      "Module.register_full_backward_hook for more details.", stacklevel=5)
                        grad_input = (None,) * self.n_inputs
                        for user_hook in self.user_hooks:
                            returned = user_hook(self.module, grad_input, self.grad_outputs)
                            if returned is not None and not (isinstance(returned, tuple)
                                                             and all(g is None for g in returned)):
                                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                                   "should always return None or None for all gradients.")
                    self.grad_outputs = None
                return tuple(grad_outputs[i] for i in self.output_tensors_index)

            node.register_hook(hook)

        is_tuple = isinstance(result, tuple)
        outputs, self.output_tensors_index = self._apply_on_tensors(set_hook, result if is_tuple else (result,))
        self.n_outputs = len(outputs)
        return outputs if is_tuple else outputs[0]


class BackwardHookFunction(Function):
    """out_k = x_k for several tensors at once; ∂L/∂x_k = ∂L/∂out_k (torch's BackwardHookFunction).

    The one node with several outputs: the engine collects one gradient per output
    (``engine.add_gradient``) and runs it once all are known, which is what lets a module's
    backward hooks see the gradients of all its inputs, or all its outputs, together. Each
    output is a view of its input (the same memory, sharing its version counter); changing it
    in place is an error, as in torch. A tensor that does not require grad passes through
    without a gradient (its slot in grad_input / grad_output is None)."""

    backward_name = "BackwardHookFunctionBackward"

    @classmethod
    def apply(cls, *tensors):
        node = cls()
        recording = grad_mode.is_grad_enabled()
        node.needs_input_grad = tuple(recording and x.requires_grad for x in tensors)
        node.n_outputs, node._saved, node._saved_versions = len(tensors), (), []
        outputs = []
        for output_nr, x in enumerate(tensors):
            out = function.Tensor._wrap(x._array)
            inplace.become_view_of(out, x, (BackwardHookView, {"output_nr": output_nr}))
            outputs.append(out)
        if any(node.needs_input_grad):
            node.sequence_nr = next(function.sequence_numbers)
            node.next_functions = tuple(function.gradient_edge(x) for x in tensors)
            node.input_meta = tuple((x._array.shape, x._array.dtype) for x in tensors)
            node.output_meta = node.input_meta[node.needs_input_grad.index(True)]  # what viz and trace show
            node.output_nrs = {id(out): k for k, out in enumerate(outputs)}
            for out, needed in zip(outputs, node.needs_input_grad):
                if needed:
                    out._grad_fn, out._requires_grad = node, True
        return tuple(outputs)

    def output_nr(self, tensor):
        """Which output ``tensor`` is (only this node's outputs have it as their grad_fn)."""
        return self.output_nrs[id(tensor)]

    def backward(self, grads):
        grads = (grads,) if self.n_outputs == 1 else grads  # the engine keeps a list only for several
        return materialized(grads, self.input_meta)


def materialized(grads, metas):
    """Zeros (of the tensor's shape and dtype) where a gradient is None, as a torch Function's
    backward receives them."""
    return tuple(np.zeros(shape, dtype) if g is None else g for g, (shape, dtype) in zip(grads, metas))


def plain(tensors):
    return tuple(None if t is None else t._array for t in tensors)


class BackwardHookView:
    """The view step that makes a BackwardHookFunction output a view of its input (forward: the
    array itself). It refuses what torch refuses for a view a custom Function returned: changing
    it in place (``refuse_inplace``, called by ``autograd.inplace.check_allowed``), and using it
    after its input was changed in place (``apply``, called when the view's node is remade)."""

    def forward(self, array, output_nr):
        return array

    @staticmethod
    def refuse_inplace(output_nr):
        raise RuntimeError(
            f"Output {output_nr} of BackwardHookFunction is a view and is being modified inplace. "
            + CUSTOM_FUNCTION_VIEW_HINT)

    @classmethod
    def apply(cls, tensor, output_nr):
        raise RuntimeError(
            f"Output {output_nr} of BackwardHookFunction is a view and its base or another view of its base "
            "has been modified inplace. " + CUSTOM_FUNCTION_VIEW_HINT)


CUSTOM_FUNCTION_VIEW_HINT = (
    "This view was created inside a custom Function (or because an input was returned as-is) and the autograd "
    "logic to handle view+inplace would override the custom backward associated with the custom Function, "
    "leading to incorrect gradients. This behavior is forbidden. You can fix this by cloning the output of the "
    "custom Function. (Here the custom Function is the identity a module's full backward hooks put around its "
    "inputs and outputs: an in-place op such as ReLU(inplace=True) on them is not allowed.)"
)
