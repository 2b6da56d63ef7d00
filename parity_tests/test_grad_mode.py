"""minigrad/autograd/grad_mode.py against torch: no_grad / enable_grad / set_grad_enabled as
context managers, decorators and (set_grad_enabled) plain calls, and is_grad_enabled."""

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
