"""``Optimizer``: the bookkeeping every optimizer shares, as ``torch.optim.Optimizer``.

    param_groups  a list of dicts: {"params": [tensors], "lr": ..., other options}; one
                  optimizer can train parts of a model with different settings
    state         a dict keyed by parameter: what the method remembers between steps
                  (SGD's momentum buffer, Adam's moment estimates and step count)

A subclass defines ``step()``: for every parameter with a ``.grad``, change the parameter's
values in place (the Parameter object stays the same; the model keeps pointing at it).
``state_dict()`` saves both in torch's format, with parameters replaced by their position
(0, 1, 2, ... across the groups), so that the state can be loaded into a fresh optimizer.
"""

import copy
from collections import defaultdict

import numpy as np

from .._interop import is_torch_tensor
from ..autograd.grad_mode import enable_grad
from ..nn.module import _typename, _zero_grads
from ..tensor import Tensor


class _RequiredParameter:
    """The default of an option that has none (a group must give it)."""

    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _state_tensor(value, dtype=None):
    """A saved state value as a minigrad tensor of its own (cast to ``dtype`` when given).
    Accepts minigrad tensors, numpy arrays and torch CPU tensors; other values pass through."""
    if isinstance(value, Tensor):
        array = value._array
    elif isinstance(value, np.ndarray):
        array = value
    elif is_torch_tensor(value):
        array = value.detach().cpu().numpy()
    else:
        return copy.deepcopy(value)
    return Tensor._wrap(np.array(array, dtype=dtype, copy=True))


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + _typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own options (missing options take the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                "in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]  # from model.named_parameters()
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        param_group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names

        for param in params:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not param.is_leaf and not param.retains_grad:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's ``.grad`` before the next backward (which would add to it)."""
        _zero_grads((p for group in self.param_groups for p in group["params"]), set_to_none)

    def step(self, closure=None):
        raise NotImplementedError

    def _evaluate(self, closure):
        """``closure()`` (re-evaluates the model and returns the loss) with recording on, or None."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    # -- saving and loading -----------------------------------------------------------------------

    def __getstate__(self):
        """What pickling (``minigrad.save(optimizer)``, ``copy.deepcopy``) keeps: the options, the
        state and the groups, as torch's Optimizer. Anything else in ``__dict__`` is left out, in
        particular the ``step`` an lr scheduler wraps around this instance (a closure pickle cannot
        store) and its ``_opt_called`` flag: a scheduler attached later wraps ``step`` again."""
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state):
        self.__dict__.update(state)

    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, torch's format.

        State tensors are the optimizer's own (not copies), as in torch."""
        index_of = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index_of.setdefault(id(p), len(index_of))
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {(index_of[id(p)] if isinstance(p, Tensor) else p): v for p, v in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by ``state_dict()`` (from minigrad, or torch's converted
        with tensors as numpy arrays / torch CPU tensors). The saved group sizes must match."""
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of optimizer's group")

        param_at = {
            index: p for g, s in zip(self.param_groups, saved_groups) for index, p in zip(s["params"], g["params"])
        }
        state = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index not in param_at:
                state[index] = copy.deepcopy(values)
                continue
            param = param_at[index]
            # every state tensor takes its parameter's dtype, except the step count
            state[param] = {
                key: _state_tensor(value, None if key == "step" else param._array.dtype) for key, value in values.items()
            }
        for group, saved in zip(self.param_groups, saved_groups):
            saved["params"] = group["params"]
            if "param_names" in group and "param_names" not in saved:
                saved["param_names"] = group["param_names"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"
