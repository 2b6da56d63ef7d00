"""The tutorial CNN's SGD step with minigrad's engine taken away: the floor under minigrad.

The same step as ``tutorial_cnn.sgd_step`` (forward, cross-entropy, backward, SGD update), done
by calling minigrad's op classes by hand: each op's ``forward`` on numpy arrays, then each
``backward`` in reverse order, then ``p −= lr · ∂L/∂p``. No Tensor, no recorded graph, no engine,
no module calls, no argument checks, no ``.grad`` accumulation: only the numpy work of the
kernels that ``import minigrad`` runs (``ChunkedConvolution``, ``ChunkedMaxPool``,
``ThreadedLinear``, ``CrossEntropy``), with their chunking and threads.

So (this step's time) is what minigrad's numpy work costs, and (minigrad's step − this step)
what the engine and the layers around it cost. detail.py times it beside torch's ordinary step,
and checks that it computes the same loss and new weights.

    step = kernels_alone_sgd_step(model, images, labels, lr)   # model: minigrad's tutorial_cnn
    loss = step()                                               # updates model's weights in place
"""

import numpy as np

from minigrad.kernels.conv import ChunkedConvolution
from minigrad.kernels.linear import ThreadedLinear
from minigrad.kernels.pooling import ChunkedMaxPool
from minigrad.ops.loss import CrossEntropy
from minigrad.ops.pooling import PoolGeometry

PADDING = ((2, 2), (2, 2))  # every conv of the tutorial: 5×5 with 2 pixels of zeros around


def bare_node(op, *needs_input_grad):
    """An op instance ready for forward and backward without the engine (which normally sets
    these in ``Function.apply``): which inputs need a gradient, and no saved-version watch."""
    node = op()
    node.needs_input_grad = needs_input_grad
    node._saved, node._saved_versions = (), ()
    return node


def kernels_alone_sgd_step(model, images, labels, lr):
    """A function that does one SGD step of minigrad's ``tutorial_cnn`` ``model`` on numpy
    ``images`` and ``labels`` with the kernels alone, and returns the loss (a float)."""
    conv1, _, conv2, _, conv3, _, _, linear1, linear2 = model
    params = [p.detach().numpy() for p in model.parameters()]  # the parameters' own memory: updated in place
    (w1, b1, w2, b2, w3, b3, w4, b4, w5, b5) = params

    def pool_geometry(size):  # MaxPool2d(2) on size×size planes
        return PoolGeometry((size, size), (size // 2, size // 2), (2, 2), (2, 2), (0, 0), (1, 1))

    pools = [pool_geometry(32), pool_geometry(16), pool_geometry(8)]

    def step():
        convs = [bare_node(ChunkedConvolution, False, True, True)] + [bare_node(ChunkedConvolution, True, True, True) for _ in range(2)]
        maxpools = [bare_node(ChunkedMaxPool, True) for _ in range(3)]
        linears = [bare_node(ThreadedLinear, True, True, True) for _ in range(2)]
        loss_node = bare_node(CrossEntropy, True, False, False)

        # forward: conv, pool three times; flatten; two linears; the loss
        h = images
        for conv, pool, geometry, (w, b) in zip(convs, maxpools, pools, [(w1, b1), (w2, b2), (w3, b3)]):
            h = conv.forward(h, w, b, (1, 1), PADDING, (1, 1), 1)
            h = pool.forward(h, geometry)
        pooled_shape = h.shape
        h = h.reshape(h.shape[0], -1)  # Flatten (a copy: the pools' output is channels-last)
        h = linears[0].forward(h, w4, b4)
        h = linears[1].forward(h, w5, b5)
        loss = loss_node.forward(h, labels, None, -100, "mean", 0.0, False)

        # backward, in reverse: each op's backward turns ∂L/∂out into ∂L/∂inputs
        grad = loss_node.backward(np.ones((), loss.dtype))[0]
        grad, g_w5, g_b5 = linears[1].backward(grad)
        grad, g_w4, g_b4 = linears[0].backward(grad)
        grad = grad.reshape(pooled_shape)
        grads = [g_w4, g_b4, g_w5, g_b5]
        for conv, pool in reversed(list(zip(convs, maxpools))):
            grad = pool.backward(grad)
            grad, g_w, g_b = conv.backward(grad)
            grads[:0] = [g_w, g_b]

        for p, g in zip(params, grads):  # SGD: p ← p − lr · ∂L/∂p
            p -= lr * g.astype(p.dtype, copy=False)  # (a bias gradient is summed in float64)
        return float(loss)

    return step
