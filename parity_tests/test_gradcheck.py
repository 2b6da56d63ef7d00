"""minigrad/autograd/gradcheck.py: passes on correct ops (as torch's gradcheck does on the same
functions) and, for a deliberately wrong backward, raises naming the input and the element."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.autograd import Function, gradcheck
from minigrad.autograd.gradcheck import GradcheckError
from strategies import arrays, broadcastable_shapes, positive_arrays


def composite(x, y):
    return (x * y).tanh() + x.exp() / y - y.sum()


@given(broadcastable_shapes(2, max_dims=3, max_side=4), st.data())
@settings(deadline=None, max_examples=20)
def test_passes_on_correct_ops_like_torchs(shapes_, data):
    a = data.draw(arrays(shapes_[0], low=-2, high=2))
    b = data.draw(positive_arrays(shapes_[1], low=0.5, high=2))
    assert gradcheck(composite, (minigrad.tensor(a, requires_grad=True), minigrad.tensor(b, requires_grad=True)))
    assert torch.autograd.gradcheck(composite, (torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)))


class SwappedMul(Function):
    """out = a · b, with a deliberately wrong backward: each input gets the other's gradient."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * a, grad * b


class OffByOneElement(Function):
    """out = 2x, except that backward forgets the gradient of element (1, 2)."""

    def forward(self, x):
        return 2 * x

    def backward(self, grad):
        g = 2 * grad
        g[1, 2] = 0.0
        return g


def test_wrong_backward_raises_naming_input_and_element():
    a = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=minigrad.float64, requires_grad=True)
    b = minigrad.tensor([[5.0, -1.0], [0.5, 2.0]], dtype=minigrad.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"Jacobian mismatch .* input 0 at element \(0, 0\)"):
        gradcheck(SwappedMul.apply, (a, b))
    assert gradcheck(SwappedMul.apply, (a, b), raise_exception=False) is False
    assert isinstance(GradcheckError("x"), RuntimeError)  # catchable as torch's RuntimeError

    x = minigrad.tensor(np.ones((3, 4)), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 at element \(1, 2\): numerical 2.* vs analytical 0"):
        gradcheck(OffByOneElement.apply, x)


def test_wrong_backward_of_the_second_input_is_named():
    a = minigrad.tensor([[1.0, 2.0]], dtype=minigrad.float64)  # only b is checked
    b = minigrad.tensor([[3.0, 4.0]], dtype=minigrad.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 at element \(0, 0\)"):
        gradcheck(SwappedMul.apply, (a, b))


def test_several_outputs_and_non_tensor_arguments():
    x = minigrad.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)
    assert gradcheck(lambda x, k: (x * k, (x * x).sum(), x.tanh()), (x, 3.0))


def test_input_errors():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda x: x * 2, (minigrad.tensor([1.0], dtype=minigrad.float64),))
    with pytest.raises(ValueError, match="use float64 inputs"):
        gradcheck(lambda x: x * 2, (minigrad.tensor([1.0], requires_grad=True),))


def test_inputs_are_left_unchanged():
    values = np.array([0.3, -0.7, 1.1])
    x = minigrad.tensor(values, requires_grad=True)
    assert gradcheck(lambda x: x.exp() * x, x)
    np.testing.assert_array_equal(x.detach().numpy(), values)
    assert x.grad is None  # gradcheck uses autograd.grad: .grad is untouched
