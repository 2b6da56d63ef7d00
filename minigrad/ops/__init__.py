"""The differentiable ops, one file per family; each op is one ``Function`` subclass with its
forward and backward side by side and its derivative in the docstring.

    arithmetic.py  + − × ÷, negation, reciprocal, rounded division
    power.py       powers
    unary.py       exp, log, sqrt, abs, sigmoid, tanh, relu (and relu_), leaky_relu, clamp, round
    reduction.py   sum, mean, var, std, norm, all/any, max/min, amax/amin, maximum/minimum,
                   argmax/argmin
    sorting.py     sort, argsort, topk
    indexing.py    gather, scatter, scatter_add, masked_fill
    linalg.py      matmul
    shape.py       reshape, permute, transpose, squeeze, unsqueeze, expand, split/chunk/narrow,
                   repeat, indexing, item assignment, cat, stack, where, clone, dtype casts
    softmax.py     softmax, log_softmax
    linear.py      linear (x Wᵀ + b)
    conv.py        conv2d
    pooling.py     max_pool2d, avg_pool2d, adaptive_avg_pool2d
    normalization.py  batch_norm
    padding.py     pad
    dropout.py     dropout, dropout2d
    loss.py        l1_loss, mse_loss, nll_loss, cross_entropy
    _arguments.py  reading op arguments as torch does: ints, (H, W) pairs, sizes, broadcast shapes
"""
