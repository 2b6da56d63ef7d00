"""minigrad/autograd/function.py: the ``Function`` base every op is written in. The recorded
graph (``grad_fn``, ``next_functions``) has torch's structure; ``needs_input_grad`` equals
torch's; saved arrays are version-checked and released after backward; user-defined Functions
work like torch's ``autograd.Function``."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import Function
from harness import check_gradcheck, check_parity
from strategies import DTYPES, arrays, broadcastable_shapes

FREED = "Trying to backward through the graph a second time"
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


def graph(fn):
    """The graph under ``fn`` as nested tuples of node names (None for an edge to nothing);
    torch's C++ nodes are named like "torch::autograd::AccumulateGrad": keep the last part."""
    if fn is None:
        return None
    return (fn.name().rsplit("::", 1)[-1], tuple((graph(child), index) for child, index in fn.next_functions))


EXPRESSIONS = {
    "mul": lambda x, y: x * y,
    "scalar on the right": lambda x, y: x * 2,
    "scalar on the left": lambda x, y: 2 * x,
    "add scalar on the left": lambda x, y: 3 + x,
    "div": lambda x, y: x / y,
    "neg": lambda x, y: -x,
    "diamond": lambda x, y: (x * y + x).exp() * x,
    "reductions": lambda x, y: (x.exp().sum() + y.mean()) * 2,
    "constant operand": lambda x, y: x * y.detach(),
    "cast": lambda x, y: x.double() * 2,
    "clone": lambda x, y: x.clone() + y,
}


@pytest.mark.parametrize("case", sorted(EXPRESSIONS))
def test_graph_structure_equals_torchs(case):
    graphs = []
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0], requires_grad=True)
        out = EXPRESSIONS[case](x, y)
        graphs.append(graph(out.grad_fn))
    assert graphs[0] == graphs[1]


def test_accumulate_grad_node_holds_the_leaf():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0], requires_grad=True)
        node = (x * 2).grad_fn.next_functions[0][0]
        assert node.name().rsplit("::", 1)[-1] == "AccumulateGrad"
        assert node.variable is x
        assert x.grad_fn is None  # a leaf has no grad_fn; its AccumulateGrad lives on the edge


def test_no_node_is_recorded_when_nothing_requires_grad():
    x = minigrad.tensor([1.0, 2.0])
    y = x.exp()
    assert y.grad_fn is None and not y.requires_grad
    z = minigrad.tensor([1.0], requires_grad=True)
    with minigrad.no_grad():
        w = z.exp()
    assert w.grad_fn is None and not w.requires_grad


# -- needs_input_grad ------------------------------------------------------------------------------


class RecordingMul(Function):
    """out = a · b   ∂L/∂a = grad · b   ∂L/∂b = grad · a   (records needs_input_grad)"""

    seen = []

    def forward(self, a, b):
        RecordingMul.seen.append(self.needs_input_grad)
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        RecordingMul.seen.append(self.needs_input_grad)
        return (grad * b if self.needs_input_grad[0] else None), (grad * a if self.needs_input_grad[1] else None)


class TorchRecordingMul(torch.autograd.Function):
    seen = []

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        TorchRecordingMul.seen.append(tuple(ctx.needs_input_grad))
        return (grad * b if ctx.needs_input_grad[0] else None), (grad * a if ctx.needs_input_grad[1] else None)


@given(st.booleans(), st.booleans())
@settings(deadline=None)
def test_needs_input_grad_equals_torchs(a_requires, b_requires):
    if not (a_requires or b_requires):
        return
    RecordingMul.seen.clear()
    TorchRecordingMul.seen.clear()
    results = []
    for lib, apply in ((minigrad, RecordingMul.apply), (torch, TorchRecordingMul.apply)):
        a = lib.tensor([1.0, 2.0], requires_grad=a_requires)
        b = lib.tensor([3.0, 4.0], requires_grad=b_requires)
        apply(a, b).sum().backward()
        results.append([None if t.grad is None else t.grad.tolist() for t in (a, b)])
    assert RecordingMul.seen[-1] == TorchRecordingMul.seen[-1] == (a_requires, b_requires)
    assert results[0] == results[1]


def test_needs_input_grad_is_all_false_when_nothing_will_run_backward():
    """Under no_grad, or when no input requires grad, forward sees needs_input_grad all False, so
    ops skip work only backward needs (torch's own ops are not recorded there either)."""
    a = minigrad.tensor([1.0, 2.0], requires_grad=True)
    b = minigrad.tensor([3.0, 4.0])
    RecordingMul.seen.clear()
    with minigrad.no_grad():
        RecordingMul.apply(a, b)
    RecordingMul.apply(b, b)
    RecordingMul.apply(a, b)
    assert RecordingMul.seen == [(False, False), (False, False), (True, False)]


def test_max_pool2d_finds_winners_only_when_backward_or_indices_need_them(monkeypatch):
    """needs_input_grad tells forward whether backward will run (here: max_pool2d's kernel)."""
    from minigrad.kernels import pooling

    asked = []
    real_window_max = pooling.window_max
    monkeypatch.setattr(pooling, "window_max", lambda *a, **k: asked.append(k["with_winners"]) or real_window_max(*a, **k))
    x = minigrad.randn(1, 2, 4, 4, requires_grad=True)
    with minigrad.backends.kernels.flags(enabled=True):
        with minigrad.no_grad():
            minigrad.nn.functional.max_pool2d(x, 2)
        minigrad.nn.functional.max_pool2d(x.detach(), 2)
        minigrad.nn.functional.max_pool2d(x, 2)
    assert asked == [False, False, True]


@pytest.mark.parametrize("cast", ["long", "int", "bool", "to_uint8"])
def test_casting_to_a_non_floating_dtype_records_nothing(cast):
    """Integers and bools have no gradient: the cast's result is a leaf that does not require grad."""
    for lib in (minigrad, torch):
        x = lib.tensor([1.5, -2.0], requires_grad=True)
        out = x.to(lib.uint8) if cast == "to_uint8" else getattr(x, cast)()
        assert not out.requires_grad and out.grad_fn is None and out.is_leaf, lib.__name__


class Floor(Function):
    """out = ⌊x⌋ as int64 (a user op with an integer result: it is not recorded)"""

    def forward(self, x):
        return np.floor(x).astype(np.int64)

    def backward(self, grad):
        raise AssertionError("never called")


def test_a_user_function_with_an_integer_result_is_not_recorded():
    out = Floor.apply(minigrad.tensor([1.5, -2.5], requires_grad=True))
    assert out.tolist() == [1, -3] and not out.requires_grad and out.grad_fn is None


# -- user-defined Functions -------------------------------------------------------------------------


class Cube(Function):
    """out = x³          ∂L/∂x = grad · 3x²"""

    backward_name = "CubeBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        return x**3

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * 3 * x**2


class ScaledAdd(Function):
    """out = a + scale · b   (a and b broadcast)   ∂L/∂a = grad   ∂L/∂b = scale · grad"""

    def forward(self, a, b, scale=1.0):
        self.scale = scale
        return a + scale * b

    def backward(self, grad):
        return grad, self.scale * grad  # in out's shape: the engine sums them to a's and b's shapes


@given(broadcastable_shapes(2, max_dims=3), DTYPES, st.floats(-3, 3), st.data())
@settings(deadline=None)
def test_user_defined_functions_match_torch(shapes_, dtype, scale, data):
    a = data.draw(arrays(shapes_[0], dtype))
    b = data.draw(arrays(shapes_[1], dtype))
    check_parity(lambda a, b: Cube.apply(ScaledAdd.apply(a, b, scale=scale)), lambda a, b: (a + scale * b) ** 3, a, b)
    check_gradcheck(lambda a, b: Cube.apply(ScaledAdd.apply(a, b, scale=scale)), a, b)


def test_user_function_names_and_repr():
    y = Cube.apply(minigrad.tensor([2.0], requires_grad=True))
    assert y.grad_fn.name() == "CubeBackward0" and "grad_fn=<CubeBackward0>" in repr(y)
    z = ScaledAdd.apply(y, y)
    assert z.grad_fn.name() == "ScaledAddBackward0"  # the default: class name + "Backward0"


class WrongShape(Function):
    def forward(self, x):
        return x.sum()

    def backward(self, grad):
        return np.ones(7)


def test_a_gradient_of_the_wrong_shape_names_the_op():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward0 returned an invalid gradient at index 0 - got \[7\] but expected shape compatible with \[2\]"):
        WrongShape.apply(x).backward()


class OneGradientForTwo(Function):
    def forward(self, a, b):
        return a * b

    def backward(self, grad):
        return grad


def test_too_few_gradients_raise_when_an_input_needs_one():
    a, b = minigrad.tensor([1.0], requires_grad=True), minigrad.tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"returned an incorrect number of gradients \(expected 2, got 1\)"):
        OneGradientForTwo.apply(a, b).sum().backward()
    OneGradientForTwo.apply(a, minigrad.tensor([2.0])).sum().backward()  # b needs none: fine
    assert a.grad.tolist() == [1.0]


class Unfinished(Function):
    pass


def test_missing_forward_or_backward_is_named():
    with pytest.raises(NotImplementedError, match="Unfinished must define forward"):
        Unfinished.apply(minigrad.tensor([1.0]))


# -- saved arrays: version check and release -----------------------------------------------------


def test_saved_arrays_are_released_after_backward_unless_retained():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    y.sum().backward(retain_graph=True)
    assert y.grad_fn.saved_tensors[0] is not None  # retained
    y.sum().backward()
    assert y.grad_fn._saved is None  # freed: no array kept alive by the graph
    with pytest.raises(RuntimeError, match=FREED):
        y.grad_fn.saved_tensors
    with pytest.raises(RuntimeError, match=FREED):
        y.sum().backward()


def test_version_check_names_the_node_and_versions():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = Cube.apply(h)
    h.add_(1)
    with pytest.raises(RuntimeError, match=MODIFIED + r": \[CubeBackward0, saved tensor 0\] is at version 1; expected version 0"):
        y.sum().backward()


def test_version_counter_is_shared_with_views_and_detached_tensors():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    view, detached = x.reshape(4), x.detach()
    before = x._version_counter.value
    view.mul_(2)
    detached.add_(1)
    assert x._version_counter.value == before + 2 and x.tolist() == [[3.0, 5.0], [7.0, 9.0]]
    copy = x.clone()
    copy.add_(1)
    assert x._version_counter.value == before + 2  # a clone has its own memory and counter


def test_versions_match_torchs():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0])
        x.add_(1)
        x.mul_(2)
        x[0] = 5.0
        assert x._version == 3
