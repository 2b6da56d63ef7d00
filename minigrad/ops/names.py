"""The grad_fn names torch shows, where they depend on the path torch takes for the shapes.

Not needed to understand the ops: it only makes ``grad_fn=<...>`` read as torch's does.
"""


def matmul_backward_name(a_shape, b_shape, a_requires_grad):
    """The grad_fn torch shows for ``a @ b`` (contiguous operands), named after the path it takes:
    dot, mv or mm for 1-D and 2-D operands; otherwise it folds the batch axes into matrix rows, or
    runs bmm, and ends in a reshape (UnsafeViewBackward0) or, squeezing a 1-D a, SqueezeBackward4.
    2-D a @ batched b is folded as (bᵀ @ aᵀ)ᵀ when a requires grad: it ends in a transpose, made
    contiguous by a copy (CloneBackward0) unless the result has a single row or column. A 3-D a
    of batch 1 against a 3-D b of larger batch goes that way too."""
    a_ndim, b_ndim = len(a_shape), len(b_shape)
    if a_ndim == 3 and b_ndim == 3 and a_shape[0] == 1 and b_shape[0] != 1:
        a_shape, a_ndim = a_shape[1:], 2  # torch runs a single a (batch 1) against batched b as a 2-D a
    if b_ndim == 1:
        return {1: "DotBackward0", 2: "MvBackward0"}.get(a_ndim, "UnsafeViewBackward0")
    if b_ndim == 2:
        return {1: "SqueezeBackward4", 2: "MmBackward0"}.get(a_ndim, "UnsafeViewBackward0")
    if a_ndim == 2 and a_requires_grad:
        rows, columns = a_shape[0], b_shape[-1]
        return "TransposeBackward0" if rows == 1 or columns == 1 else "CloneBackward0"
    return "UnsafeViewBackward0"


def linear_backward_name(x_shape, weight_shape, bias):
    """The grad_fn torch shows, which depends on the path torch takes for these shapes."""
    if bias is None:  # torch computes x @ Wᵀ (or x @ w for a 1-D w): matmul's names
        return matmul_backward_name(x_shape, weight_shape[::-1], a_requires_grad=False)
    if len(x_shape) == 2:
        return "AddmmBackward0"
    return "ViewBackward0" if bias.ndim == 1 else "AddBackward0"
