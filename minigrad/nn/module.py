"""``Module``: the base class of every layer and model, as ``torch.nn.Module``.

A module is an object whose attributes are sorted, as they are assigned, into three dicts:

    _parameters   Parameters it owns (learned: returned by ``parameters()``, updated by optimizers)
    _buffers      tensors it owns that are not learned (saved in ``state_dict`` when persistent)
    _modules      child modules (a model is a tree of modules)

``__setattr__`` does the sorting, so ``self.fc = Linear(3, 4)`` registers a child and
``self.w = Parameter(...)`` a parameter; ``__getattr__`` looks them up again. Everything else
(``parameters``, ``state_dict``, ``train``, ``to``, ``repr``) is a walk over that tree.
Calling a module runs its ``forward``.
"""

import warnings
from collections import OrderedDict, namedtuple

import numpy as np

from .. import dtypes
from .._interop import is_torch_tensor, no_gpu_error, parse_to_arguments
from ..tensor import Size, Tensor
from ..utils.hooks import BackwardHook, RemovableHandle
from .parameter import Parameter


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys the model lacked in, and the keys it did not use."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _typename(obj):
    """A value's type as ``torch.typename`` names it in messages: ``int``, ``minigrad.FloatTensor``,
    ``minigrad.nn.modules.linear.Linear``, ... (also used by ``minigrad.optim``)."""
    if isinstance(obj, Tensor):
        return obj.type()
    kind = type(obj)
    module = getattr(kind, "__module__", "") or ""
    return kind.__qualname__ if module in ("", "builtins") else f"{module}.{kind.__qualname__}"


def _zero_grads(params, set_to_none):
    """Forget each parameter's ``.grad`` before the next backward (which would add to it):
    ``None``, or zeros in place with ``set_to_none=False``. ``Module.zero_grad`` and
    ``Optimizer.zero_grad`` both come here."""
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            param.grad.detach_()
            param.grad._array[...] = 0


def _addindent(text, spaces):
    """Indent every line but the first (children are printed inside their parent's brackets)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line if line.strip() else "" for line in lines[1:])


def _checkpoint_array(value):
    """A state_dict value as a numpy array: minigrad tensors, numpy arrays, torch CPU tensors and
    anything ``numpy.asarray`` accepts. ``None`` when the value is not array-like."""
    if isinstance(value, Tensor):
        return value._array
    if is_torch_tensor(value):
        value = value.detach().cpu().numpy()  # a torch tensor that may require grad
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return None if array.dtype == object else array


# -- hooks common to every module (torch.nn.modules.module.register_module_*) ------------------
# Each module's call runs these before its own hooks of the same kind. Global state: meant for
# debugging and tools (a graph drawing that names each node's layer), as in torch.

_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_with_kwargs = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()


def register_module_forward_pre_hook(hook):
    """``hook(module, args)`` before every module's ``forward`` (see ``Module.register_forward_pre_hook``)."""
    handle = RemovableHandle(_global_forward_pre_hooks)
    _global_forward_pre_hooks[handle.id] = hook
    return handle


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    """``hook(module, args, output)`` after every module's ``forward`` (see ``Module.register_forward_hook``)."""
    handle = RemovableHandle(
        _global_forward_hooks, extra_dict=[_global_forward_hooks_with_kwargs, _global_forward_hooks_always_called])
    _global_forward_hooks[handle.id] = hook
    if with_kwargs:
        _global_forward_hooks_with_kwargs[handle.id] = True
    if always_call:
        _global_forward_hooks_always_called[handle.id] = True
    return handle


def register_module_full_backward_pre_hook(hook):
    """``hook(module, grad_output)`` for every module (see ``Module.register_full_backward_pre_hook``)."""
    handle = RemovableHandle(_global_backward_pre_hooks)
    _global_backward_pre_hooks[handle.id] = hook
    return handle


def register_module_full_backward_hook(hook):
    """``hook(module, grad_input, grad_output)`` for every module (see ``Module.register_full_backward_hook``)."""
    handle = RemovableHandle(_global_backward_hooks)
    _global_backward_hooks[handle.id] = hook
    return handle


#: the hook dicts every module holds, keyed by hook id (``RemovableHandle.id``), in running order
_HOOK_DICTS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks", "_forward_hooks_with_kwargs",
               "_forward_hooks_always_called", "_backward_pre_hooks", "_backward_hooks")


class Module:
    """Base class of layers and models: subclass it, assign layers in ``__init__``, define ``forward``."""

    def __init__(self, *args, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument '{next(iter(kwargs))}'")
        if args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but {len(args) + 1} were given")
        # object.__setattr__: these dicts must exist before our own __setattr__ can sort anything
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", {})
        for name in _HOOK_DICTS:  # hooks, by id in the order they run (``register_forward_hook``, ...)
            object.__setattr__(self, name, OrderedDict())

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args, **kwargs):
        """``module(x)``: ``forward(x)``, with the hooks around it when any are registered."""
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_pre_hooks or self._backward_hooks
                or _global_forward_pre_hooks or _global_forward_hooks
                or _global_backward_pre_hooks or _global_backward_hooks):
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    # -- registration: attributes sorted into _parameters / _buffers / _modules -------------------

    def __setattr__(self, name, value):
        def remove_from(*containers):
            for container in containers:
                if name in container:
                    if isinstance(container, dict):
                        del container[name]
                    else:
                        container.discard(name)

        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, self._buffers, self._modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{_typename(value)}' as parameter '{name}' (minigrad.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        else:
            modules = self.__dict__.get("_modules")
            if isinstance(value, Module):
                if modules is None:
                    raise AttributeError("cannot assign module before Module.__init__() call")
                remove_from(self.__dict__, self._parameters, self._buffers, self._non_persistent_buffers_set)
                modules[name] = value
            elif modules is not None and name in modules:
                if value is not None:
                    raise TypeError(
                        f"cannot assign '{_typename(value)}' as child module '{name}' (minigrad.nn.Module or None expected)"
                    )
                modules[name] = value
            else:
                buffers = self.__dict__.get("_buffers")
                if buffers is not None and name in buffers:
                    if value is not None and not isinstance(value, Tensor):
                        raise TypeError(
                            f"cannot assign '{_typename(value)}' as buffer '{name}' (minigrad.Tensor or None expected)"
                        )
                    buffers[name] = value
                else:
                    object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # only called when ordinary lookup fails: look in the three registries
        for registry in ("_parameters", "_buffers", "_modules"):
            members = self.__dict__.get(registry)
            if members is not None and name in members:
                return members[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def _check_member_name(self, kind, name, registry):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {_typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."' + (f", got: {name}" if kind == "module" else ""))
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def register_parameter(self, name, param):
        """Add a parameter (``None`` reserves the name, as a layer built with ``bias=False`` does)."""
        if "_parameters" not in self.__dict__:
            raise AttributeError("cannot assign parameter before Module.__init__() call")
        self._check_member_name("parameter", name, self._parameters)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{_typename(param)}' object to parameter '{name}' (minigrad.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created explicitly. "
                f"To express '{name}' as a function of another Tensor, compute the value in the forward() method."
            )
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor the module owns but does not learn (``persistent``: saved in ``state_dict``)."""
        if "_buffers" not in self.__dict__:
            raise AttributeError("cannot assign buffer before Module.__init__() call")
        self._check_member_name("buffer", name, self._buffers)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{_typename(tensor)}' object to buffer '{name}' (minigrad Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module (``None`` reserves the name)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{_typename(module)} is not a Module subclass")
        self._check_member_name("module", name, self._modules)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The module at a dotted path such as ``"features.0"``."""
        module = self
        for item in target.split(".") if target else []:
            if not hasattr(module, item):
                raise AttributeError(module._get_name() + " has no attribute `" + item + "`")
            module = getattr(module, item)
            if not isinstance(module, Module):
                raise AttributeError("`" + item + "` is not an nn.Module")
        return module

    # -- hooks: code that runs around a module's forward and backward ----------------------------
    #
    # ``module(*args, **kwargs)`` with hooks registered runs, in torch's order (global hooks, from
    # register_module_*, before the module's own; each kind in registration order):
    #   1. forward pre-hooks   hook(module, args) may return new args (a lone value is made a tuple);
    #                          with_kwargs: hook(module, args, kwargs) may return (args, kwargs)
    #   2. backward hooks      the tensors in args pass through an identity node that will see ∂L/∂args
    #   3. forward(*args, **kwargs)
    #   4. forward hooks       hook(module, args, output) may return a new output
    #                          (with_kwargs: hook(module, args, kwargs, output))
    #   5. backward hooks      the output tensors pass through an identity node that will see ∂L/∂output
    # Steps 2 and 5 are ``utils.hooks.BackwardHook``. If anything raises, the forward hooks
    # registered with always_call=True that have not run yet run (output None), then the error goes on.

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Run ``hook(module, args)`` before every ``forward``; it may return the args to use instead.

        ``with_kwargs=True``: ``hook(module, args, kwargs)``, returning ``None`` or ``(args, kwargs)``.
        ``prepend=True``: run it before this module's other forward pre-hooks (global ones still
        run first). Returns a handle: ``handle.remove()`` unregisters the hook."""
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Run ``hook(module, args, output)`` after every ``forward``; it may return a new output.

        ``with_kwargs=True``: ``hook(module, args, kwargs, output)``. ``always_call=True``: run it
        even when forward (or an earlier hook) raises, with ``output=None``. ``prepend=True``: run
        it before this module's other forward hooks. Returns a handle with ``remove()``."""
        handle = RemovableHandle(
            self._forward_hooks, extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_output)`` when ∂L/∂output of this module is known, before the
        gradient goes back through it. ``grad_output`` is a tuple (``None`` for non-tensor outputs);
        the hook may return a tuple to use instead. Returns a handle with ``remove()``.

        As in torch, forward then receives (and the caller gets back) a view of each tensor, made
        by an identity node; changing those in place is an error."""
        handle = RemovableHandle(self._backward_pre_hooks)
        self._backward_pre_hooks[handle.id] = hook
        if prepend:
            self._backward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_hook(self, hook, prepend=False):
        """Run ``hook(module, grad_input, grad_output)`` when ∂L/∂input of this module is known.

        ``grad_input`` is w.r.t. the module's positional tensor inputs (not its parameters:
        ``None`` for inputs that need no gradient or are not tensors); the hook may return a tuple
        to use instead. If no input requires grad, the hook runs as soon as ``grad_output`` is
        known, with ``grad_input`` all ``None``. Returns a handle with ``remove()``."""
        handle = RemovableHandle(self._backward_hooks)
        self._backward_hooks[handle.id] = hook
        if prepend:
            self._backward_hooks.move_to_end(handle.id, last=False)
        return handle

    def _call_with_hooks(self, args, kwargs):
        """``__call__`` when some hook is registered: the steps listed above."""
        result = None
        called_always = set()  # always_call forward hooks that ran: not run again if an error follows
        try:
            backward_hooks = [*_global_backward_hooks.values(), *self._backward_hooks.values()]
            backward_pre_hooks = [*_global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]

            for hook_id, hook in (*_global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()):
                if hook_id in self._forward_pre_hooks_with_kwargs:
                    new = hook(self, args, kwargs)
                    if new is not None:
                        if not (isinstance(new, tuple) and len(new) == 2):
                            raise RuntimeError("forward pre-hook must return None or a tuple of "
                                               f"(new_args, new_kwargs), but got {new}.")
                        args, kwargs = new
                else:
                    new = hook(self, args)
                    if new is not None:
                        args = new if isinstance(new, tuple) else (new,)

            backward_hook = None
            if backward_hooks or backward_pre_hooks:
                backward_hook = BackwardHook(self, backward_hooks, backward_pre_hooks)
                args = backward_hook.setup_input_hook(args)

            result = self.forward(*args, **kwargs)

            for hook_id, hook in (*_global_forward_hooks.items(), *self._forward_hooks.items()):
                if hook_id in self._forward_hooks_always_called or hook_id in _global_forward_hooks_always_called:
                    called_always.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                    new = hook(self, args, kwargs, result)
                else:
                    new = hook(self, args, result)
                if new is not None:
                    result = new

            if backward_hook is not None:
                if not isinstance(result, (Tensor, tuple)):
                    warnings.warn("For backward hooks to be called, module output should be a Tensor or a tuple of "
                                  f"Tensors but received {type(result)}", stacklevel=2)
                result = backward_hook.setup_output_hook(result)
            return result
        except Exception:
            # the always_call hooks not run yet run now; an error of theirs only warns (as torch,
            # a global one is called without kwargs here)
            always = [(hook_id, hook, False, "global module") for hook_id, hook in _global_forward_hooks.items()
                      if hook_id in _global_forward_hooks_always_called]
            always += [(hook_id, hook, hook_id in self._forward_hooks_with_kwargs, "module")
                       for hook_id, hook in self._forward_hooks.items() if hook_id in self._forward_hooks_always_called]
            for hook_id, hook, with_kwargs, kind in always:
                if hook_id in called_always:
                    continue
                try:
                    new = hook(self, args, kwargs, result) if with_kwargs else hook(self, args, result)
                    if new is not None:
                        result = new
                except Exception as error:
                    warnings.warn(f"{kind} forward hook with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {error}", stacklevel=2)
            raise

    # -- walking the tree -------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(dotted name, module) for self and every descendant, parents before children."""
        if memo is None:
            memo = set()
        if id(self) in memo:
            return
        if remove_duplicate:
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate):
        """(dotted name, tensor) from each module's ``registry`` dict; a shared tensor appears once."""
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """("conv1.weight", Parameter), ...: each module's parameters in assignment order, depth first."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn):
        """Call ``fn`` on every child (recursively), then on self: ``model.apply(init_weights)``."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ----------------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode on self and every descendant (Dropout reads ``self.training``)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's ``.grad`` (``None``, or zeros in place with ``set_to_none=False``)."""
        _zero_grads(self.parameters(), set_to_none)

    # -- dtype conversion -------------------------------------------------------------------------

    def _apply_to_floats(self, dtype):
        """Convert every floating-point parameter, buffer and gradient to ``dtype``, in place:
        the Parameter objects stay the same (optimizers keep pointing at them)."""
        for module in self.modules():
            for tensor in (*module._parameters.values(), *module._buffers.values()):
                if tensor is None or tensor._array.dtype.kind != "f":
                    continue
                tensor._array = tensor._array.astype(dtype.numpy, copy=False)
                if tensor.grad is not None:
                    tensor.grad._array = tensor.grad._array.astype(dtype.numpy, copy=False)
        return self

    def to(self, *args, dtype=None, device=None, **kwargs):
        """``to(dtype)``, ``to("cpu")``, ``to(device)``, ``to(tensor)``: converts floating-point tensors
        in place. minigrad lives on the CPU: any other device raises an error naming the way to a GPU."""
        dtype = parse_to_arguments(args, dtype, device)
        if dtype is None:
            return self
        dtype = dtypes.to_dtype(dtype)
        if not dtype.is_floating_point:
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}")
        return self._apply_to_floats(dtype)

    def float(self):
        return self._apply_to_floats(dtypes.float32)

    def double(self):
        return self._apply_to_floats(dtypes.float64)

    def cpu(self):
        return self

    def cuda(self, device=None):
        raise no_gpu_error("Module.cuda()")

    # -- saving and loading -----------------------------------------------------------------------

    def _local_state(self):
        """This module's own entries: parameters, then persistent buffers (skipping ``None``)."""
        persistent = {k: v for k, v in self._buffers.items() if k not in self._non_persistent_buffers_set}
        return {k: v for k, v in (*self._parameters.items(), *persistent.items()) if v is not None}

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An OrderedDict ``{"conv1.weight": tensor, ...}`` with the same keys and shapes as torch's.

        Values are detached tensors sharing memory with the parameters (clone them to snapshot)."""
        if destination is None:
            destination = OrderedDict()
        for name, tensor in self._local_state().items():
            destination[prefix + name] = tensor if keep_vars else tensor.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys, error_msgs):
        """Copy this module's own entries in place; note what is missing, unexpected or mis-shaped."""
        local_state = self._local_state()
        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            value = _checkpoint_array(state_dict[key])
            if value is None:
                error_msgs.append(
                    f'While copying the parameter named "{key}", expected a tensor or array-like object '
                    f"from checkpoint but received {type(state_dict[key])}"
                )
                continue
            if value.shape != param._array.shape:
                error_msgs.append(
                    f"size mismatch for {key}: copying a param with shape {Size(value.shape)} from checkpoint, "
                    f"the shape in current model is {param.shape}."
                )
                continue
            np.copyto(param._array, value, casting="unsafe")  # keeps the parameter's dtype and identity
            param._version_counter.value += 1
        for key in state_dict:
            if not key.startswith(prefix):
                continue
            head = key[len(prefix) :].split(".", 1)
            known = head[0] in self._modules if len(head) > 1 else head[0] in local_state
            if not known:
                unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True):
        """Copy ``state_dict``'s values into the parameters and buffers, in place.

        Values may be minigrad tensors, numpy arrays, torch CPU tensors or anything
        ``numpy.asarray`` takes; they are cast to each parameter's dtype. Raises a RuntimeError
        listing every problem; with ``strict=False`` missing and unexpected keys are only reported
        in the returned ``(missing_keys, unexpected_keys)`` (shape mismatches still raise)."""
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, error_msgs = [], [], []

        def load(module, local_state_dict, prefix=""):
            module._load_from_state_dict(local_state_dict, prefix, missing_keys, unexpected_keys, error_msgs)
            for name, child in module._modules.items():
                if child is not None:
                    child_prefix = prefix + name + "."
                    load(child, {k: v for k, v in local_state_dict.items() if k.startswith(child_prefix)}, child_prefix)

        load(self, dict(state_dict))
        if strict:
            if unexpected_keys:
                error_msgs.insert(0, "Unexpected key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in unexpected_keys)))
            if missing_keys:
                error_msgs.insert(0, "Missing key(s) in state_dict: {}. ".format(", ".join(f'"{k}"' for k in missing_keys)))
        if error_msgs:
            raise RuntimeError(
                "Error(s) in loading state_dict for {}:\n\t{}".format(type(self).__name__, "\n\t".join(error_msgs))
            )
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # -- printing ---------------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text inside a layer's brackets, e.g. ``in_features=3, out_features=4, bias=True``."""
        return ""

    def __repr__(self):
        """``Net(\\n  (conv1): Conv2d(...)\\n  ...\\n)``: the module tree, as torch prints it."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:  # a layer: everything on one line
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"

    def __setstate__(self, state):  # a module pickled before hooks existed gets empty hook dicts
        self.__dict__.update(state)
        for name in _HOOK_DICTS:
            self.__dict__.setdefault(name, OrderedDict())

    def __dir__(self):
        keys = dir(type(self)) + list(self.__dict__) + list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(key for key in keys if not key[0].isdigit())
