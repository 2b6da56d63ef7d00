"""Parity of minigrad/ops/arithmetic.py with torch: + − × ÷, unary minus, powers, type promotion;
and the elementwise comparisons (not differentiable: bool results)."""

import itertools
import operator

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_gradcheck, check_op, check_parity, check_under_upstream
from strategies import DTYPES, arrays, broadcastable_shapes, positive_arrays, shapes, values

OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}



def nonzero_arrays(shape, dtype):
    """Values with |v| ≥ 0.5: safe divisors."""
    magnitude = st.floats(0.5, 10, width=32)
    return arrays(shape, dtype, elements=st.one_of(magnitude, magnitude.map(lambda v: -v)))


scalars = st.one_of(values(), st.integers(-5, 5))


# -- + − × ÷ ------------------------------------------------------------------------------------


@pytest.mark.parametrize("op", OPS)
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=broadcastable_shapes())
def test_binary_tensor_tensor(op, data, dtype, shape_pair):
    a = data.draw(arrays(shape_pair[0], dtype), label="a")
    b = data.draw(nonzero_arrays(shape_pair[1], dtype) if op == "/" else arrays(shape_pair[1], dtype), label="b")
    check_op(OPS[op], OPS[op], a, b)


@pytest.mark.parametrize("op", OPS)
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes(), scalar=scalars, tensor_first=st.booleans())
def test_binary_tensor_scalar(op, data, dtype, shape, scalar, tensor_first):
    if op == "/" and not tensor_first:
        x = data.draw(nonzero_arrays(shape, dtype), label="x")
    else:
        x = data.draw(arrays(shape, dtype), label="x")
        scalar = scalar if op != "/" or abs(scalar) >= 0.5 else 2.0
    fn = (lambda t: OPS[op](t, scalar)) if tensor_first else (lambda t: OPS[op](scalar, t))
    # torch rewrites number − tensor as rsub (RsubBackward1), a name minigrad does not copy;
    # number / tensor is reciprocal · number (MulBackward0) in both
    check_op(fn, fn, x, compare_names=tensor_first or op in "+*/")


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes())
@example(data=None, dtype=np.float64, shape=(4,))
def test_reciprocal(data, dtype, shape):
    x = (data.draw(arrays(shape, dtype), label="x") if data is not None
         else np.array([0.0, -0.0, np.inf, 2.0]))
    check_op(lambda t: t.reciprocal(), lambda t: t.reciprocal(), x)
    if data is not None:
        check_gradcheck(lambda t: t.reciprocal(), data.draw(nonzero_arrays(shape, np.float64), label="x64"))


def test_number_divided_by_a_tensor_keeps_the_quotient_not_the_tensor():
    """number / x is x.reciprocal() * number, which saves 1/x: changing x in place afterwards (under
    no_grad) leaves backward working, as torch's (the long fuzz run's find: minigrad's division
    saved x and refused)."""

    def run(lib):
        x = lib.tensor([0.5, 2.0, -4.0], requires_grad=True)
        y = 2 / x
        with lib.no_grad():
            x.add_(2)
        y.backward(lib.tensor([1.0, 2.0, 3.0]))
        return y.detach().numpy(), x.grad.numpy()

    (mine_y, mine_grad), (torch_y, torch_grad) = run(minigrad), run(torch)
    np.testing.assert_allclose(mine_y, torch_y)
    np.testing.assert_allclose(mine_grad, torch_grad)


@pytest.mark.parametrize("op", OPS)
@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape_pair=broadcastable_shapes(max_dims=3, max_side=3))
def test_binary_gradcheck(op, data, shape_pair):
    a = data.draw(arrays(shape_pair[0]), label="a")
    b = data.draw(nonzero_arrays(shape_pair[1], np.float64), label="b")
    check_gradcheck(OPS[op], a, b)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes())
def test_neg(data, dtype, shape):
    x = data.draw(arrays(shape, dtype), label="x")
    check_op(operator.neg, operator.neg, x)
    check_gradcheck(operator.neg, x)


# -- powers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0, 1, 2, 0.5, -1, 3, 2.5, -2])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes(max_dims=3))
def test_pow_tensor_scalar(exponent, data, dtype, shape):
    # fractional and negative powers need positive bases; the others take any sign and zero
    needs_positive = exponent < 0 or exponent != int(exponent)
    x = data.draw(positive_arrays(shape, dtype) if needs_positive else arrays(shape, dtype), label="x")
    fn = lambda t: t**exponent
    check_op(fn, fn, x)
    check_gradcheck(fn, x)


@pytest.mark.parametrize("exponent", [0, 1, 2, 3])
def test_pow_at_zero(exponent):
    """0ᵖ: the gradient p·0ᵖ⁻¹ is 0 for p ≥ 2 and 1 for p = 1; for p = 0 torch returns 0."""
    fn = lambda t: t**exponent
    check_op(fn, fn, np.array([0.0, -0.0, 1.0, -2.0]))


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=broadcastable_shapes(max_dims=3))
def test_pow_tensor_tensor(data, dtype, shape_pair):
    base = data.draw(positive_arrays(shape_pair[0], dtype, high=4.0), label="base")
    exponent = data.draw(arrays(shape_pair[1], dtype, low=-3.0, high=3.0), label="exponent")
    check_op(operator.pow, operator.pow, base, exponent)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), shape_pair=broadcastable_shapes(max_dims=2, max_side=3))
def test_pow_tensor_tensor_gradcheck(data, shape_pair):
    base = data.draw(positive_arrays(shape_pair[0], high=4.0), label="base")
    exponent = data.draw(arrays(shape_pair[1], low=-3.0, high=3.0), label="exponent")
    check_gradcheck(operator.pow, base, exponent)


@pytest.mark.parametrize("base", [2, 0.5, 2.5, np.e, 1])
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes(max_dims=3))
def test_pow_scalar_tensor(base, data, dtype, shape):
    x = data.draw(arrays(shape, dtype, low=-5.0, high=5.0), label="x")
    fn = lambda t: base**t
    check_op(fn, fn, x)
    check_gradcheck(fn, x)


def test_pow_zero_base():
    """0ˣ: torch sets ∂/∂x = 0 where the base is 0 and x ≥ 0 (0ˣ is flat there), inf where x < 0."""
    check_op(lambda t: 0**t, lambda t: 0**t, np.array([0.0, 1.0, 2.5, -1.0]))
    zeros = np.zeros(4)
    check_op(operator.pow, operator.pow, zeros, np.array([0.0, 1.0, 2.5, -1.0]))


def test_integer_powers():
    """Integer tensors: negative exponents in a tensor give 1/bᵉ truncated (0 unless b = ±1);
    a negative Python int exponent is an error."""
    for fn in (lambda t: t**2, lambda t: t**0.5, lambda t: 2**t, lambda t: 2.5**t, lambda t: (-2) ** t, lambda t: (-1) ** t):
        check_op(fn, fn, np.array([1, 2, 3, 0, -1, -2]), requires_grad=False)
    base, exponent = np.array([0, 1, -1, -1, 2, -2, 3, 2]), np.array([-1, -3, -3, -2, -2, -1, 0, 3])
    check_op(lambda b, e: b**e, lambda b, e: b**e, base, exponent, requires_grad=False)
    check_op(lambda b, e: b**e, lambda b, e: b**e, base.astype(np.int32), exponent, requires_grad=False)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        minigrad.tensor([1, 2]) ** -1
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed"):
        torch.tensor([1, 2]) ** -1


# -- dtypes: torch's promotion rules -------------------------------------------------------------

DTYPE_NAMES = ["float32", "float64", "int64", "int32", "uint8", "bool"]
# (dtype, zero-dimensional?) for tensors, and Python numbers of each kind
OPERANDS = [(name, zero_dim) for name in DTYPE_NAMES for zero_dim in (False, True)] + [2, 2.5, True]


def make_operand(library, operand):
    if not isinstance(operand, tuple):
        return operand
    name, zero_dim = operand
    data = [True, False] if name == "bool" else [1, 2]
    return library.tensor(data[0] if zero_dim else data, dtype=getattr(library, name))


@pytest.mark.parametrize("op", [*OPS, "**"])
def test_type_promotion(op):
    """Every pair of dtypes (dimensioned, 0-d, Python number): same result dtype and values, or
    the same exception type (e.g. NotImplementedError for − on bool)."""
    fn = OPS.get(op, operator.pow)
    for left, right in itertools.product(OPERANDS, OPERANDS):
        if not (isinstance(left, tuple) or isinstance(right, tuple)):
            continue  # number with number is plain Python
        if op == "**" and "bool" in (left[0] if isinstance(left, tuple) else type(left).__name__) + (
            right[0] if isinstance(right, tuple) else type(right).__name__
        ):
            continue  # torch's bool ** bool is an unimplemented kernel; minigrad doesn't chase it
        with np.errstate(all="ignore"):
            try:
                expected = fn(make_operand(torch, left), make_operand(torch, right))
            except Exception as error:
                with pytest.raises(type(error)):
                    fn(make_operand(minigrad, left), make_operand(minigrad, right))
                continue
            actual = fn(make_operand(minigrad, left), make_operand(minigrad, right))
        what = f"{left} {op} {right}"
        assert str(actual.dtype).removeprefix("minigrad.") == str(expected.dtype).removeprefix("torch."), what
        np.testing.assert_allclose(actual.numpy(), expected.numpy(), rtol=1e-6, err_msg=what)


def test_bool_errors():
    for library in (torch, minigrad):
        mask = library.tensor([True, False])
        with pytest.raises(NotImplementedError, match="logical_xor"):
            mask - mask
        with pytest.raises(NotImplementedError, match="logical_not"):
            library.tensor([1.0, 2.0]) - mask
        with pytest.raises(NotImplementedError, match="logical_not"):
            -mask


# -- comparisons: not differentiable, bool results ----------------------------------------------

COMPARISONS = [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@pytest.mark.parametrize("compare", COMPARISONS, ids=lambda f: f.__name__)
@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape_pair=broadcastable_shapes(), scalar=scalars)
def test_comparisons(compare, data, dtype, shape_pair, scalar):
    a = data.draw(arrays(shape_pair[0], dtype), label="a")
    b = data.draw(arrays(shape_pair[1], dtype), label="b")
    # values drawn from few distinct numbers, so equal elements (the edge of < and <=) are common
    check_parity(compare, compare, a, b)
    check_parity(lambda t: compare(t, scalar), lambda t: compare(t, scalar), a)
    check_parity(lambda t: compare(scalar, t), lambda t: compare(scalar, t), a)


@settings(deadline=None)
@given(data=st.data(), dtype=DTYPES, shape=shapes())
def test_eq_and_isnan(data, dtype, shape):
    x = data.draw(arrays(shape, dtype, elements=st.sampled_from([0.0, 1.0, np.nan, -np.inf])), label="x")
    check_parity(lambda t: t.isnan(), lambda t: t.isnan(), x)
    check_parity(lambda t: minigrad.isnan(t), lambda t: torch.isnan(t), x)
    check_parity(lambda t: minigrad.eq(t, 1.0), lambda t: torch.eq(t, 1.0), x)
    check_parity(lambda t: t.eq(t), lambda t: t.eq(t), x)  # NaN != NaN


def test_comparison_dtype_promotion():
    for left, right in itertools.product(OPERANDS, OPERANDS):
        if isinstance(left, tuple) and isinstance(right, tuple):
            actual = make_operand(minigrad, left) < make_operand(minigrad, right)
            expected = make_operand(torch, left) < make_operand(torch, right)
            assert actual.dtype == minigrad.bool and expected.dtype == torch.bool
            np.testing.assert_array_equal(actual.numpy(), expected.numpy())


BROADCAST_CLASHES = [((2, 3), (3, 4)), ((2, 3), (4,)), ((5, 2, 3), (4, 1, 3)), ((3,), (2, 4))]
ELEMENTWISE = {  # name: f(library, a, b)
    **{symbol: (lambda op: lambda lib, a, b: op(a, b))(op) for symbol, op in OPS.items()},
    "**": lambda lib, a, b: a**b,
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "where": lambda lib, a, b: lib.where(a > 0, a, b),
}


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("a_shape, b_shape", BROADCAST_CLASHES)
def test_shapes_that_do_not_broadcast_raise_torchs_error(name, a_shape, b_shape):
    """torch's RuntimeError naming the last clashing dimension, not numpy's ValueError."""
    with pytest.raises(RuntimeError) as expected:
        ELEMENTWISE[name](torch, torch.ones(a_shape), torch.ones(b_shape))
    with pytest.raises(RuntimeError) as actual:
        ELEMENTWISE[name](minigrad, minigrad.ones(a_shape, requires_grad=True), minigrad.ones(b_shape))
    assert str(actual.value) == str(expected.value)


# -- overflow, NaN upstreams, integer and bool powers ---------------------------------------------


def test_divisor_gradient_does_not_overflow_in_float32():
    """∂L/∂b = −grad · (a / b) / b: a/b² would overflow (1e20²) or underflow in float32."""
    a = np.array([1e20, 1e-20, 1e30, 0.0, -0.0], np.float32)
    b = np.array([1e20, 1e-25, 1e-30, 1e-30, 1e-30], np.float32)
    check_parity(lambda x, y: x / y, lambda x, y: x / y, a, b, grad_rtol=1e-6)


@pytest.mark.parametrize("upstream", [np.nan, np.inf])
@pytest.mark.parametrize("case", ["0 ** x", "a ** b", "x ** 0.5", "x ** -0.5", "x ** 1.5"])
def test_powers_under_nan_and_inf_upstream(case, upstream):
    """torch multiplies grad by 0 where 0ᵇ is flat (so a NaN grad stays NaN), and computes x^½ as
    √x and x^−½ as 1/√x ((−0)^−½ = −∞, (−∞)^½ = NaN)."""
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e30, 1e-30, 1.0, -2.0, 3.0])
    fns = {
        "0 ** x": lambda t: 0.0 ** t,
        "a ** b": lambda t: t ** t[[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
        "x ** 0.5": lambda t: t**0.5,
        "x ** -0.5": lambda t: t**-0.5,
        "x ** 1.5": lambda t: t**1.5,
    }
    check_under_upstream(lambda library, t: fns[case](t), x, upstream=upstream)


POWER_CASES = {
    "bool ** True": lambda L: L.tensor([True, False]) ** True,
    "bool ** False": lambda L: L.tensor([True, False]) ** False,
    "uint8 ** np.int64(3)": lambda L: L.tensor([2, 3], dtype=L.uint8) ** np.int64(3),
    "uint8 ** 300": lambda L: L.tensor([2, 3], dtype=L.uint8) ** 300,
    "int32 ** 2**31": lambda L: L.tensor([2, 3], dtype=L.int32) ** 2**31,
    "(-2) ** uint8": lambda L: (-2) ** L.tensor([2, 3], dtype=L.uint8),
    "300 ** uint8": lambda L: 300 ** L.tensor([2, 3], dtype=L.uint8),
    "-2 ** uint8": lambda L: -2 ** L.tensor([2, 3], dtype=L.uint8),
    "np.int64(2) ** uint8": lambda L: np.int64(2) ** L.tensor([2, 3], dtype=L.uint8),
    "bool ** bool": lambda L: L.tensor([True, False]) ** L.tensor([True, True]),
    "True ** bool": lambda L: True ** L.tensor([True, False]),
    "bool ** 0": lambda L: L.tensor([True, False]) ** 0,
}


@pytest.mark.parametrize("case", POWER_CASES)
def test_integer_and_bool_powers(case):
    """torch's values and dtypes, or its exception type and message (never a numpy error)."""
    outcomes = []
    for library in (minigrad, torch):
        try:
            out = POWER_CASES[case](library)
            outcomes.append((out.tolist(), str(out.dtype).split(".")[-1]))
        except Exception as error:  # noqa: BLE001 - the type and message are what is compared
            outcomes.append((type(error).__name__, str(error).split(" (")[0]))
    assert outcomes[0] == outcomes[1]


def test_changed_0d_power_output_raises():
    for library in (minigrad, torch):
        a, b = library.tensor(2.0, requires_grad=True), library.tensor(3.0, requires_grad=True)
        for out in (a**b, 2.0**a):
            out.add_(1)
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.backward()


@pytest.mark.parametrize("exponent", [0.5, 1.5, 2.0, -0.5])
@pytest.mark.parametrize("shape", [(), (3,)])
def test_tensor_power_of_minus_infinity_is_c_pow(exponent, shape):
    """(−∞) ** ½ is +∞ (C's pow, torch's tensor ** tensor); numpy turns a 0-d exponent ½ into √,
    which gives NaN (the long edge sweep's find, also in the base's gradient b · aᵇ⁻¹)."""
    base, power = np.full(shape, -np.inf), np.full(shape, exponent)
    check_under_upstream(lambda lib, a, b: a ** b, base, power, upstream=0.7, exact=True)


def test_reciprocal_of_a_0d_tensor_watches_its_saved_output():
    """reciprocal saves its output: changing it in place must break backward, 0-d included
    (numpy returned a scalar there, a copy, so the change went unseen: the long fuzz run's find)."""
    for lib in (minigrad, torch):
        x = lib.tensor(2.0, requires_grad=True)
        y = x.reciprocal()
        y.fill_(0.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
