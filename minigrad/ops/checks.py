"""Reading and checking the arguments of conv2d, max_pool2d, linear and matmul as torch does.

Not needed to understand the ops: each check turns a bad call into torch's exception and a
message that says what is wrong and what to do. The op files call these first, then the math.
"""

import math

import numpy as np

from .. import dtypes
from ._arguments import broadcast_shape, broadcasts_to, int_pair
from .windows import output_size_of_pool


def _conv_pair(value, name):
    """An int or a sequence of 1 or 2 ints, as the pair (along H, along W)."""
    pair = int_pair(value, name, "conv2d")
    if pair is None:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of 2 values to match the convolution "
            f"dimensions, but got {name}={list(value)}"
        )
    return pair


def _padding_pairs(padding, kernel, stride, dilation):
    """``padding`` as ((top, bottom), (left, right)); 'valid' is 0, 'same' keeps the size."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding != "same":
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if stride != (1, 1):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        # total d·(k − 1); when odd, the extra row/column goes to the bottom/right (as torch)
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((total // 2, total - total // 2) for total in totals)
    ph, pw = _conv_pair(padding, "padding")
    return (ph, ph), (pw, pw)


def conv2d_arguments(input, weight, bias, stride, padding, dilation, groups):
    """conv2d's arguments read and checked as torch does → (stride, ((top, bottom), (left, right)), dilation),
    each check raising torch's error."""
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: {list(input.shape)}"
        )
    if weight.ndim != 4:
        raise RuntimeError(
            "conv2d expects a 4-D weight (out_channels, in_channels / groups, kH, kW), "
            f"but got weight of size {list(weight.shape)}"
        )
    stride, dilation = _conv_pair(stride, "stride"), _conv_pair(dilation, "dilation")
    o, c_g, kh, kw = weight.shape
    pads = _padding_pairs(padding, (kh, kw), stride, dilation)
    batched_shape = list(input.shape) if input.ndim == 4 else [1, *input.shape]

    if min(p for pair in pads for p in pair) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(stride) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if o < groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got weight of "
            f"size {list(weight.shape)} instead"
        )
    if o % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got weight "
            f"of size [{list(weight.shape)}] instead"
        )
    if batched_shape[1] != c_g * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(weight.shape)}, expected input{batched_shape} to have "
            f"{c_g * groups} channels, but got {batched_shape[1]} channels instead"
        )
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != o):
        raise RuntimeError(
            f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with {o} elements, "
            f"but got bias of size {list(bias.shape)} instead"
        )
    padded = (batched_shape[2] + sum(pads[0]), batched_shape[3] + sum(pads[1]))
    dilated_kernel = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    if padded[0] < dilated_kernel[0] or padded[1] < dilated_kernel[1]:
        raise RuntimeError(
            f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
            f"({dilated_kernel[0]} x {dilated_kernel[1]}). Kernel size can't be greater than actual input size"
        )
    if weight.dtype != input.dtype:
        raise RuntimeError(
            f"expected scalar type {input.dtype.torch_name} but found {weight.dtype.torch_name} "
            f"(input is {input.dtype.name}, weight is {weight.dtype.name}: convert one with .float() or .double())"
        )
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(
            f"Input type ({input.dtype.torch_name.lower()}) and bias type ({bias.dtype.torch_name.lower()}) "
            "should be the same"
        )
    return stride, pads, dilation


def _pool_pair(value, name, message):
    """An int or a sequence of 1 or 2 ints as the pair (along H, along W); torch's errors otherwise."""
    pair = int_pair(value, name, "max_pool2d")
    if pair is None:
        raise RuntimeError(f"max_pool2d: {message}")
    return pair


def max_pool2d_arguments(input, kernel_size, stride, padding, dilation, ceil_mode):
    """max_pool2d's arguments read and checked as torch does
    → (input (H, W), output (H, W), kernel, stride, padding, dilation), each check raising torch's error."""
    kernel = _pool_pair(kernel_size, "kernel_size", "kernel_size must either be a single int, or a tuple of two ints")
    if stride is None or stride == () or stride == []:  # omitted: the windows do not overlap
        stride = kernel
    stride = _pool_pair(stride, "stride", "stride must either be omitted, a single int, or a tuple of two ints")
    padding = _pool_pair(padding, "padding", "padding must either be a single int, or a tuple of two ints")
    dilation = _pool_pair(dilation, "dilation", "dilation must be either a single int, or a tuple of two ints")
    if input.ndim not in (3, 4):
        raise RuntimeError(
            f"non-empty 3D or 4D (batch mode) tensor expected for input, but got input of size {list(input.shape)}"
        )
    if input.dtype.name == "bool":
        raise NotImplementedError('"max_pool2d" not implemented for \'Bool\' (convert the input with .float())')
    check_pool_window(kernel, stride, padding)
    if min(dilation) <= 0:
        raise RuntimeError(
            f"dilation should be greater than zero, but got dilationH: {dilation[0]} dilationW: {dilation[1]}"
        )
    for pad, k, d in zip(padding, kernel, dilation):
        if pad > (d * (k - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pad}, kernel_size={k} and "
                f"dilation={d}"
            )
    if 0 in input.shape[-3:]:
        raise RuntimeError(
            "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
            f"{list(input.shape)}"
        )
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:  # torch also checks against the undilated kernel
        raise RuntimeError(
            f"pad should be smaller than or equal to half of kernel size, but got padW = {padding[1]}, "
            f"padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}"
        )
    in_hw = tuple(input.shape[-2:])
    out_hw = tuple(output_size_of_pool(*args, ceil_mode) for args in zip(in_hw, kernel, stride, padding, dilation))
    if min(out_hw) < 1:
        channels = input.shape[-3]
        raise RuntimeError(
            f"Given input size: ({channels}x{in_hw[0]}x{in_hw[1]}). Calculated output size: "
            f"({channels}x{out_hw[0]}x{out_hw[1]}). Output size is too small"
        )
    return in_hw, out_hw, kernel, stride, padding, dilation


def check_matmul_shapes(a_shape, b_shape):
    """Raise torch's RuntimeError when the operands of a matrix product do not fit together.

    Like torch, a product with a 2-D or 1-D second operand folds the first one's leading axes
    into rows, so the message shows the folded matrices: (7, 2, 3) @ (5, 4) → "14x3 and 5x4".
    """
    if len(a_shape) == 0 or len(b_shape) == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {len(a_shape)}D and {len(b_shape)}D"
        )
    inner_a = a_shape[-1]
    inner_b = b_shape[0] if len(b_shape) == 1 else b_shape[-2]
    batch = broadcast_shape(a_shape[:-2], b_shape[:-2]) if len(b_shape) > 2 else ()  # raises if they clash
    if inner_a == inner_b:
        return
    hint = (
        f" (matmul of shapes {list(a_shape)} and {list(b_shape)}: the last dimension of the first ({inner_a}) "
        f"must equal the {'length' if len(b_shape) == 1 else 'second-to-last dimension'} of the second ({inner_b}))"
    )
    rows = int(math.prod(a_shape[:-1]))  # the first operand's leading axes folded into rows
    if len(a_shape) == 1 and len(b_shape) == 1:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to have the "
            f"same number of elements, but got {a_shape[0]} and {b_shape[0]} elements respectively"
        )
    if len(b_shape) == 1:
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{inner_a}), vec ({inner_b})" + hint)
    if len(b_shape) == 2:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{inner_a} and {b_shape[0]}x{b_shape[1]})" + hint
        )
    count = int(math.prod(batch))  # batched: torch's bmm message, batch axes folded into one
    raise RuntimeError(
        f"Expected size for first two dimensions of batch2 tensor to be: [{count}, {inner_a}] but got: "
        f"[{count}, {inner_b}]." + hint
    )


def check_matmul_dtypes(a_dtype, b_dtype):
    """Unlike + and *, matmul does not promote: both operands must have one dtype."""
    if a_dtype != b_dtype:
        # torch's message prints C++ type names: "long int != float"
        a_name, b_name = (dtypes.from_numpy_dtype(d).c_name for d in (a_dtype, b_dtype))
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {a_name} != {b_name} "
            "(convert one operand with .to(other.dtype) first)"
        )


def check_linear_arguments(input, weight, bias):
    """linear's operands checked as torch does (shapes and dtypes), with torch's errors."""
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
        rows = int(math.prod(input.shape[:-1]))
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


def check_not_bool(a, b):
    """torch refuses ``−`` on bool: on masks it means xor (``^``) or not (``~``)."""
    is_bool = [isinstance(x, (bool, np.bool_)) or getattr(getattr(x, "dtype", None), "name", None) == "bool" for x in (a, b)]
    if all(is_bool):
        raise NotImplementedError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    if any(is_bool):
        raise NotImplementedError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. "
            "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def check_pool_window(kernel, stride, padding):
    """torch's refusals of a pooling window (max_pool2d's and avg_pool2d's alike)."""
    if 0 in stride:
        raise RuntimeError("stride should not be zero")
    for pad in padding:
        if pad < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
