"""minigrad/dtypes.py against torch: the result dtype of + − × ÷ between every pair of
float32/float64/int64/int32/uint8/bool operands, each a dimensioned tensor, a 0-d tensor or a
Python number (torch's three promotion tiers), and the values computed in that dtype."""

import itertools
import operator

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import dtypes

DTYPE_NAMES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
KINDS = ["tensor", "0-d", "number"]
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


def make(lib, dtype, kind, value):
    """An operand of ``dtype`` holding ``value``: a (2, 3) tensor, a 0-d tensor or a Python number."""
    if kind == "number":
        return {"bool": bool, "float32": float, "float64": float}.get(dtype, int)(value)
    values = np.full((2, 3) if kind == "tensor" else (), value).astype(dtype)
    values.flat[0] = values.flat[0] if dtype == "bool" else values.flat[0] + 1  # not all equal
    return lib.tensor(values)


operand = st.tuples(st.sampled_from(DTYPE_NAMES), st.sampled_from(KINDS), st.integers(1, 3))


@given(operand, operand, st.sampled_from(sorted(OPS)))
@example(("int32", "tensor", 2), ("int64", "0-d", 3), "+")  # same category: the dimensioned tensor decides
@example(("uint8", "tensor", 2), ("int64", "number", 3), "*")
@example(("bool", "tensor", 1), ("float64", "0-d", 2), "*")  # higher category: the 0-d tensor's dtype
@example(("int64", "tensor", 2), ("float64", "number", 2), "+")  # a Python float gives the default dtype
@example(("float32", "tensor", 2), ("float64", "0-d", 2), "-")
@example(("int32", "tensor", 3), ("int32", "tensor", 2), "/")  # integer true division → float32
@example(("uint8", "tensor", 1), ("uint8", "tensor", 3), "-")  # wraps around as in torch
@example(("bool", "tensor", 1), ("bool", "number", 1), "+")
@settings(deadline=None)
def test_binary_op_result_dtype_and_values(a, b, op):
    (dtype_a, kind_a, value_a), (dtype_b, kind_b, value_b) = a, b
    if kind_a == kind_b == "number":
        return  # plain Python arithmetic
    t_a, t_b = make(torch, dtype_a, kind_a, value_a), make(torch, dtype_b, kind_b, value_b)
    try:
        expected = OPS[op](t_a, t_b)
    except RuntimeError as error:  # bool − bool: torch refuses, and so must minigrad
        assert op == "-" and "bool" in str(error).lower()
        with pytest.raises(RuntimeError):
            OPS[op](make(minigrad, dtype_a, kind_a, value_a), make(minigrad, dtype_b, kind_b, value_b))
        return
    actual = OPS[op](make(minigrad, dtype_a, kind_a, value_a), make(minigrad, dtype_b, kind_b, value_b))
    assert str(actual.dtype).removeprefix("minigrad.") == str(expected.dtype).removeprefix("torch."), (
        f"{dtype_a} {kind_a} {op} {dtype_b} {kind_b}: {actual.dtype} != torch's {expected.dtype}"
    )
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(actual.numpy().astype(np.float64), expected.numpy().astype(np.float64), rtol=1e-6)


def test_every_combination_promotes_like_torch():
    """All 6 dtypes × 3 tiers on each side × 4 ops, exhaustively (cheap: one small op each)."""
    mismatches = []
    for dtype_a, kind_a, dtype_b, kind_b in itertools.product(DTYPE_NAMES, KINDS, DTYPE_NAMES, KINDS):
        if kind_a == kind_b == "number":
            continue
        for op in sorted(OPS):
            try:
                expected = OPS[op](make(torch, dtype_a, kind_a, 2), make(torch, dtype_b, kind_b, 1)).dtype
            except RuntimeError:
                expected = RuntimeError
            try:
                actual = OPS[op](make(minigrad, dtype_a, kind_a, 2), make(minigrad, dtype_b, kind_b, 1)).dtype
            except RuntimeError:
                actual = RuntimeError
            if str(actual).removeprefix("minigrad.") != str(expected).removeprefix("torch."):
                mismatches.append(f"{dtype_a} {kind_a} {op} {dtype_b} {kind_b}: {actual} != torch's {expected}")
    assert not mismatches, "\n".join(mismatches)


@given(st.sampled_from(["int32", "uint8", "int64"]), st.integers(-(2**40), 2**40), st.sampled_from(sorted(OPS)))
@settings(deadline=None)
def test_python_int_out_of_the_tensors_range_wraps_like_torch(dtype, number, op):
    values = np.array([0, 1, 7, 250]).astype(dtype)
    expected = OPS[op](torch.tensor(values), number)
    actual = OPS[op](minigrad.tensor(values), number)
    assert str(actual.dtype).removeprefix("minigrad.") == str(expected.dtype).removeprefix("torch.")
    if op == "/":
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6)
    else:
        np.testing.assert_array_equal(actual.numpy(), expected.numpy())


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_objects(name):
    d = getattr(minigrad, name)
    t = getattr(torch, name)
    assert repr(d) == repr(t).replace("torch", "minigrad")
    assert d.is_floating_point == t.is_floating_point
    assert d.itemsize == t.itemsize
    assert dtypes.to_dtype(t) is d  # torch dtypes are accepted wherever a dtype is
    assert dtypes.to_dtype(d.numpy) is d
    assert f"torch.{d.torch_name}Tensor" == torch.zeros(1, dtype=t).type()  # torch's scalar type name


@pytest.mark.parametrize("a, b", [("float32", "float64"), ("int64", "float32"), ("uint8", "float32"), ("int32", "float64")])
def test_c_names_are_the_ones_torchs_messages_print(a, b):
    """torch's mm message prints C++ type names ("long int", "unsigned char"): dtype.c_name."""
    with pytest.raises(RuntimeError) as error:
        torch.zeros(2, 2, dtype=getattr(torch, a)) @ torch.zeros(2, 2, dtype=getattr(torch, b))
    assert f"but got: {getattr(minigrad, a).c_name} != {getattr(minigrad, b).c_name}" in str(error.value)


def test_aliases_and_python_types():
    assert minigrad.float is minigrad.float32 and minigrad.double is minigrad.float64
    assert minigrad.long is minigrad.int64 and minigrad.int is minigrad.int32
    assert dtypes.to_dtype(float) is minigrad.float32
    assert dtypes.to_dtype(int) is minigrad.int64
    assert dtypes.to_dtype(bool) is minigrad.bool


def test_default_dtype_decides_python_floats():
    assert minigrad.get_default_dtype() is minigrad.float32
    minigrad.set_default_dtype(minigrad.float64)
    try:
        assert minigrad.tensor(1.5).dtype is minigrad.float64
        assert (minigrad.tensor([1, 2]) * 0.5).dtype is minigrad.float64
        assert minigrad.zeros(2).dtype is minigrad.float64
    finally:
        minigrad.set_default_dtype(minigrad.float32)
    with pytest.raises(TypeError, match="only floating-point types"):
        minigrad.set_default_dtype(minigrad.int64)


def test_unsupported_dtype_message():
    with pytest.raises(TypeError, match="unsupported dtype"):
        dtypes.to_dtype("complex64")
