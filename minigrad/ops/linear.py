"""``linear``: the affine map of a fully connected layer, out = x Wᵀ + b.

    x (*, in_features)   W (out_features, in_features)   b (out_features)   out (*, out_features)

Every leading axis of x is a batch axis: the op flattens them into rows, does one matrix
product, and restores them. The gradients are three matrix facts about one row xᵢ:

    outᵢ = W xᵢ + b     ∂L/∂xᵢ = Wᵀ gradᵢ     ∂L/∂W = Σᵢ gradᵢ xᵢᵀ     ∂L/∂b = Σᵢ gradᵢ

which, with the rows stacked as matrices X (rows, in) and G (rows, out), read
∂L/∂X = G W,  ∂L/∂W = Gᵀ X,  ∂L/∂b = G summed over its rows.
"""

import math

import numpy as np

from .. import chunking
from ..autograd.function import Function
from ._arguments import broadcasts_to
from .linalg import matmul_backward_name
from .reduction import column_sums


class Linear(Function):
    """out = x @ Wᵀ + b     ∂L/∂x = grad @ W     ∂L/∂W = gradᵀ @ x     ∂L/∂b = Σ grad over rows

    (x and grad flattened over their leading axes to rows.) A 1-D weight (in_features,) is one
    output feature whose axis is dropped, as in torch.
    """

    def forward(self, x, weight, bias=None):
        self.backward_name = self.torch_name(x.shape, weight.shape, bias)
        self.bias_shape = None if bias is None else bias.shape
        self.save_for_backward(x if self.needs_input_grad[1] else None, weight if self.needs_input_grad[0] else None)
        rows, in_features = math.prod(x.shape[:-1]), x.shape[-1]
        out_features = 1 if weight.ndim == 1 else weight.shape[0]
        X = x.reshape(rows, in_features)  # every leading axis is a batch axis
        W = weight.reshape(out_features, in_features)  # a 1-D weight is one row
        out = chunking.matmul(X, W.T)  # (rows, in) @ (in, out) = (rows, out), on all threads
        out = out.reshape(x.shape[:-1] + weight.shape[:-1])  # (*, out), or (*) for a 1-D weight
        if bias is not None:
            out += bias  # b broadcasts over the rows
        self.x_shape, self.weight_shape = x.shape, weight.shape
        return out

    def backward(self, grad):
        x, weight = self.saved_tensors
        rows, in_features = math.prod(self.x_shape[:-1]), self.x_shape[-1]
        out_features = 1 if len(self.weight_shape) == 1 else self.weight_shape[0]
        G = grad.reshape(rows, out_features)
        grad_x = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            W = weight.reshape(out_features, in_features)
            grad_x = chunking.matmul(G, W).reshape(self.x_shape)  # (rows, out) @ (out, in) = (rows, in)
        if self.needs_input_grad[1]:
            X = x.reshape(rows, in_features)
            grad_weight = chunking.matmul(G.T, X).reshape(self.weight_shape)  # (out, rows) @ (rows, in) = (out, in)
        if self.needs_input_grad[2]:
            if self.bias_shape == (out_features,):
                grad_bias = column_sums(G)  # Σ over rows, accumulated in float64
            else:
                grad_bias = grad  # an unusual bias shape: the engine sums it back to that shape
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def torch_name(x_shape, weight_shape, bias):
        """The grad_fn torch shows, which depends on the path torch takes for these shapes."""
        if bias is None:  # torch computes x @ Wᵀ (or x @ w for a 1-D w): matmul's names
            return matmul_backward_name(x_shape, weight_shape[::-1], a_requires_grad=False)
        if len(x_shape) == 2:
            return "AddmmBackward0"
        return "ViewBackward0" if bias.ndim == 1 else "AddBackward0"


def linear(input, weight, bias=None):
    """``out = input @ weight.T + bias`` with input (*, in_features) and weight (out_features, in_features)."""
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(
            f"both arguments to linear need to be at least 1D, but they are {input.ndim}D and {weight.ndim}D"
        )
    if weight.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D "
            "(linear's weight is (out_features, in_features))"
        )
    in_features = weight.shape[-1]
    if input.shape[-1] != in_features:
        rows = int(np.prod(input.shape[:-1]))
        mat2 = f"{in_features}x{weight.shape[0]}" if weight.ndim == 2 else f"{in_features}x1"
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and {mat2}): "
            f"input's last dimension ({input.shape[-1]}) must equal weight's in_features ({in_features}); "
            f"weight has shape {list(weight.shape)} = (out_features, in_features)"
        )
    for name, other in (("weight", weight), ("bias", bias)):
        if other is not None and other.dtype != input.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {input.dtype.c_name} != "
                f"{other.dtype.c_name} (input is {input.dtype}, {name} is {other.dtype}; "
                "convert one with .to(dtype))"
            )
    if bias is not None:
        if weight.ndim == 1:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor (a 1-D weight takes no bias)")
        out_shape = tuple(input.shape[:-1]) + (weight.shape[0],)
        if not broadcasts_to(bias.shape, out_shape):
            raise RuntimeError(
                f"The expanded size of the tensor ({weight.shape[0]}) must match the existing size "
                f"({bias.shape[-1] if bias.ndim else 1}): bias of shape {list(bias.shape)} does not broadcast to "
                f"the output shape {list(out_shape)}; bias should be (out_features,) = ({weight.shape[0]},)"
            )
    return Linear.apply(input, weight, bias)
