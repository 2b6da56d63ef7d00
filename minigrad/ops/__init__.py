"""The differentiable ops, one file per family; each op is one ``Function`` subclass with its
forward and backward side by side and its derivative in the docstring.

    arithmetic.py  + − × ÷, negation, powers
    unary.py       exp, log, sqrt, abs, sigmoid, tanh, relu, clamp
    reduction.py   sum, mean, var, max/min, amax/amin, maximum/minimum, argmax/argmin
    linalg.py      matmul
    shape.py       reshape, permute, transpose, squeeze, unsqueeze, expand, indexing, item
                   assignment, cat, stack, where, clone, dtype casts
    softmax.py     softmax, log_softmax
    linear.py      linear (x Wᵀ + b)
    conv.py        conv2d
    pooling.py     max_pool2d
    padding.py     pad
    dropout.py     dropout
    loss.py        l1_loss, mse_loss, nll_loss, cross_entropy
    _arguments.py  reading op arguments as torch does: ints, (H, W) pairs, sizes, broadcast shapes
"""
