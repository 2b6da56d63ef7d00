"""Parity of minigrad/ops/linalg.py with torch: ``matmul`` / ``@`` for every combination of
1-D, 2-D and batched N-D operands (batch axes broadcast), and its errors."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from harness import check_gradcheck, check_parity, textbook_and_kernel
from strategies import DTYPES, arrays

implementation = textbook_and_kernel()  # every test here runs twice: minigrad/ops/linalg.py, minigrad/kernels/linear.py

# numpy's signature for matmul, "(n?,k),(k,m?)->(n?,m?)": "?" axes may be missing (a 1-D
# operand), and the axes in front of the signature are batch axes that broadcast
MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=4).map(
    lambda result: result.input_shapes
)


def torch_grad_fn_name(a, b, requires_grad=(True, True)):
    """The grad_fn torch gives ``a @ b``: it depends on how torch dispatches (dot, mv, mm, folding
    batch axes into rows, bmm), and so on the shapes and on which operand requires grad."""
    ta, tb = (torch.tensor(x, requires_grad=r) for x, r in zip((a, b), requires_grad))
    return (ta @ tb).grad_fn.name()


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=MATMUL_SHAPES)
def test_matmul(data, dtype, shape_pair):
    a = data.draw(arrays(shape_pair[0], dtype), label="a")
    b = data.draw(arrays(shape_pair[1], dtype), label="b")
    # a product sums up to 4 terms of size ≤ 100: float32 rounding is ~1e-5 absolute
    out = check_parity(lambda x, y: x @ y, lambda x, y: x @ y, a, b, atol=1e-4 if dtype == np.float32 else None)
    check_parity(minigrad.matmul, torch.matmul, a, b, atol=1e-4 if dtype == np.float32 else None)
    assert out.grad_fn.name() == torch_grad_fn_name(a, b)


@settings(deadline=None)
@given(data=st.data(), shape_pair=MATMUL_SHAPES, which=st.sampled_from([0, 1]))
def test_matmul_one_input_requires_grad(data, shape_pair, which):
    """Only the input that requires grad gets a gradient (the other's is skipped)."""
    a, b = (data.draw(arrays(s), label=n) for s, n in zip(shape_pair, "ab"))
    requires_grad = [which == 0, which == 1]
    out = check_parity(lambda x, y: x @ y, lambda x, y: x @ y, a, b, requires_grad=requires_grad)
    assert out.grad_fn.name() == torch_grad_fn_name(a, b, requires_grad)


@pytest.mark.parametrize("a_shape", [(4,), (3, 4), (1, 4), (2, 3, 4), (1, 3, 4), (1, 1, 4), (2, 1, 3, 4)])
@pytest.mark.parametrize("b_shape", [(4,), (4, 5), (4, 1), (2, 4, 5), (1, 4, 1), (1, 2, 4, 5)])
def test_matmul_grad_fn_names(a_shape, b_shape):
    """Every rank combination, with single rows and columns (where torch's fold ends in a transpose)."""
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    for requires_grad in ([True, True], [True, False], [False, True]):
        a_mg, b_mg = (minigrad.tensor(x, requires_grad=r) for x, r in zip((a, b), requires_grad))
        assert (a_mg @ b_mg).grad_fn.name() == torch_grad_fn_name(a, b, requires_grad), requires_grad


@settings(max_examples=20, deadline=None)
@given(data=st.data(), shape_pair=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3))
def test_matmul_gradcheck(data, shape_pair):
    a, b = (data.draw(arrays(s), label=n) for s, n in zip(shape_pair.input_shapes, "ab"))
    check_gradcheck(lambda x, y: x @ y, a, b)


def test_integer_matmul():
    check_parity(lambda x, y: x @ y, lambda x, y: x @ y, np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4))


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [
        ((3,), (4,)),  # dot
        ((2, 3), (5,)),  # matrix · vector
        ((5, 2, 3), (4,)),  # batched matrix · vector: torch folds the batch into rows (10x3)
        ((3,), (5, 4)),  # vector · matrix: a 1x3 row
        ((2, 3), (5, 4)),
        ((7, 2, 3), (5, 4)),  # folded into 14x3
        ((5, 2, 3), (5, 4, 2)),  # batched: bmm's message
        ((2, 1, 2, 3), (5, 4, 2)),  # broadcast batch 2x5 = 10
        ((2, 2, 3), (3, 3, 4)),  # batch axes that do not broadcast
        ((3,), ()),  # 0-d operand
    ],
)
def test_shape_mismatch(a_shape, b_shape):
    """torch's RuntimeError and message (its message with requires_grad=False: with grad, torch
    may fold the operands differently and describe other matrices)."""
    with pytest.raises(RuntimeError) as expected:
        torch.zeros(a_shape) @ torch.zeros(b_shape)
    with pytest.raises(RuntimeError) as actual:
        minigrad.zeros(a_shape) @ minigrad.zeros(b_shape, requires_grad=True)
    assert str(expected.value) in str(actual.value)


def test_shape_mismatch_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 5x4\)"):
        minigrad.matmul(minigrad.zeros(2, 3), minigrad.zeros(5, 4))
    with pytest.raises(RuntimeError, match=r"\[5, 2, 3\] and \[5, 4, 2\]"):  # batched: minigrad adds the full shapes
        minigrad.zeros(5, 2, 3) @ minigrad.zeros(5, 4, 2)


@pytest.mark.parametrize("a_dtype, b_dtype", [("float32", "float64"), ("int64", "float32"), ("float64", "int32")])
def test_dtype_mismatch(a_dtype, b_dtype):
    """matmul does not promote: both operands need the same dtype (torch's mm message)."""
    with pytest.raises(RuntimeError) as expected:
        torch.zeros(2, 3, dtype=getattr(torch, a_dtype)) @ torch.zeros(3, 2, dtype=getattr(torch, b_dtype))
    with pytest.raises(RuntimeError) as actual:
        minigrad.zeros(2, 3, dtype=getattr(minigrad, a_dtype)) @ minigrad.zeros(3, 2, dtype=getattr(minigrad, b_dtype))
    assert str(expected.value) in str(actual.value)
