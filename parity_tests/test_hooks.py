"""Hooks as torch's (minigrad/utils/hooks.py, Module's hooks in minigrad/nn/module.py, tensor and
node hooks in minigrad/autograd/hooks.py).

Each test runs one scenario twice, ``scenario(minigrad)`` and ``scenario(torch)``, with the same
weights and data; the scenario returns a log of every hook call (which hook, which module, the
shapes and values it was given) and the gradients that resulted, and the two logs must match:
the same calls in the same order with the same arguments, and the same gradients.
"""

import os
import sys
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.modules.module
from harness import tolerances

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
from tutorial_model import tutorial_cnn  # noqa: E402

LIBS = (minigrad, torch)


# -- helpers ---------------------------------------------------------------------------------------


def plain(value):
    """A hook argument as comparable data: tensors become numpy arrays, tuples stay tuples."""
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        return value.detach().numpy()
    if isinstance(value, (tuple, list)):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_same(actual, expected, dtype=np.float64, path="log"):
    """Two logs (nested tuples of strings, numbers, arrays, None) are equal, arrays to tolerance."""
    if isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{path}: {type(actual)} where torch has an array"
        assert actual.shape == expected.shape, f"{path}: shape {actual.shape} != torch's {expected.shape}"
        np.testing.assert_allclose(actual, expected, err_msg=path, equal_nan=True, **tolerances(dtype))
    elif isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)) and len(actual) == len(expected), f"{path}: {actual!r} != {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert_same(a, e, dtype, f"{path}[{i}]")
    elif isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{path}: {actual!r} != {expected!r}"
        for k in expected:
            assert_same(actual[k], expected[k], dtype, f"{path}[{k!r}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != torch's {expected!r}"


def run_both(scenario, tolerance=np.float64, **kwargs):
    """``scenario(lib, **kwargs)`` in minigrad and in torch: the logs must match (to the
    tolerances of the dtype ``tolerance``)."""
    logs = [scenario(lib, **kwargs) for lib in LIBS]
    assert_same(logs[0], logs[1], tolerance)
    return logs[0]


def raised(fn):
    """(exception type name, message) of what ``fn()`` raises."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001  (comparing whatever each library raises)
        return type(error).__name__, str(error)
    return None


def lib_dtype(lib, dtype):
    return getattr(lib, np.dtype(dtype).name)


def twin_cnn(lib, dtype, seed=0):
    """The tutorial CNN in ``lib``, with the weights torch draws from ``seed``."""
    torch.manual_seed(seed)
    reference = tutorial_cnn(torch.nn).to(lib_dtype(torch, dtype))
    if lib is torch:
        return reference
    model = tutorial_cnn(minigrad.nn).to(lib_dtype(minigrad, dtype))
    model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    return model


def named(model):
    """{module: its qualified name} ("" for the model itself), for the logs."""
    return {module: name for name, module in model.named_modules()}


# -- forward hooks ------------------------------------------------------------------------------------


def forward_hooks_on_the_cnn(lib, dtype, batch, seed):
    """Global and per-module forward (pre-)hooks on every layer of the tutorial CNN, some with
    prepend and with_kwargs: every call's module, args and output, in order."""
    model = twin_cnn(lib, dtype)
    names = named(model)
    log = []
    module_hooks = lib.nn.modules.module
    handles = [
        module_hooks.register_module_forward_pre_hook(lambda m, args: log.append(("global pre", names[m], plain(args)))),
        module_hooks.register_module_forward_hook(
            lambda m, args, out: log.append(("global fwd", names[m], plain(args), plain(out)))),
    ]
    try:
        for name, module in model.named_modules():
            module.register_forward_pre_hook(lambda m, args, tag=name: log.append(("pre", tag, len(args))))
            module.register_forward_pre_hook(
                lambda m, args, kwargs, tag=name: log.append(("pre kwargs, prepended", tag, kwargs)),
                prepend=True, with_kwargs=True)
            module.register_forward_hook(lambda m, args, out, tag=name: log.append(("fwd", tag, plain(out))))
            module.register_forward_hook(
                lambda m, args, kwargs, out, tag=name: log.append(("fwd kwargs", tag, kwargs, out.shape[1])),
                with_kwargs=True)
            module.register_forward_hook(lambda m, args, out, tag=name: log.append(("fwd prepended", tag)), prepend=True)
        x = np.random.default_rng(seed).standard_normal((batch, 3, 32, 32)).astype(dtype)
        log.append(("logits", plain(model(lib.tensor(x)))))
    finally:
        for handle in handles:
            handle.remove()
    return log


@settings(deadline=None, max_examples=4)
@given(st.sampled_from([np.float64, np.float32]), st.integers(1, 3), st.integers(0, 2**16))
def test_forward_hooks_on_the_tutorial_cnn_match_torch(dtype, batch, seed):
    log = run_both(forward_hooks_on_the_cnn, dtype, dtype=dtype, batch=batch, seed=seed)
    assert len(log) == 10 * 7 + 1  # 10 modules (the Sequential and its 9 layers), 7 hooks each


def scale_module(lib):
    """A module whose forward takes a keyword argument: ``forward(x, scale=1.0) = x · scale``."""

    class Scale(lib.nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale

    return Scale()


def hooks_returning_replacements(lib):
    module, log = scale_module(lib), []
    x = lib.tensor([1.0, 2.0])
    # a lone value returned by a pre-hook is made a 1-tuple
    with module.register_forward_pre_hook(lambda m, args: args[0] + 1):
        log.append(plain(module(x)))
    # a tuple replaces args; a later pre-hook sees the replacement
    with module.register_forward_pre_hook(lambda m, args: (args[0] * 10,)), \
            module.register_forward_pre_hook(lambda m, args: log.append(("sees", plain(args)))):
        log.append(plain(module(x, scale=2.0)))
    # with_kwargs: (args, kwargs) replaces both
    with module.register_forward_pre_hook(lambda m, args, kwargs: ((args[0] - 1,), {"scale": 3.0}), with_kwargs=True):
        log.append(plain(module(x, scale=2.0)))
    # a forward hook's return value replaces the output, and later hooks see it
    with module.register_forward_hook(lambda m, args, out: out * 100), \
            module.register_forward_hook(lambda m, args, out: log.append(("out", plain(out)))):
        log.append(plain(module(x)))
    # hooks returning None change nothing
    with module.register_forward_pre_hook(lambda m, args: None), module.register_forward_hook(lambda m, a, o: None):
        log.append(plain(module(x)))
    # a with_kwargs pre-hook must return (args, kwargs)
    with module.register_forward_pre_hook(lambda m, args, kwargs: args, with_kwargs=True):
        log.append(raised(lambda: module(x)))
    return log


def test_hooks_returning_replacements_as_torch():
    run_both(hooks_returning_replacements)


def removing_hooks(lib):
    module, log = scale_module(lib), []
    x = lib.tensor([1.0])
    first = module.register_forward_hook(lambda m, a, o: log.append("first"))
    second = module.register_forward_hook(lambda m, a, o: log.append("second"))
    pre = module.register_forward_pre_hook(lambda m, a: log.append("pre"), with_kwargs=False)
    module(x)
    first.remove()
    first.remove()  # twice: nothing happens
    module(x)
    with module.register_forward_hook(lambda m, a, o: log.append("in with")) as handle:
        log.append(type(handle).__name__)
        module(x)
    module(x)
    second.remove()
    pre.remove()
    module(x)
    log.append((len(module._forward_hooks), len(module._forward_pre_hooks), len(module._forward_hooks_with_kwargs)))
    log.append(first.id < second.id < pre.id)
    return log


def test_remove_and_context_manager_as_torch():
    log = run_both(removing_hooks)
    assert log[-2:] == [(0, 0, 0), True]
    assert isinstance(minigrad.nn.Linear(1, 1).register_forward_hook(print), minigrad.utils.hooks.RemovableHandle)


def always_call_on_an_exception(lib):
    class Failing(lib.nn.Module):
        def forward(self, x):
            raise ValueError("forward failed")

    module, log = Failing(), []
    module.register_forward_hook(lambda m, args, out: log.append(("always", plain(args), out)), always_call=True)
    module.register_forward_hook(lambda m, args, out: log.append("not always"))
    module.register_forward_hook(lambda m, args, kwargs, out: log.append(("always kwargs", kwargs, out)),
                                 with_kwargs=True, always_call=True)
    module.register_forward_hook(lambda m, args, out: 1 / 0, always_call=True)
    module.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log.append(raised(lambda: module(lib.tensor([1.0]), )))
    log.append([str(w.message) for w in caught])
    return log


def test_always_call_hooks_run_when_forward_raises_as_torch():
    log = run_both(always_call_on_an_exception)
    assert log[-2] == ("ValueError", "forward failed")


def always_call_after_a_hook_raised(lib):
    module, log = lib.nn.Identity(), []
    # this one ran before the error: it does not run a second time
    module.register_forward_hook(lambda m, args, out: log.append(("ran once", plain(out))), always_call=True)
    module.register_forward_hook(lambda m, args, out: [][1])
    module.register_forward_hook(lambda m, args, out: log.append(("after the error", plain(out))), always_call=True)
    handle = lib.nn.modules.module.register_module_forward_hook(
        lambda m, args, out: log.append(("global", plain(out))), always_call=True)
    try:
        log.append(raised(lambda: module(lib.tensor([1.0]))))
    finally:
        handle.remove()
    return log


def test_always_call_hooks_after_a_failing_hook_as_torch():
    run_both(always_call_after_a_hook_raised)


def global_hooks_come_first(lib):
    module, log = lib.nn.Linear(2, 2), []
    module_hooks = lib.nn.modules.module
    module.register_forward_pre_hook(lambda m, args: log.append("module pre"), prepend=True)
    module.register_forward_hook(lambda m, args, out: log.append("module fwd"), prepend=True)
    handles = [module_hooks.register_module_forward_pre_hook(lambda m, args: log.append("global pre")),
               module_hooks.register_module_forward_hook(lambda m, args, kwargs, out: log.append(("global kw", kwargs)),
                                                         with_kwargs=True)]
    module(lib.zeros(1, 2))
    for handle in handles:
        handle.remove()
    module(lib.zeros(1, 2))
    return log


def test_global_forward_hooks_run_before_the_modules_own_as_torch():
    run_both(global_hooks_come_first)
