"""minigrad/autograd/engine.py (and autograd/__init__.py) against torch: accumulation across
backward calls, retain_graph and freed graphs, the errors of backward, retain_grad, diamond
graphs, gradient shapes and dtypes, deep graphs, and ``autograd.grad``."""

import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from harness import assert_close, check_parity
from strategies import DTYPES, arrays, broadcastable_shapes, positive_arrays, shapes

SECOND_BACKWARD = "Trying to backward through the graph a second time"


def both_libraries(build):
    """``build(lib, *leaves)`` run in minigrad and torch on the same float64 leaves."""
    return [build(lib) for lib in (minigrad, torch)]


# -- accumulation ---------------------------------------------------------------------------------


@given(broadcastable_shapes(2, max_dims=3), DTYPES, st.integers(1, 3), st.data())
@settings(deadline=None)
def test_gradients_accumulate_across_backward_calls(shapes_, dtype, calls, data):
    a = data.draw(arrays(shapes_[0], dtype))
    b = data.draw(positive_arrays(shapes_[1], dtype))
    grads = []
    for lib in (minigrad, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        loss = (x * y + x / y).sum()
        for _ in range(calls):
            loss.backward(retain_graph=True)
        fresh = (x.exp() * y).mean()  # a second graph adds into the same .grad
        fresh.backward()
        grads.append((x.grad.numpy().copy(), y.grad.numpy().copy()))
        assert x.grad.dtype == x.dtype and x.grad.shape == x.shape
    for m, t in zip(*grads):
        assert_close(m, t, dtype, "accumulated gradient")


def test_grad_is_a_private_copy_and_zeroing_works():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    upstream = minigrad.tensor([3.0, 4.0])
    (x * 1).backward(upstream)
    upstream.fill_(0.0)  # .grad must not alias the upstream gradient
    assert x.grad.tolist() == [3.0, 4.0]
    x.grad.zero_()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    for lib in (minigrad, torch):
        leaf = lib.tensor(2.0, requires_grad=True)
        leaf.backward()  # a leaf as the root: ∂leaf/∂leaf = 1
        assert leaf.grad.item() == 1.0


def test_non_leaf_grad_stays_none_unless_retained():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 2
        kept = x * 3
        kept.retain_grad()
        loss = (h * kept).sum()
        loss.backward(retain_graph=True)
        with pytest.warns(UserWarning) if lib is torch else _nothing():
            assert h.grad is None
        assert kept.grad.tolist() == [2.0, 4.0]
        loss.backward()  # retained grads accumulate as leaves' do
        assert kept.grad.tolist() == [4.0, 8.0]


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# -- freed graphs and retain_graph ----------------------------------------------------------------

SAVING_GRAPHS = {
    "mul": lambda lib, x: (x * x).sum(),
    "scalar mul": lambda lib, x: (x * 2).sum(),
    "exp": lambda lib, x: x.exp().sum(),
    "div": lambda lib, x: (x / 3).sum(),
    "chain": lambda lib, x: ((x + 1).tanh() * 2).mean(),
}
SAVE_NOTHING = {
    "add": lambda lib, x: (x + x).sum(),
    "sub": lambda lib, x: (x - 1).sum(),
    "neg": lambda lib, x: (-x).sum(),
    "to double": lambda lib, x: x.double().sum(),
    "leaf sum": lambda lib, x: x.sum(),
}


@pytest.mark.parametrize("case", sorted(SAVING_GRAPHS))
def test_second_backward_through_saved_values_raises_and_retain_graph_accumulates(case):
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        loss = SAVING_GRAPHS[case](lib, x)
        loss.backward(retain_graph=True)
        once = x.grad.clone()
        loss.backward()  # retained: runs again and accumulates
        np.testing.assert_allclose(x.grad.numpy(), 2 * once.numpy())
        with pytest.raises(RuntimeError, match=SECOND_BACKWARD) as error:
            loss.backward()
        assert "retain_graph=True" in str(error.value)


@pytest.mark.parametrize("case", sorted(SAVE_NOTHING))
def test_graph_that_saved_nothing_may_run_twice(case):
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        loss = SAVE_NOTHING[case](lib, x)
        loss.backward()
        loss.backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_freed_saved_tensors_raise_on_access():
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        y = x * x
        y.sum().backward()
        with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
            y.sum().backward()


# -- backward's errors -----------------------------------------------------------------------------


def test_backward_errors_match_torch():
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            (x * 2).backward()
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad and does not have a grad_fn"):
            lib.tensor([1.0, 2.0]).sum().backward()
        with lib.no_grad():
            y = (x * 2).sum()
        with pytest.raises(RuntimeError, match="element 0 of tensors does not require grad"):
            y.backward()
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            (x * 2).backward(lib.ones(3))


def test_backward_with_explicit_gradient():
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([[0.5, 1.5], [2.0, -1.0]], requires_grad=True)
        (x * x).backward(lib.tensor([[1.0, 2.0], [3.0, 4.0]]))
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_backward_of_several_tensors():
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, 1.5], requires_grad=True)
        lib.autograd.backward([(x * x).sum(), x * 3], [None, lib.tensor([1.0, -1.0])])
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(*grads)


# -- graph shapes ----------------------------------------------------------------------------------


@given(shapes(max_dims=3), DTYPES, st.data())
@settings(deadline=None)
def test_diamond_graphs_accumulate_every_path(shape, dtype, data):
    """One tensor feeding several ops (and an intermediate feeding several ops)."""
    x = data.draw(arrays(shape, dtype, low=-2, high=2))
    check_parity(lambda x: x * x + x.exp() * x - x, lambda x: x * x + x.exp() * x - x, x)

    def shared_intermediate(x):
        a = x * 2
        b = a * a + a.tanh()
        return b * a + (a - b) / 3

    check_parity(shared_intermediate, shared_intermediate, x)


@given(broadcastable_shapes(3, max_dims=4), st.data())
@settings(deadline=None)
def test_gradient_shape_and_dtype_equal_the_tensors(shapes_, data):
    """float32 and float64 leaves of broadcast shapes, mixed in float64 ops."""
    a = data.draw(arrays(shapes_[0], np.float32))
    b = data.draw(arrays(shapes_[1], np.float64))
    c = data.draw(arrays(shapes_[2], np.float32))

    def f(a, b, c):
        return (a.double() * b + c) * a + c.double().exp() * b

    out = check_parity(f, f, a, b, c)
    assert out.dtype is minigrad.float64


def test_float32_leaf_through_float64_ops_gets_float32_grad():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    w = minigrad.tensor([0.5, 0.25], dtype=minigrad.float64, requires_grad=True)
    (x * w).sum().backward()
    assert x.grad.dtype is minigrad.float32 and w.grad.dtype is minigrad.float64


def test_100000_op_chain_backprops_without_recursion_error():
    n, factor = 100_000, 1.0001
    x = minigrad.tensor(1.5, dtype=minigrad.float64, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(n):
        y = y * factor
    y.backward()
    elapsed = time.perf_counter() - start
    np.testing.assert_allclose(y.item(), 1.5 * factor**n, rtol=1e-9)
    np.testing.assert_allclose(x.grad.item(), factor**n, rtol=1e-9)  # d(x·cⁿ)/dx = cⁿ
    assert elapsed < 30, f"100,000-op chain took {elapsed:.1f}s"


def test_wide_graph_sums_many_uses():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    total = sum(x * i for i in range(1, 201))  # 0 + x·1 + x·2 + ...: 400 nodes
    total.sum().backward()
    assert x.grad.tolist() == [20100.0, 20100.0]


# -- autograd.grad ---------------------------------------------------------------------------------


@given(broadcastable_shapes(2, max_dims=3), DTYPES, st.data())
@settings(deadline=None)
def test_autograd_grad_equals_torch_and_leaves_grad_untouched(shapes_, dtype, data):
    a = data.draw(arrays(shapes_[0], dtype))
    b = data.draw(arrays(shapes_[1], dtype))
    results = []
    for lib in (minigrad, torch):
        x, y = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        h = x * y
        out = h.tanh() + x
        v = lib.tensor(np.random.default_rng(0).standard_normal(out.shape).astype(dtype))
        gx, gh = lib.autograd.grad(out, (x, h), grad_outputs=v, retain_graph=True)
        (gy,) = lib.autograd.grad([out], [y], [v])
        assert x.grad is None and y.grad is None
        assert gx.dtype == x.dtype and gx.shape == x.shape and not gx.requires_grad
        results.append((gx.numpy(), gh.numpy(), gy.numpy()))
    for m, t in zip(*results):
        assert_close(m, t, dtype, "autograd.grad")


def test_autograd_grad_allow_unused_and_errors():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        unused = lib.tensor([3.0], requires_grad=True)
        loss = (x * x).sum()
        with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
            lib.autograd.grad(loss, [x, unused], retain_graph=True)
        gx, gu = lib.autograd.grad(loss, [x, unused], allow_unused=True, retain_graph=True)
        assert gx.tolist() == [2.0, 4.0] and gu is None
        with pytest.raises(RuntimeError, match="does not require grad"):
            lib.autograd.grad(loss, [lib.tensor([1.0])])


def test_autograd_grad_runs_only_the_needed_part_of_the_graph():
    """Nodes beyond the requested inputs are not run, so their saved values stay (as in torch)."""
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x.exp()
        loss = (h * h).sum()
        (gh,) = lib.autograd.grad(loss, h)
        h.sum().backward()  # exp's saved output was not freed by the grad call
        np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)
        np.testing.assert_allclose(gh.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)


def test_backward_inputs_accumulates_only_into_them():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        (x * y).sum().backward(inputs=[y])
        assert x.grad is None and y.grad.tolist() == [1.0, 2.0]


def test_one_gradient_per_output():
    for lib in (minigrad, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="got 2 tensors and 1 gradients"):
            lib.autograd.backward([x.sum(), x.sum()], [lib.tensor(1.0)])


def test_backward_twice_through_stack_adds_each_leafs_own_gradient():
    """stack → sum(0), backward twice with retain_graph: each leaf gets 1 + 1 = 2. (torch 2.14.1
    gives 3 and 3: its first AccumulateGrad keeps the incoming gradient, a view of one expanded
    element, as both leaves' .grad, and the second backward adds into it twice. minigrad copies.)"""
    x, y = minigrad.tensor([0.0], requires_grad=True), minigrad.tensor([0.0], requires_grad=True)
    out = minigrad.stack([x, y], 0).sum(0)
    out.backward(minigrad.tensor([1.0]), retain_graph=True)
    out.backward(minigrad.tensor([1.0]))
    assert x.grad.tolist() == [2.0] and y.grad.tolist() == [2.0]
