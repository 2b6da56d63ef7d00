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

from .. import kernels
from ..autograd.function import Function
from .checks import check_linear_arguments
from .names import linear_backward_name
from .reduction import column_sums


class Linear(Function):
    """out = x @ Wᵀ + b     ∂L/∂x = grad @ W     ∂L/∂W = gradᵀ @ x     ∂L/∂b = Σ grad over rows
    where W = the weight (out_features, in_features) and b = the bias (out_features,);
          x and grad are flattened over their leading axes to rows: (rows, in_features), (rows, out_features)

    A 1-D weight (in_features,) is one output feature whose axis is dropped, as in torch.
    """

    #: torch's graph for this op is AddmmBackward0(bias, x, TBackward0(weight)): its engine reaches
    #: the bias before the weight, and hooks on them fire in that order (``engine.execution_order``)
    release_order = (2, 0, 1)

    def forward(self, x, weight, bias=None):
        self.backward_name = linear_backward_name(x.shape, weight.shape, bias)
        self.bias_shape = None if bias is None else bias.shape
        self.save_for_backward(x if self.needs_input_grad[1] else None, weight if self.needs_input_grad[0] else None)
        rows, in_features = math.prod(x.shape[:-1]), x.shape[-1]
        out_features = 1 if weight.ndim == 1 else weight.shape[0]
        X = x.reshape(rows, in_features)  # every leading axis is a batch axis
        W = weight.reshape(out_features, in_features)  # a 1-D weight is one row
        out = self.product(X, W.T)  # (rows, in) @ (in, out) = (rows, out)
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
            grad_x = self.product(G, W).reshape(self.x_shape)  # (rows, out) @ (out, in) = (rows, in)
        if self.needs_input_grad[1]:
            X = x.reshape(rows, in_features)
            grad_weight = self.product(G.T, X).reshape(self.weight_shape)  # (out, rows) @ (rows, in) = (out, in)
        if self.needs_input_grad[2]:
            if self.bias_shape == (out_features,):
                grad_bias = column_sums(G)  # Σ over rows, accumulated in float64
            else:
                grad_bias = grad  # an unusual bias shape: the engine sums it back to that shape
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def product(a, b):
        """The matrix product itself: numpy's (the kernel splits large ones among threads)."""
        return np.matmul(a, b)


def linear(input, weight, bias=None):
    """``out = input @ weight.T + bias`` with input (*, in_features) and weight (out_features, in_features)."""
    check_linear_arguments(input, weight, bias)
    return kernels.fast_version_of(Linear).apply(input, weight, bias)
