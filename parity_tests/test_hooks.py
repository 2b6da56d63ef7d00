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
    """A hook argument as comparable data: tensors become numpy arrays (copies: torch may reuse a
    gradient's memory as .grad and add into it later), tuples stay tuples."""
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        return value.detach().numpy().copy()
    if isinstance(value, (tuple, list)):
        return tuple(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def assert_same(actual, expected, dtype=np.float64, path="log"):
    """Two logs (nested tuples of strings, numbers, arrays, None) are equal, arrays to tolerance."""
    if isinstance(expected, Raised):
        assert isinstance(actual, Raised) and actual.matches(expected), f"{path}: {actual!r} where torch raised {expected!r}"
    elif isinstance(expected, np.ndarray):
        assert isinstance(actual, np.ndarray), f"{path}: {type(actual)} where torch has an array"
        assert actual.shape == expected.shape, f"{path}: shape {actual.shape} != torch's {expected.shape}"
        if expected.dtype == np.float32:  # float32 values get float32 tolerances whatever the test's dtype
            dtype = np.float32
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


class Raised(tuple):
    """(exception type name, message): equal to torch's when the types are the same and the message
    starts with torch's (minigrad may add a hint after it; "torch." reads "minigrad.")."""

    def matches(self, expected):
        return self[0] == expected[0] and self[1].startswith(expected[1].replace("torch.", "minigrad."))


def raised(fn):
    """What ``fn()`` raises, as a ``Raised`` (None if it returns)."""
    try:
        fn()
    except Exception as error:  # noqa: BLE001  (comparing whatever each library raises)
        return Raised((type(error).__name__, str(error)))
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


# -- tensor hooks ----------------------------------------------------------------------------------


def values(rng, *shape):
    return rng.standard_normal(shape)


def tensor_hooks_on_leaves_and_non_leaves(lib):
    rng, log = np.random.default_rng(0), []
    x = lib.tensor(values(rng, 2, 3), requires_grad=True)
    w = lib.tensor(values(rng, 3, 4), requires_grad=True)
    b = lib.tensor(values(rng, 4), requires_grad=True)
    c = lib.tensor(values(rng, 2, 4))
    h = x @ w + b  # used twice below: its hook sees the sum of both uses, once
    h.register_hook(lambda g: log.append(("h", plain(g))))
    h.register_hook(lambda g: g * 2)  # replaces ∂L/∂h for everything before it
    h.register_hook(lambda g: log.append(("h after the replacement", plain(g))))
    t = h.tanh()
    t.retain_grad()
    t.register_hook(lambda g: g + 1)  # retain_grad's .grad is what the hooks return
    for name, leaf in (("x", x), ("w", w), ("b", b)):
        leaf.register_hook(lambda g, name=name: log.append((name, plain(g))))
        leaf.register_post_accumulate_grad_hook(lambda tensor, name=name: log.append((name + " .grad", plain(tensor.grad))))
    b.register_hook(lambda g: -g)  # a leaf accumulates the replacement
    loss = (t * c).sum() + (h * h).sum()
    loss.backward()
    log.append(("grads", plain((x.grad, w.grad, b.grad, t.grad))))
    return log


def test_tensor_hooks_see_and_replace_gradients_in_torchs_order():
    run_both(tensor_hooks_on_leaves_and_non_leaves)


def hook_return_values(lib):
    log = []

    def named_hook(g):
        return lib.ones(2)

    for result in [1, "text", (lib.ones(3),), lib.ones(2), lib.ones(1), lib.ones(3, dtype=lib.float64),
                   lib.ones(3, dtype=lib.int64), lib.ones(3, dtype=lib.float64)[:2], named_hook, None, lib.ones(3)]:
        for leaf in (True, False):
            a = lib.ones(3, requires_grad=True)
            target = a if leaf else a * 2
            target.register_hook(result if callable(result) else (lambda g, r=result: r))
            log.append(raised(lambda: (target * 3).sum().backward()))
            log.append(plain(a.grad))
    return log


def test_hook_return_values_checked_as_torch():
    run_both(hook_return_values)


def registration_errors(lib):
    a = lib.ones(3)
    leaf = lib.ones(3, requires_grad=True)
    return [raised(lambda: a.register_hook(print)),
            raised(lambda: a.register_post_accumulate_grad_hook(print)),
            raised(lambda: (leaf * 2).register_post_accumulate_grad_hook(print)),
            raised(lambda: leaf.register_post_accumulate_grad_hook(lambda t: 5) and (leaf * 1).sum().backward()),
            raised(lambda: leaf.register_post_accumulate_grad_hook(lambda t: t) and (leaf * 1).sum().backward())]


def test_registration_errors_as_torch():
    log = run_both(registration_errors)
    assert all(entry is not None for entry in log)


def removing_tensor_hooks(lib):
    a = lib.ones(3, requires_grad=True)
    first = a.register_hook(lambda g: g * 10)
    second = a.register_hook(lambda g: g + 1)
    first.remove()
    first.remove()
    (a * 2).sum().backward()
    log = [plain(a.grad)]
    with a.register_hook(lambda g: g * 100):
        (a * 2).sum().backward()
    log.append(plain(a.grad))
    second.remove()
    (a * 2).sum().backward()
    log.append(plain(a.grad))
    b = a * 1
    with b.register_hook(lambda g: g * 5) as handle:
        log.append(type(handle).__name__)
    b.sum().backward()
    log.append(plain(a.grad))
    return log


def test_removing_tensor_hooks_as_torch():
    run_both(removing_tensor_hooks)


def hooks_with_autograd_grad(lib):
    log = []
    a = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = lib.tensor([1.0, 1.0, 1.0], requires_grad=True)
    b = a * 2
    a.register_hook(lambda g: (log.append(("a", plain(g))), g + 1)[1])
    a.register_post_accumulate_grad_hook(lambda t: log.append("a post-accumulate"))  # grad() accumulates nothing
    b.register_hook(lambda g: (log.append(("b", plain(g))), g * 10)[1])
    c.register_hook(lambda g: log.append("c"))  # not an input of grad(): it does not run
    loss = (b * 3 * c).sum()
    log.append(("grad a", plain(lib.autograd.grad(loss, a, retain_graph=True))))
    log.append(("grad b", plain(lib.autograd.grad(loss, b, retain_graph=True))))
    # b is an input and also on the way to a: torch gives b's gradient before b's hooks run
    log.append(("grad b, a", plain(lib.autograd.grad(loss, [b, a], retain_graph=True))))
    log.append(("grads", plain((a.grad, c.grad))))
    # backward(inputs=...) runs an input leaf's hooks and post-accumulate hooks, not the others'
    loss.backward(inputs=[a])
    log.append(("after backward(inputs=[a])", plain((a.grad, c.grad))))
    return log


def test_hooks_with_autograd_grad_and_backward_inputs_as_torch():
    run_both(hooks_with_autograd_grad)


def hooks_and_in_place_changes(lib):
    log, weights = [], lib.tensor([1.0, 2.0, 3.0])

    def record(tag):
        return lambda g: log.append((tag, plain(g)))

    # a hook registered before an in-place change sees ∂L/∂(the old value); one after, the new
    a = lib.ones(3, requires_grad=True)
    b = a * 2
    b.register_hook(record("before mul_"))
    b.mul_(5)
    b.register_hook(record("after mul_"))
    (b * weights).sum().backward()
    log.append(plain(a.grad))
    # a hook on a view sees the view's gradient; one on its base the whole base's
    a = lib.ones(2, 3, requires_grad=True)
    base = a * 1
    view = base[0]
    view.register_hook(record("view"))
    base.register_hook(record("base"))
    (view * weights).sum().backward()
    log.append(plain(a.grad))
    # a view's hook registered before its base changed in place no longer runs: the view's node is new
    a = lib.ones(2, 3, requires_grad=True)
    base = a * 1
    view = base[1]
    view.register_hook(record("view, before its base changed"))
    base.mul_(2)
    (view * weights).sum().backward()
    log.append(plain(a.grad))
    # ... and one registered after it is on the new node
    a = lib.ones(2, 3, requires_grad=True)
    base = a * 1
    view = base[1]
    base.mul_(2)
    assert view.grad_fn is not None  # torch 2.14.1 segfaults registering a hook on this view without it
    view.register_hook(record("view, after its base changed"))
    (view * weights).sum().backward()
    log.append(plain(a.grad))
    # a hook on a leaf's view
    a = lib.ones(2, 3, requires_grad=True)
    a[1].register_hook(record("leaf view"))
    (a[1] * weights).sum().backward()
    log.append(plain(a.grad))
    # a leaf used twice: its hooks see the sum, once
    a = lib.ones(3, requires_grad=True)
    a.register_hook(lambda g: g * 2)
    a.register_hook(record("leaf used twice"))
    (a * a * weights).sum().backward()
    log.append(plain(a.grad))
    return log


def test_hooks_and_in_place_changes_as_torch():
    run_both(hooks_and_in_place_changes)


def node_hooks(lib):
    log = []
    a = lib.ones(3, requires_grad=True)
    b = a * lib.tensor([1.0, 2.0, 3.0])
    b.register_hook(lambda g: log.append(("tensor hook", plain(g))))
    b.grad_fn.register_prehook(lambda grad_outputs: log.append(("pre", plain(grad_outputs))))
    b.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 2,))
    b.grad_fn.register_hook(lambda grad_inputs, grad_outputs: log.append(("post", plain(grad_inputs), plain(grad_outputs))))
    b.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0] + 1, None))
    accumulate = b.grad_fn.next_functions[0][0]
    accumulate.register_prehook(lambda grad_outputs: log.append(("accumulate pre", plain(grad_outputs))))
    accumulate.register_hook(lambda grad_inputs, grad_outputs: log.append(("accumulate post", plain(grad_inputs))))
    a.register_post_accumulate_grad_hook(lambda t: log.append(("post-accumulate", plain(t.grad))))
    b.sum().backward()
    log.append(plain(a.grad))
    for result in [1, lib.ones(3), (lib.ones(3),), (lib.ones(2), None), [lib.ones(3), None]]:
        a = lib.ones(3, requires_grad=True)
        b = a * 2
        b.grad_fn.register_hook(lambda gi, go, r=result: r)
        log.append(raised(lambda: b.sum().backward()))
        a = lib.ones(3, requires_grad=True)
        b = a * 2
        b.grad_fn.register_prehook(lambda go, r=result: r)
        log.append(raised(lambda: b.sum().backward()))
    return log


def test_node_hooks_as_torch():
    run_both(node_hooks)


def leaves_ready_at_once(lib):
    """Several leaves whose gradients are ready together run their hooks in torch's engine order."""
    rng, log = np.random.default_rng(1), []
    leaves = [lib.tensor(values(rng, 3), requires_grad=True) for _ in range(6)]
    for i, leaf in enumerate(leaves):
        leaf.register_hook(lambda g, i=i: log.append(i))
    lib.stack(leaves).sum().backward()
    lib.stack(leaves[:4]).sum().backward()
    (leaves[0] * leaves[1] * leaves[2]).sum().backward()
    p, q = leaves[3] * 2, leaves[3] * 3  # two branches: the later one runs first
    p.register_hook(lambda g: log.append("p"))
    q.register_hook(lambda g: log.append("q"))
    (p + q).sum().backward()
    return log


def test_hooks_on_several_ready_tensors_fire_in_torchs_order():
    run_both(leaves_ready_at_once)


def test_create_graph_says_what_is_supported():
    x = minigrad.ones(2, requires_grad=True)
    for call in (lambda: (x * x).sum().backward(create_graph=True),
                 lambda: minigrad.autograd.grad((x * x).sum(), x, create_graph=True)):
        with pytest.raises(NotImplementedError, match="first derivatives") as info:
            call()
        assert "second derivatives" in str(info.value) and "minigrad.autograd.gradcheck" in str(info.value)


# -- module backward hooks ---------------------------------------------------------------------------


def shapes_and_values(grads):
    return tuple(None if g is None else (tuple(g.shape), str(g.dtype).split(".")[-1], plain(g)) for g in grads)


def every_hook_on_the_cnn(lib, dtype, batch, seed, input_requires_grad):
    """Every kind of hook on every module of the tutorial CNN and its loss, global ones too, some
    returning replacements: the log of all calls, then every gradient."""
    model = twin_cnn(lib, dtype)
    loss_fn = lib.nn.CrossEntropyLoss()
    names = named(model)
    names[loss_fn] = "loss"
    log = []
    module_hooks = lib.nn.modules.module
    handles = [
        module_hooks.register_module_full_backward_pre_hook(
            lambda m, grad_output: log.append(("global backward pre", names[m], shapes_and_values(grad_output)))),
        module_hooks.register_module_full_backward_hook(
            lambda m, grad_input, grad_output: log.append(("global backward", names[m], shapes_and_values(grad_input)))),
    ]
    try:
        for name, module in (*model.named_modules(), ("loss", loss_fn)):
            module.register_full_backward_hook(
                lambda m, gi, go, tag=name: log.append(("backward", tag, shapes_and_values(gi), shapes_and_values(go))))
            module.register_full_backward_pre_hook(lambda m, go, tag=name: log.append(("backward pre", tag)), prepend=True)
            module.register_forward_hook(
                lambda m, args, out, tag=name: (out.register_hook(lambda g: log.append(("output", tag, plain(g)))), None)[1])
        # replacements: ∂L/∂output of the second conv doubled, ∂L/∂input of the first linear halved
        model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
        model[7].register_full_backward_hook(lambda m, gi, go: (gi[0] / 2,))
        for name, param in model.named_parameters():
            param.register_hook(lambda g, tag=name: log.append(("parameter", tag, plain(g))))
            param.register_post_accumulate_grad_hook(lambda p, tag=name: log.append(("accumulated", tag)))
        rng = np.random.default_rng(seed)
        images = lib.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(dtype), requires_grad=input_requires_grad)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = loss_fn(model(images), lib.tensor(rng.integers(0, 10, batch)))
            loss.backward()
        log.append(("warnings", sorted({str(w.message)[:60] for w in caught})))
    finally:
        for handle in handles:
            handle.remove()
    log.append(("parameter grads", {name: plain(p.grad) for name, p in model.named_parameters()}))
    log.append(("input grad", plain(images.grad)))
    return log


@settings(deadline=None, max_examples=4)
@given(st.sampled_from([np.float64, np.float32]), st.integers(1, 3), st.integers(0, 2**16), st.booleans())
def test_backward_hooks_on_the_tutorial_cnn_match_torch(dtype, batch, seed, input_requires_grad):
    log = run_both(every_hook_on_the_cnn, dtype, dtype=dtype, batch=batch, seed=seed,
                   input_requires_grad=input_requires_grad)
    assert sum(entry[0] == "backward" for entry in log) == 11  # the loss, the Sequential and its 9 layers


@st.composite
def small_models(draw):
    """A Conv2d/ReLU/Linear stack and its input: layer specs, input shape, dtype, seed, and which
    hooks replace gradients (a factor per layer for ∂L/∂input and for ∂L/∂output, or None)."""
    channels, size = draw(st.integers(1, 2)), draw(st.integers(3, 5))
    shape = (draw(st.integers(1, 3)), channels, size, size)
    layers = []
    for _ in range(draw(st.integers(0, 2))):
        out_channels, kernel, padding = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(0, 1))
        if size + 2 * padding < kernel:
            continue
        layers.append(("conv", channels, out_channels, kernel, padding))
        channels, size = out_channels, size + 2 * padding - kernel + 1
        if draw(st.booleans()):
            layers.append(("relu",))
    features = channels * size * size
    layers.append(("flatten",))
    for _ in range(draw(st.integers(1, 2))):
        layers.append(("linear", features, draw(st.integers(1, 4))))
        features = layers[-1][2]
        if draw(st.booleans()):
            layers.append(("relu",))
    factors = st.lists(st.sampled_from([None, None, 0.5, -2.0]), min_size=len(layers), max_size=len(layers))
    return dict(layers=layers, shape=shape, scales=draw(factors), pre_scales=draw(factors),
                dtype=draw(st.sampled_from([np.float64, np.float32])), input_requires_grad=draw(st.booleans()),
                seed=draw(st.integers(0, 2**16)))


def build(nn, layers):
    """The model the specs describe, in ``nn`` (torch.nn or minigrad.nn)."""
    made = []
    for kind, *options in layers:
        if kind == "conv":
            in_channels, out_channels, kernel, padding = options
            made.append(nn.Conv2d(in_channels, out_channels, kernel, padding=padding))
        elif kind == "linear":
            made.append(nn.Linear(*options))
        else:
            made.append({"relu": nn.ReLU, "flatten": nn.Flatten}[kind]())
    return nn.Sequential(*made)


def hooks_on_a_small_model(lib, layers, images, scales, pre_scales, input_requires_grad, seed, dtype):
    torch.manual_seed(seed)
    reference = build(torch.nn, layers).to(lib_dtype(torch, dtype))
    model = reference if lib is torch else build(minigrad.nn, layers).to(lib_dtype(minigrad, dtype))
    if lib is not torch:
        model.load_state_dict({k: v.numpy() for k, v in reference.state_dict().items()})
    log = []
    for i, (module, scale, pre_scale) in enumerate(zip(model, scales, pre_scales)):
        module.register_full_backward_hook(
            lambda m, gi, go, i=i: log.append(("backward", i, shapes_and_values(gi), shapes_and_values(go))))
        if scale is not None:  # replace ∂L/∂input
            module.register_full_backward_hook(lambda m, gi, go, s=scale: tuple(None if g is None else g * s for g in gi),
                                               prepend=i % 2 == 0)
        if pre_scale is not None:  # replace ∂L/∂output
            module.register_full_backward_pre_hook(lambda m, go, s=pre_scale: (go[0] * s,))
        module.register_full_backward_pre_hook(lambda m, go, i=i: log.append(("pre", i, shapes_and_values(go))))
        for name, param in module.named_parameters():
            param.register_hook(lambda g, tag=(i, name): log.append(("parameter", tag, plain(g))))
    x = lib.tensor(images, requires_grad=input_requires_grad)
    out = model(x)
    out.register_hook(lambda g: log.append(("model output", plain(g))))
    weights = np.random.default_rng(seed).standard_normal(tuple(out.shape)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (out * lib.tensor(weights)).sum().backward()
    log.append(("grads", {name: plain(p.grad) for name, p in model.named_parameters()}, plain(x.grad)))
    return log


@settings(deadline=None, max_examples=25)
@given(small_models())
def test_backward_hooks_on_random_small_models_match_torch(case):
    images = np.random.default_rng(case["seed"]).standard_normal(case["shape"]).astype(case["dtype"])
    run_both(hooks_on_a_small_model, case["dtype"], layers=case["layers"], images=images, scales=case["scales"],
             pre_scales=case["pre_scales"], input_requires_grad=case["input_requires_grad"], seed=case["seed"],
             dtype=case["dtype"])


def two_input_module(lib):
    """forward(a, b, k=2) = (a · k, b + a): two tensor arguments, two outputs."""

    class Two(lib.nn.Module):
        def forward(self, a, b, k=2):
            return a * k, b + a

    return Two()


def backward_hooks_of_a_module_with_several_tensors(lib):
    log = []
    module = two_input_module(lib)
    module.register_full_backward_pre_hook(lambda m, go: log.append(("pre", shapes_and_values(go))))
    module.register_full_backward_hook(lambda m, gi, go: log.append(("full", shapes_and_values(gi), shapes_and_values(go))))
    a = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0, 4.0], requires_grad=True)
    module(a, b)[0].sum().backward()  # the second output unused: None in grad_output, zeros flow on
    log.append(plain((a.grad, b.grad)))
    sum(out.sum() for out in module(a, b)).backward()
    module(a, lib.tensor([1.0, 1.0]))[1].sum().backward()  # an argument needing no gradient: zeros in grad_input
    module(a, b, 3)[1].sum().backward()  # a non-tensor argument: None in grad_input
    log.append(plain((a.grad, b.grad)))
    # the loss module: its target needs no gradient (int64 zeros in grad_input, as torch)
    loss_fn = lib.nn.CrossEntropyLoss()
    loss_fn.register_full_backward_hook(lambda m, gi, go: log.append(("loss", shapes_and_values(gi), shapes_and_values(go))))
    logits = lib.tensor([[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]], requires_grad=True)
    loss_fn(logits, lib.tensor([2, 0])).backward()
    log.append(plain(logits.grad))
    return log


def test_backward_hooks_of_a_module_with_several_tensors_as_torch():
    run_both(backward_hooks_of_a_module_with_several_tensors)


def fixed_linear(lib, in_features, out_features):
    """A Linear layer with the same weights in both libraries."""
    layer = lib.nn.Linear(in_features, out_features)
    rng = np.random.default_rng(in_features * 10 + out_features)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(rng.standard_normal((out_features, in_features)).astype(np.float32)))
        layer.bias.copy_(lib.tensor(rng.standard_normal(out_features).astype(np.float32)))
    return layer


def backward_hooks_special_cases(lib):
    log = []

    def caught(fn):
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            result = raised(fn)
        return result, sorted(str(w.message)[:80] for w in seen)

    # no input requires grad: the full hook runs at the outputs, grad_input all None; it may only return Nones
    layer = fixed_linear(lib, 3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: log.append(("no input grad", shapes_and_values(gi))))
    log.append(caught(lambda: layer(lib.ones(4, 3)).sum().backward()))
    for result in [(lib.ones(4, 3),), (None,), None]:
        layer = fixed_linear(lib, 3, 2)
        layer.register_full_backward_hook(lambda m, gi, go, r=result: r)
        log.append(caught(lambda: layer(lib.ones(4, 3)).sum().backward()))
    # what a hook returns is checked
    x = lib.ones(4, 3, requires_grad=True)
    for kind, hook in [("full", lambda m, gi, go: (gi[0], gi[0])), ("pre", lambda m, go: (go[0], go[0])),
                       ("full", lambda m, gi, go: gi[0]), ("pre", lambda m, go: go[0]),
                       ("full", lambda m, gi, go: [gi[0] * 2]), ("full", lambda m, gi, go: (lib.ones(2),)),
                       ("pre", lambda m, go: (go[0] * 3,))]:
        layer = fixed_linear(lib, 3, 2)
        if kind == "full":
            layer.register_full_backward_hook(hook)
        else:
            layer.register_full_backward_pre_hook(hook)
        x.grad = None
        log.append((kind, caught(lambda: layer(x).sum().backward()), plain(x.grad)))
    # a module called under no_grad, one returning a dict, one whose output needs no gradient
    layer = fixed_linear(lib, 3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: log.append("called"))
    with lib.no_grad():
        log.append(layer(x).grad_fn is None)

    class DictOutput(lib.nn.Module):
        def forward(self, x):
            return {"y": x * 2}

    class Detached(lib.nn.Module):
        def forward(self, x):
            return x.detach() * 2

    def call_and_backward(module):
        out = module(x)
        (out["y"] if isinstance(out, dict) else out).sum().backward()

    for module in (DictOutput(), Detached()):
        module.register_full_backward_hook(lambda m, gi, go: log.append(("called", type(m).__name__)))
        log.append(caught(lambda: call_and_backward(module)))
    # a hooked module's output has the hook's node as grad_fn, a view of forward's result
    layer = fixed_linear(lib, 3, 2)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    out = layer(x)
    log.append((out.grad_fn.name(), [child.name() for child, _ in out.grad_fn.next_functions], out._base is not None))
    return log


def test_backward_hooks_special_cases_as_torch():
    run_both(backward_hooks_special_cases)


def in_place_changes_with_backward_hooks(lib):
    """Changing a hooked module's inputs or outputs in place is torch's error (they are views made
    by the hooks' identity node)."""
    log = []
    relu = lib.nn.ReLU(inplace=True)
    relu.register_full_backward_hook(lambda m, gi, go: None)
    log.append(raised(lambda: relu(lib.ones(3, requires_grad=True) * 1)))
    layer = fixed_linear(lib, 3, 3)
    layer.register_full_backward_hook(lambda m, gi, go: None)
    model = lib.nn.Sequential(layer, lib.nn.ReLU(inplace=True))
    log.append(raised(lambda: model(lib.ones(2, 3, requires_grad=True))))
    # the input changed in place after the call: using the output is the error
    identity = lib.nn.Identity()
    identity.register_full_backward_hook(lambda m, gi, go: None)
    h = lib.ones(2, 3, requires_grad=True) * 1
    out = identity(h)
    h.mul_(2)
    log.append(raised(lambda: (out * 1).sum().backward()))
    # without hooks the same code runs
    model = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.ReLU(inplace=True))
    log.append(raised(lambda: model(lib.ones(2, 3, requires_grad=True)).sum().backward()))
    return log


def test_in_place_changes_with_backward_hooks_raise_as_torch():
    log = run_both(in_place_changes_with_backward_hooks)
    assert [entry is None for entry in log] == [False, False, False, True]


def removing_backward_hooks(lib):
    log = []
    layer = fixed_linear(lib, 2, 2)
    x = lib.ones(1, 2, requires_grad=True)
    full = layer.register_full_backward_hook(lambda m, gi, go: log.append("full"))
    pre = layer.register_full_backward_pre_hook(lambda m, go: log.append("pre"))
    global_handle = lib.nn.modules.module.register_module_full_backward_hook(lambda m, gi, go: log.append("global"))
    layer(x).sum().backward()
    global_handle.remove()
    full.remove()
    layer(x).sum().backward()
    pre.remove()
    out = layer(x)
    log.append(out.grad_fn.name())
    out.sum().backward()
    log.append((len(layer._backward_hooks), len(layer._backward_pre_hooks)))
    return log


def test_removing_backward_hooks_as_torch():
    run_both(removing_backward_hooks)
