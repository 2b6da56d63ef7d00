"""minigrad/autograd/grad_mode.py against torch: no_grad / enable_grad / set_grad_enabled as
context managers, decorators and (set_grad_enabled) plain calls, and is_grad_enabled; and, as in
torch, one mode per thread."""

import sys
import threading

import numpy as np
import pytest
import torch

import minigrad


def records(lib):
    """Whether an op on a tensor that requires grad is recorded right now."""
    return (lib.tensor([1.0], requires_grad=True) * 2).requires_grad


@pytest.fixture(params=[minigrad, torch], ids=["minigrad", "torch"])
def lib(request):
    yield request.param
    assert request.param.is_grad_enabled(), "a test left grad mode off"


def test_no_grad_context(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        assert not lib.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
        with lib.enable_grad():  # recording back on inside no_grad
            assert lib.is_grad_enabled() and records(lib)
        assert not lib.is_grad_enabled()
    assert lib.is_grad_enabled() and records(lib)


def test_decorators_with_and_without_parentheses(lib):
    @lib.no_grad()
    def called():
        return records(lib)

    @lib.no_grad
    def bare():
        return records(lib)

    @lib.enable_grad()
    def enabled():
        return records(lib)

    assert not called() and not bare()
    assert called.__name__ == "called"  # functools.wraps
    with lib.no_grad():
        assert enabled()
        assert not lib.is_grad_enabled()
    assert records(lib)


def test_set_grad_enabled_as_call_context_and_decorator(lib):
    lib.set_grad_enabled(False)
    assert not lib.is_grad_enabled() and not records(lib)
    lib.set_grad_enabled(True)
    assert records(lib)
    with lib.set_grad_enabled(False):
        assert not records(lib)
        with lib.set_grad_enabled(True):
            assert records(lib)
        assert not records(lib)
    assert records(lib)

    @lib.set_grad_enabled(False)
    def off():
        return records(lib)

    assert lib.is_grad_enabled()  # decorating does not switch the mode
    assert not off()
    assert lib.is_grad_enabled()


def test_mode_is_restored_after_an_exception(lib):
    with pytest.raises(ValueError):
        with lib.no_grad():
            raise ValueError("boom")
    assert lib.is_grad_enabled()

    @lib.no_grad()
    def fails():
        raise ValueError("boom")

    with pytest.raises(ValueError):
        fails()
    assert lib.is_grad_enabled()


def test_no_grad_results_are_leaves_usable_later(lib):
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        frozen = w * 3
    loss = (frozen * w).sum()
    loss.backward()
    assert w.grad.tolist() == [3.0, 6.0]  # no gradient flowed through `frozen`
    assert frozen.is_leaf and frozen.grad is None


def test_backward_runs_with_recording_off_inside(lib):
    """Ops inside backward are not recorded, whatever the outer mode."""
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with lib.no_grad():
        y.backward()  # a graph built earlier still backpropagates under no_grad
    assert x.grad.tolist() == [2.0, 4.0] and not x.grad.requires_grad


# -- threads: the mode is per thread, as torch's ------------------------------------------------------


def run_in_threads(*functions):
    """Run each function in its own thread, all at once; their results, or the first error raised."""
    results, errors = [None] * len(functions), []

    def runner(index, function):
        try:
            results[index] = function()
        except BaseException as error:  # re-raised in the calling thread, where pytest sees it
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def switch_often():
    """Make the interpreter switch threads every microsecond, so that the threads' ops interleave."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def small_model_and_data(lib, seed):
    lib.manual_seed(seed)
    model = lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 2))
    return model, lib.randn(16, 4), lib.randn(16, 2)


def sgd_training(lib, seed, steps=150):
    """Many SGD steps (each ``optimizer.step()`` runs under no_grad) plus an evaluation under no_grad:
    the final weights."""
    model, x, y = small_model_and_data(lib, seed)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = lib.nn.MSELoss()

    def run():
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
            with lib.no_grad():
                assert model(x).grad_fn is None
        return [p.detach().numpy().copy() for p in model.parameters()]

    return run


def gradients_only(lib, seed, repeats=150):
    """The same loss's gradients, computed again and again (recording must stay on throughout)."""
    model, x, y = small_model_and_data(lib, seed)
    loss_fn = lib.nn.MSELoss()

    def run():
        gradients = []
        for _ in range(repeats):
            model.zero_grad()
            loss = loss_fn(model(x), y)
            assert lib.is_grad_enabled() and loss.grad_fn is not None
            loss.backward()
            gradients.append([p.grad.numpy().copy() for p in model.parameters()])
        return gradients

    return run


def test_two_threads_train_two_models_as_if_alone(lib, switch_often):
    """One thread's no_grad (its optimizer steps, its evaluation) stops recording in that thread only."""
    alone = [sgd_training(lib, seed=1)(), gradients_only(lib, seed=2)()]
    together = run_in_threads(sgd_training(lib, seed=1), gradients_only(lib, seed=2))
    for weights, expected in zip(together[0], alone[0]):
        np.testing.assert_array_equal(weights, expected)
    for step_gradients, expected_gradients in zip(together[1], alone[1]):
        for gradient, expected in zip(step_gradients, expected_gradients):
            np.testing.assert_array_equal(gradient, expected)


def test_no_grad_left_out_of_order_by_two_threads(lib):
    """A enters no_grad, B enters no_grad, A leaves, B leaves: each thread sees only its own blocks
    (torch 2.14: False, False inside; True after each exit; the main thread never changes)."""
    a_entered, b_entered, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with lib.no_grad():
            a_entered.set()
            b_entered.wait()
            seen["A inside, B inside too"] = lib.is_grad_enabled()
        seen["A after leaving"] = lib.is_grad_enabled() and records(lib)
        a_left.set()

    def thread_b():
        a_entered.wait()
        with lib.no_grad():
            b_entered.set()
            a_left.wait()
            seen["B inside, A has left"] = lib.is_grad_enabled() or records(lib)
        seen["B after leaving"] = lib.is_grad_enabled() and records(lib)

    run_in_threads(thread_a, thread_b)
    assert seen == {"A inside, B inside too": False, "A after leaving": True,
                    "B inside, A has left": False, "B after leaving": True}
    assert lib.is_grad_enabled() and records(lib)


def test_a_new_thread_starts_with_grad_enabled(lib):
    """torch 2.14: a thread started inside no_grad, or after set_grad_enabled(False), records."""
    child = lambda: (lib.is_grad_enabled(), records(lib))  # noqa: E731
    with lib.no_grad():
        assert run_in_threads(child) == [(True, True)]
        assert not lib.is_grad_enabled()  # and the child's mode did not leak back
    lib.set_grad_enabled(False)
    try:
        assert run_in_threads(child) == [(True, True)]
    finally:
        lib.set_grad_enabled(True)


def test_no_grad_in_another_thread_leaves_this_one_recording(lib):
    entered, done = threading.Event(), threading.Event()

    def evaluation():
        with lib.no_grad():
            entered.set()
            done.wait()
            return lib.is_grad_enabled()

    thread = threading.Thread(target=evaluation)
    thread.start()
    entered.wait()
    try:
        assert lib.is_grad_enabled() and records(lib)
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("view", ["squeeze", "reshape", "view", "flatten", "t"])
def test_views_of_an_empty_tensor_made_under_no_grad_require_grad(view):
    """A view made under no_grad of a tensor that requires grad requires grad too (outside the
    graph), even an empty one, whose memory numpy may hand back as the very same array (a long
    fuzz run found squeeze() of x[all-False mask] not requiring grad)."""
    seen = []
    for lib in (minigrad, torch):
        x = lib.zeros(1, requires_grad=True)
        empty = x[lib.tensor([False])]
        with lib.no_grad():
            made = {"squeeze": empty.squeeze, "reshape": lambda: empty.reshape(0), "view": lambda: empty.view(-1),
                    "flatten": empty.flatten, "t": empty.t}[view]()
        seen.append((made.requires_grad, made.is_leaf, made.grad_fn is None, made._base is empty))
    assert seen[0] == seen[1]
