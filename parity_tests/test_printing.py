"""minigrad/_printing.py against torch: ``repr(tensor)`` equals torch's with "torch" replaced by
"minigrad", for hypothesis-drawn arrays of every dtype and scale: integers, whole floats, small
and large magnitudes (scientific notation), nan/inf, 0-d, empty, summarized (>1000 elements),
wrapped at 80 columns, with dtype / requires_grad / grad_fn suffixes."""

import numpy as np
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad

SCALES = [1e-8, 1e-5, 1e-3, 0.1, 1.0, 37.0, 1e4, 1e7, 1e9, 1e20]
SHAPES = st.one_of(
    st.lists(st.integers(0, 6), max_size=4).map(tuple),  # small, 0-d and empty included
    st.sampled_from([(1001,), (40, 30), (3, 20, 20), (11, 100), (2, 600), (7, 7, 7, 7), (30,), (13, 9)]),  # summarized or wide
)


@st.composite
def printable_arrays(draw):
    """An array whose values stress one of torch's formatting rules."""
    dtype = draw(st.sampled_from(["float32", "float64", "int64", "int32", "uint8", "bool"]))
    shape = draw(SHAPES)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["normal", "whole", "mixed scales", "tiny ints"]))
    scale = draw(st.sampled_from(SCALES))
    if kind == "normal":
        values = rng.standard_normal(shape) * scale
    elif kind == "whole":
        values = np.round(rng.standard_normal(shape) * scale)
    elif kind == "mixed scales":
        values = rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6, shape)
    else:
        values = rng.integers(-3, 4, shape).astype(np.float64)
    if dtype in ("float32", "float64") and values.size and draw(st.booleans()):
        specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0])
        picks = rng.random(shape) < 0.2
        values = np.where(picks, specials[rng.integers(0, len(specials), shape)], values)
    if dtype == "bool":
        return values > 0
    with np.errstate(over="ignore", invalid="ignore"):  # float → int at the range's edge
        if dtype in ("int64", "int32", "uint8"):
            info = np.iinfo(dtype)
            return np.clip(np.nan_to_num(values), info.min, info.max).astype(dtype)
        return values.astype(dtype)


def same_repr(array, grad="plain"):
    """repr in both libraries; ``grad`` = "plain", "requires_grad" or an op ("mul", "neg") whose
    grad_fn the tensor then shows."""
    texts = []
    for lib in (minigrad, torch):
        x = lib.tensor(array)
        if grad != "plain" and x.is_floating_point():
            x.requires_grad_()
            if grad == "mul":
                x = x * 1
            elif grad == "neg":  # ops with exact results: only the printing may differ
                x = -x
        texts.append(repr(x))
    assert texts[0] == texts[1].replace("torch", "minigrad"), f"\nminigrad:\n{texts[0]}\ntorch:\n{texts[1]}"


@given(printable_arrays(), st.sampled_from(["plain", "plain", "requires_grad", "mul", "neg"]))
@settings(deadline=None, max_examples=120)
def test_repr_equals_torchs(array, grad):
    same_repr(array, grad)


PINS = [
    (np.float32(2 / 3), "tensor(0.6667)"),
    (np.array([1.0, 2.0, 3.0], np.float32), "tensor([1., 2., 3.])"),
    (np.float32(2.0), "tensor(2.)"),
    (np.array([], np.float32), "tensor([])"),
    (np.array([1e-5, 1.0], np.float32), "tensor([1.0000e-05, 1.0000e+00])"),
    (np.array([np.nan, 1.0, -np.inf], np.float32), "tensor([nan, 1., -inf])"),
    (np.array([1.5, 2.0]), "tensor([1.5000, 2.0000], dtype=minigrad.float64)"),
    (np.array([1, 2], np.int32), "tensor([1, 2], dtype=minigrad.int32)"),
    (np.zeros((0, 3), np.int64), "tensor([], size=(0, 3), dtype=minigrad.int64)"),
    (np.arange(2000), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])"),
]


def test_pinned_reprs():
    for array, text in PINS:
        assert repr(minigrad.tensor(array)) == text
        same_repr(array)


def test_grad_fn_suffix_like_torch():
    x = minigrad.tensor([0.2, 0.5, 0.3], requires_grad=True)
    loss = -(x.log() * minigrad.tensor([0.0, 1.0, 0.0])).sum() + 0.4088
    assert repr(loss) == "tensor(1.1019, grad_fn=<AddBackward0>)"
    assert repr(minigrad.tensor(1.5, requires_grad=True)) == "tensor(1.5000, requires_grad=True)"


def test_cpp_node_names_print_without_their_namespace_like_torch():
    """torch's C++ nodes (CopySlices, CopyBackwards) are named "torch::autograd::CopySlices" but print short."""
    reprs = []
    for lib in (minigrad, torch):
        x = lib.zeros(3)
        x[1] = lib.tensor(2.0, requires_grad=True)
        reprs.append((repr(x), repr(x.grad_fn).split(" object")[0], x.grad_fn.name()))
    assert reprs[0] == reprs[1] == ("tensor([0., 2., 0.], grad_fn=<CopySlices>)", "<CopySlices", "torch::autograd::CopySlices")


@given(st.integers(1, 30), st.sampled_from(["float32", "float64", "int32", "uint8"]), st.sampled_from(["plain", "requires_grad", "mul"]))
@example(8, "float64", "mul")  # both suffixes, one of them overflowing the line
@settings(deadline=None)
def test_suffixes_that_overflow_the_line_wrap_like_torchs(n, dtype, grad):
    """Rows whose last line ends near column 80, so a suffix may or may not fit on it."""
    same_repr((np.arange(n) * 1.25 + 1000.5).astype(dtype), grad)
    same_repr((np.arange(n * 3) * 1.25 + 1000.5).reshape(3, n).astype(dtype), grad)


def test_format_spec_and_str():
    x = minigrad.tensor(2 / 3)
    assert f"{x:.3f}" == "0.667" and str(x) == repr(x)
    assert f"{minigrad.tensor([1.0])}" == "tensor([1.])"
