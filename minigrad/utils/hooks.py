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


class BackwardHook:
    """Full backward hooks of one module call (in progress: not yet supported)."""

    def __init__(self, module, user_hooks, user_pre_hooks):
        raise NotImplementedError("module full backward hooks are not implemented yet")
