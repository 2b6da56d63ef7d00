"""Memory layout as torch's (minigrad/autograd/layout.py): an elementwise op keeps its inputs'
order of strides, other ops give row-major results, so ``reshape`` views or copies exactly where
torch's does, ``view`` is refused where torch's is, and ``is_contiguous`` agrees.

Each test makes operands in random layouts (permuted, sliced, expanded views), runs one op on
them in both libraries, and compares what layout decides: ``is_contiguous()``, whether
``view(-1)`` is allowed, and whether a write through ``reshape(-1)`` reaches the result.
"""

import numpy as np
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad

# -- operands in random layouts ------------------------------------------------------------------


@st.composite
def laid_out(draw, shape):
    """(how, key): a recipe for a tensor of ``shape`` made by a permute, a slice or an expand of a
    row-major one (``make`` runs it in either library)."""
    how = draw(st.sampled_from(["plain", "permuted", "sliced", "expanded"]))
    if how == "permuted":
        return how, tuple(draw(st.permutations(range(len(shape)))))
    if how == "sliced" and shape:
        return how, draw(st.integers(0, len(shape) - 1))
    if how == "expanded" and shape:
        return how, draw(st.integers(0, len(shape) - 1))
    return "plain", None


def make(lib, shape, recipe, seed):
    how, key = recipe
    values = np.random.default_rng(seed).standard_normal(shape)
    if how == "permuted":  # a permuted view of the values laid out in the order ``key``
        inverse = tuple(np.argsort(key))
        return lib.tensor(np.ascontiguousarray(values.transpose(key))).permute(*inverse)
    if how == "sliced":  # every other element along ``key``
        doubled = np.repeat(values, 2, axis=key)
        return lib.tensor(doubled)[(slice(None),) * key + (slice(None, None, 2),)]
    if how == "expanded":  # one dim broadcast from size 1
        one = values.take([0], axis=key)
        return lib.tensor(one).expand(*shape)
    return lib.tensor(values)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple)

UNARY = {
    "mul2": lambda x: x * 2,
    "exp": lambda x: x.exp(),
    "relu": lambda x: x.relu(),
    "neg": lambda x: -x,
    "clamp": lambda x: x.clamp(min=0),
    "clone": lambda x: x.clone(),
    "contiguous": lambda x: x.contiguous(),
    "to_float32": lambda x: x.float(),
    "gt0": lambda x: x > 0,
    "sum0": lambda x: x.sum(0),
    "softmax": lambda x: x.softmax(-1),
    "pow": lambda x: x ** 2,
}

BINARY = {
    "add": lambda x, y: x + y,
    "mul": lambda x, y: x * y,
    "maximum": lambda x, y: x.maximum(y) if hasattr(x, "maximum") else None,
    "where": lambda x, y, lib=None: None,  # run by the test itself (needs the library)
}


def layout_facts(lib, result):
    """What the layout decides, as a user sees it."""
    contiguous = result.is_contiguous()
    try:
        result.view(-1)
        viewable = True
    except RuntimeError:
        viewable = False
    flat = result.reshape(-1)
    before = result.clone()
    if flat.numel():
        with lib.no_grad():
            flat[0] = 12345 if result.dtype != lib.bool else (not bool(flat[0]))
    written_through = not np.array_equal(result.numpy(), before.numpy()) if flat.numel() else None
    return contiguous, viewable, written_through


def check_same_layout(build):
    mg, th = build(minigrad), build(torch)
    assert tuple(mg.shape) == tuple(th.shape)
    assert layout_facts(minigrad, mg) == layout_facts(torch, th), "contiguous / view allowed / reshape writes through"


@settings(deadline=None)
@given(shape=shapes, data=st.data(), op=st.sampled_from(sorted(UNARY)))
@example(shape=(2, 3), data=None, op="mul2")
def test_unary_result_layout(shape, data, op):
    recipe = data.draw(laid_out(shape)) if data is not None else ("permuted", (1, 0))
    check_same_layout(lambda lib: UNARY[op](make(lib, shape, recipe, 0)))


@settings(deadline=None)
@given(shape=shapes, data=st.data(), op=st.sampled_from(["add", "mul", "maximum", "where"]),
       broadcast=st.booleans())
def test_binary_result_layout(shape, data, op, broadcast):
    first, second = data.draw(laid_out(shape)), data.draw(laid_out(shape))
    other_shape = shape
    if broadcast:  # the second operand broadcasts along some dims
        other_shape = tuple(1 if data.draw(st.booleans()) else n for n in shape)
        second = data.draw(laid_out(other_shape))

    def build(lib):
        x, y = make(lib, shape, first, 0), make(lib, other_shape, second, 1)
        if op == "where":
            return lib.where(x > y, x, y)
        if op == "maximum":
            return lib.maximum(x, y)
        return BINARY[op](x, y)

    check_same_layout(build)


def test_a_transposed_product_reshaped_is_a_copy():
    """The fuzzer's find: (x.t() * 2).reshape(6) copies in torch (the product is transposed too),
    so writing into it must not change the product, nor its gradient."""

    def run(lib):
        x = lib.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
        y = x.t() * 2
        z = y.reshape(6)
        z.mul_(10)
        (y * lib.tensor(np.arange(6.0).reshape(3, 2))).sum().add(z.sum()).backward()
        return y.detach().numpy(), x.grad.numpy()

    for mine, torchs in zip(run(minigrad), run(torch)):
        np.testing.assert_array_equal(mine, torchs)


def test_kernel_results_are_row_major_as_torch():
    """conv2d's kernel lays its result out channels-last in memory; torch's is row-major, and a
    view of one channel reshaped is a view in both."""

    def run(lib):
        x = lib.tensor(np.random.default_rng(0).standard_normal((2, 3, 5, 5)))
        w = lib.tensor(np.random.default_rng(1).standard_normal((4, 3, 3, 3)))
        out = lib.nn.functional.conv2d(x, w)
        channel = out[0].reshape(-1)
        channel[0] = 100.0
        return out.is_contiguous(), float(out[0, 0, 0, 0])

    assert run(minigrad) == run(torch)
