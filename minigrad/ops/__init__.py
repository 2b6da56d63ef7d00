"""The differentiable ops, one file per family; each op is one ``Function`` subclass with its
forward and backward side by side and its derivative in the docstring.

    arithmetic.py  + − × ÷, negation, powers
    unary.py       exp, log, sqrt, abs, sigmoid, tanh, relu, clamp
    reduction.py   sum, mean, var, max/min, amax/amin
    linalg.py      matmul
    shape.py       reshape, permute, transpose, squeeze, unsqueeze, expand, indexing, cat, stack, where
    softmax.py     softmax, log_softmax
"""
