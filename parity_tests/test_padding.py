"""minigrad/ops/padding.py against torch.nn.functional.pad: values and input gradients for
every mode ('constant' with a value, 'reflect', 'replicate', 'circular'), 1 to 3 padded
dimensions, negative (cropping) amounts, torch's grad_fn names, finite differences, and
torch's errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.ops.padding import pad, source_positions
from harness import check_gradcheck, check_parity
from strategies import DTYPES, arrays

MODES = ["constant", "reflect", "replicate", "circular"]


def valid_amounts(mode, size):
    """(before, after) amounts torch accepts for one axis of length ``size`` in ``mode``."""
    if mode == "reflect":
        amounts = st.integers(-size + 1, size - 1)
    elif mode == "circular":
        amounts = st.integers(-size + 1, size)
    else:
        amounts = st.integers(-size + 1, 4)

    def ok(pair):
        before, after = pair
        if size + before + after < 1:
            return False
        if mode == "circular":  # the ring left after cropping must hold each positive pad
            ring = size + min(before, 0) + min(after, 0)
            return before <= ring and after <= ring
        return True

    return st.tuples(amounts, amounts).filter(ok)


@st.composite
def pad_cases(draw, dtypes=DTYPES):
    """(x, pad, mode, value): shapes and amounts within each mode's rules."""
    mode = draw(st.sampled_from(MODES))
    n_axes = draw(st.integers(1, 3))
    if mode == "constant":
        ndim = draw(st.integers(n_axes, n_axes + 2))
    else:  # torch: (n+1)-D or (n+2)-D input for n padded dimensions
        ndim = draw(st.sampled_from([n_axes + 1, n_axes + 2]))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    amounts = []
    for axis in reversed(range(ndim - n_axes, ndim)):  # last dimension first, as torch lists them
        amounts += draw(valid_amounts(mode, shape[axis]))
    value = draw(st.sampled_from([None, 0.0, 2.5])) if mode == "constant" else None
    return draw(arrays(shape, draw(dtypes))), tuple(amounts), mode, value


@settings(deadline=None, max_examples=50)
@given(pad_cases())
@example((np.arange(4.0).reshape(1, 1, 4), (2, -2), "circular", None))
@example((np.arange(4.0).reshape(1, 1, 4), (-1, 2), "circular", None))
@example((np.arange(9.0).reshape(1, 3, 3), (2, 2, 2, 2), "reflect", None))
@example((np.arange(6.0).reshape(2, 3), (3, 3), "replicate", None))
@example((np.arange(6.0).reshape(2, 3), (-1, -1), "constant", 1.0))
def test_pad_matches_torch(case):
    x, amounts, mode, value = case
    out = check_parity(lambda t: pad(t, amounts, mode, value), lambda t: TF.pad(t, amounts, mode, value), x)
    expected = TF.pad(torch.tensor(x, requires_grad=True), amounts, mode, value)
    assert out.grad_fn.name() == expected.grad_fn.name()


@settings(deadline=None, max_examples=15)
@given(pad_cases(dtypes=st.just(np.float64)))
def test_pad_gradcheck(case):
    x, amounts, mode, value = case
    check_gradcheck(lambda t: pad(t, amounts, mode, value), x)


def test_source_positions():
    assert source_positions(4, 2, 2, "constant").tolist() == [-1, -1, 0, 1, 2, 3, -1, -1]
    assert source_positions(4, 2, 2, "reflect").tolist() == [2, 1, 0, 1, 2, 3, 2, 1]
    assert source_positions(4, 2, 2, "replicate").tolist() == [0, 0, 0, 1, 2, 3, 3, 3]
    assert source_positions(4, 2, 2, "circular").tolist() == [2, 3, 0, 1, 2, 3, 0, 1]


def test_no_padding_copies():
    x = minigrad.ones(2, 3)
    out = pad(x, (0, 0))
    assert out.tolist() == x.tolist() and not np.shares_memory(out._array, x._array)


@pytest.mark.parametrize(
    "shape, amounts, mode, value",
    [
        ((2, 3), (1, 1, 1), "constant", None),
        ((2, 3), (1,) * 6, "constant", None),
        ((1, 1, 3, 3), (3, 0, 0, 0), "reflect", None),
        ((1, 1, 3, 3), (1, 1), "reflect", None),
        ((3,), (1, 1), "replicate", None),
        ((1, 1, 3), (4, 0), "circular", None),
        ((1, 1, 3), (-2, -2), "circular", None),
        ((1, 1, 3), (1, 1), "reflect", 1.0),
        ((1, 1, 3), (1, 1), "wrap", None),
    ],
)
def test_errors_match_torchs(shape, amounts, mode, value):
    x = np.zeros(shape)
    with pytest.raises((RuntimeError, NotImplementedError)) as expected:
        TF.pad(torch.tensor(x), amounts, mode, value)
    with pytest.raises(expected.type) as actual:
        pad(minigrad.tensor(x), amounts, mode, value)
    assert str(actual.value) == str(expected.value)


EMPTY_CASES = [
    ((1, 0), (1, 1)),
    ((1, 0), (2, 0)),
    ((0, 3), (1, 1)),
    ((2, 1, 0), (1, 1)),
    ((2, 0, 3), (1, 1, 1, 1)),
    ((0, 2, 3), (1, 1)),
    ((1, 3), (-3, 0)),
    ((1, 3), (-4, 1)),
    ((1, 3), (-4, 0)),
    ((1, 3), (2, -4)),
    ((1, 3), (-1, -2)),
]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pads", EMPTY_CASES)
def test_empty_dims_and_crops_to_empty(mode, shape, pads):
    """Growing a 0-size dim, and cropping to nothing: torch's result, or its exception type."""
    outcomes = []
    for library in (minigrad, torch):
        x = library.ones(*shape, requires_grad=True)
        try:
            out = library.nn.functional.pad(x * 1, pads, mode=mode)
            out.backward(library.ones(tuple(out.shape)))
            outcomes.append((tuple(out.shape), out.detach().numpy().tolist(), x.grad.numpy().tolist()))
        except RuntimeError as error:
            outcomes.append(type(error).__name__)
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("mode, raises", [("constant", False), ("reflect", True), ("replicate", True), ("circular", False)])
def test_changed_input_breaks_backward_where_torch_saved_it(mode, raises):
    """Reflection and replication pads save their input (torch's do): changing it breaks backward."""
    for library in (minigrad, torch):
        x = library.ones(2, 3, requires_grad=True)
        h = x * 1
        out = library.nn.functional.pad(h, (1, 1), mode=mode)
        h.add_(1)
        if raises:
            with pytest.raises(RuntimeError, match="modified by an inplace operation"):
                out.sum().backward()
        else:
            out.sum().backward()
