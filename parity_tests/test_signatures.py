"""Signatures as torch 2.14's, both ways: torch code runs on minigrad with only its imports changed,
and code written on minigrad runs on torch (a call minigrad accepts and torch refuses is a bug).

- the creation functions (minigrad/creation.py): data and sizes positional, every option keyword-only,
  torch's TypeError for options given by position; ``out=`` on the factories;
- ``out=`` on add/sub/mul/div/matmul (ops/arithmetic.py ``with_out``, ops/linalg.py);
- ``div(..., rounding_mode=)``, ``mean(..., dtype=)``, ``where(condition)`` / ``nonzero``, ``relu_``.

Each refusal is compared with torch's by calling torch: the same exception type and the same key
part of the message (``key``).
"""

import inspect
import re
import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import check_op, check_parity
from strategies import DTYPES, arrays, broadcastable_shapes, shapes


def key(message):
    """The part of a torch error message minigrad must repeat: the first line, up to the types
    torch names (``got (int, torch.dtype)``, ``but got torch.dtype``), which are minigrad's own,
    without torch's C++ namespace (``aten::zeros()``)."""
    line = re.sub(r"^[\w.]+\.(?=\w+\(\))", "", str(message).splitlines()[0])  # Python's "Tensor.add()": add()
    line = line.removeprefix("aten::")
    for cut in ("got (", "but got "):
        if cut in line:
            return line[: line.index(cut)]
    return line


def same_key(minigrad_error, torch_error):
    """minigrad's message says what torch's does (then maybe a hint of its own: what to do)."""
    return key(minigrad_error).startswith(key(torch_error))


def both_raise(call, expected=None, messages=True):
    """``call(torch)`` and ``call(minigrad)`` raise the same exception type with the same key part
    (``messages=False``: the type only, where torch's overloaded parser words it otherwise)."""
    with pytest.raises(Exception) as in_torch:
        call(torch)
    if expected is not None:
        assert type(in_torch.value) is expected, f"torch raised {in_torch.value!r}"
    with pytest.raises(type(in_torch.value)) as in_minigrad:
        call(minigrad)
    assert not messages or same_key(in_minigrad.value, in_torch.value), (str(in_minigrad.value), str(in_torch.value))
    return in_minigrad.value


def same_result(call):
    """``call`` in both libraries gives the same shape and dtype (and values, unless random)."""
    m, t = call(minigrad), call(torch)
    assert tuple(m.shape) == tuple(t.shape) and m.dtype.name == str(t.dtype).removeprefix("torch.")
    return m, t


# -- creation functions: options by position are torch's TypeError --------------------------------------

X = np.ones((2, 3), np.float32)
G = {minigrad: minigrad.Generator, torch: torch.Generator}

POSITIONAL_OPTIONS = {
    "tensor(data, dtype)": lambda lib: lib.tensor([1], lib.float64),
    "tensor(data, None)": lambda lib: lib.tensor([1], None),
    "as_tensor(data, dtype)": lambda lib: lib.as_tensor([1], lib.float64),
    "zeros_like(x, dtype)": lambda lib: lib.zeros_like(lib.tensor(X), lib.float64),
    "ones_like(x, dtype)": lambda lib: lib.ones_like(lib.tensor(X), lib.float64),
    "empty_like(x, dtype)": lambda lib: lib.empty_like(lib.tensor(X), lib.float64),
    "full_like(x, 2, dtype)": lambda lib: lib.full_like(lib.tensor(X), 2, lib.float64),
    "rand_like(x, dtype)": lambda lib: lib.rand_like(lib.tensor(X), lib.float64),
    "randn_like(x, dtype)": lambda lib: lib.randn_like(lib.tensor(X), lib.float64),
    "full(size, 1.0, dtype)": lambda lib: lib.full((2,), 1.0, lib.float64),
    "eye(2, dtype)": lambda lib: lib.eye(2, lib.float64),
    "eye(2, 2, dtype)": lambda lib: lib.eye(2, 2, lib.float64),
    "linspace(0, 1, 5, dtype)": lambda lib: lib.linspace(0, 1, 5, lib.float64),
    "arange(5, dtype)": lambda lib: lib.arange(5, lib.float64),
    "arange(0, 5, 1, dtype)": lambda lib: lib.arange(0, 5, 1, lib.float64),
    "arange(5, step=2)": lambda lib: lib.arange(5, step=2),
    "arange()": lambda lib: lib.arange(),
    "randperm(5, generator)": lambda lib: lib.randperm(5, G[lib]()),
    "randint(0, 5, size, generator)": lambda lib: lib.randint(0, 5, (2,), G[lib]()),
    "randint(5, size, generator)": lambda lib: lib.randint(5, (2,), G[lib]()),
    "randint(0, 5, size, dtype)": lambda lib: lib.randint(0, 5, (2,), lib.int32),
    "randint(5)": lambda lib: lib.randint(5),
    "randint(1, 5)": lambda lib: lib.randint(1, 5),
    "randint(0.5, 3, size)": lambda lib: lib.randint(0.5, 3, (2,)),
    "zeros(2, 3, dtype)": lambda lib: lib.zeros(2, 3, lib.float64),
    "zeros(size, dtype)": lambda lib: lib.zeros((2, 3), lib.float64),
    "ones(size, dtype)": lambda lib: lib.ones((2, 3), lib.float64),
    "empty(size, dtype)": lambda lib: lib.empty([2, 3], lib.float64),
    "rand(size, generator)": lambda lib: lib.rand((2, 3), G[lib]()),
    "rand(2, 3, generator)": lambda lib: lib.rand(2, 3, G[lib]()),
    "randn(size, generator)": lambda lib: lib.randn((2, 3), G[lib]()),
    "randn(size, dtype)": lambda lib: lib.randn((2,), lib.float64),
    "zeros(size, size)": lambda lib: lib.zeros((2,), (3,)),
}


@pytest.mark.parametrize("call", POSITIONAL_OPTIONS.values(), ids=POSITIONAL_OPTIONS.keys())
def test_options_by_position_are_torchs_type_error(call):
    both_raise(call, TypeError)


BAD_SIZES = {
    "zeros(2, 3.0)": lambda lib: lib.zeros(2, 3.0),
    "zeros((2, 3.0))": lambda lib: lib.zeros((2, 3.0)),
    "zeros(2.0)": lambda lib: lib.zeros(2.0),
    "zeros(True)": lambda lib: lib.zeros(True),
    "zeros([True])": lambda lib: lib.zeros([True]),
    "zeros(None)": lambda lib: lib.zeros(None),
    "zeros(2, None)": lambda lib: lib.zeros(2, None),
    "zeros('a')": lambda lib: lib.zeros("a"),
    "zeros(2, (3,))": lambda lib: lib.zeros(2, (3,)),
    "zeros(array)": lambda lib: lib.zeros(np.array([2, 3])),
    "zeros()": lambda lib: lib.zeros(),
    "rand()": lambda lib: lib.rand(),
    "zeros(2, size=(3,))": lambda lib: lib.zeros(2, size=(3,)),
    "full(2, 1.0)": lambda lib: lib.full(2, 1.0),
    "full((True,), 1.0)": lambda lib: lib.full((True,), 1.0),
    "eye(2.0)": lambda lib: lib.eye(2.0),
    "eye(2, 2.0)": lambda lib: lib.eye(2, 2.0),
    "randperm(3.0)": lambda lib: lib.randperm(3.0),
    "linspace(0, 1, 2.0)": lambda lib: lib.linspace(0, 1, 2.0),
    "zeros(foo=1)": lambda lib: lib.zeros(2, foo=1),
    "tensor(foo=1)": lambda lib: lib.tensor([1], foo=1),
}


@pytest.mark.parametrize("call", BAD_SIZES.values(), ids=BAD_SIZES.keys())
def test_bad_sizes_and_counts_are_torchs_type_error(call):
    both_raise(call, TypeError)


@pytest.mark.parametrize("call", [
    lambda lib: lib.ones(2, -1), lambda lib: lib.rand(-1), lambda lib: lib.full((-1,), 1.0),
    lambda lib: lib.randint(3, (-1,)), lambda lib: lib.randperm(-1), lambda lib: lib.eye(-1),
    lambda lib: lib.eye(2, -1), lambda lib: lib.linspace(0, 1, -1),
])
def test_negative_sizes_are_torchs_runtime_error(call):
    error = both_raise(call, RuntimeError)
    assert "negative" in str(error) or "greater or equal" in str(error)


KEYWORD_CALLS = {
    "tensor(data=, dtype=)": lambda lib: lib.tensor(data=[1, 2], dtype=lib.float64, requires_grad=True, pin_memory=False),
    "as_tensor(dtype=)": lambda lib: lib.as_tensor([1, 2], dtype=lib.float64, device="cpu"),
    "zeros(size=)": lambda lib: lib.zeros(size=(2, 3), dtype=lib.int32),
    "zeros([2, 3])": lambda lib: lib.zeros([2, 3], pin_memory=False),
    "zeros(Size)": lambda lib: lib.zeros(lib.Size([2, 3])),
    "zeros(2, True)": lambda lib: lib.zeros(2, True),
    "zeros(np.int64)": lambda lib: lib.zeros(np.int64(2), lib.tensor(3)),
    "ones((2, True))": lambda lib: lib.ones((2, True), dtype=lib.uint8),
    "empty(())": lambda lib: lib.empty(()),
    "rand(size=)": lambda lib: lib.rand(size=(3,), generator=G[lib]().manual_seed(0), dtype=lib.float64),
    "randn(2, 3, generator=)": lambda lib: lib.randn(2, 3, generator=None, requires_grad=True),
    "full(size=, fill_value=)": lambda lib: lib.full(size=[2], fill_value=3, dtype=lib.float64),
    "eye(n=, m=)": lambda lib: lib.eye(n=2, m=3, dtype=lib.bool),
    "linspace(start=, end=, steps=)": lambda lib: lib.linspace(start=0, end=1, steps=3, dtype=lib.float64),
    "arange(end=)": lambda lib: lib.arange(end=5),
    "arange(start=, end=)": lambda lib: lib.arange(start=1, end=5),
    "arange(1, 5, step=)": lambda lib: lib.arange(1, 5, step=2, dtype=lib.float64),
    "arange(0-d tensor)": lambda lib: lib.arange(lib.tensor(4)),
    "randperm(n=, dtype=)": lambda lib: lib.randperm(n=3, dtype=lib.float32, generator=None),
    "randint(high=, size=)": lambda lib: lib.randint(high=3, size=(2,)),
    "randint(3, size=)": lambda lib: lib.randint(3, size=(2,), dtype=lib.int32),
    "randint(3, [2])": lambda lib: lib.randint(3, [2]),
    "randint(low=, high=, size=)": lambda lib: lib.randint(low=1, high=3, size=(2,), generator=None),
    "zeros_like(input=)": lambda lib: lib.zeros_like(input=lib.tensor(X), dtype=lib.int64, pin_memory=False),
    "full_like(fill_value=)": lambda lib: lib.full_like(lib.tensor(X), fill_value=3, requires_grad=True),
    "rand_like(generator=)": lambda lib: lib.rand_like(lib.tensor(X), generator=None, dtype=lib.float64),
    "randn_like(requires_grad=)": lambda lib: lib.randn_like(lib.tensor(X), requires_grad=True),
    "empty_like(device=)": lambda lib: lib.empty_like(lib.tensor(X), device="cpu"),
}


@pytest.mark.parametrize("name", KEYWORD_CALLS)
def test_options_by_keyword_work_as_torchs(name):
    m, t = same_result(KEYWORD_CALLS[name])
    assert m.requires_grad == t.requires_grad
    if not name.startswith(("rand", "empty")):  # not random draws or uninitialised memory: the values too
        np.testing.assert_array_equal(m.detach().numpy(), t.detach().numpy())


# what stays positional in torch's signature; everything after it is keyword-only
POSITIONAL = {
    "tensor": ["data"], "as_tensor": ["data"], "from_numpy": ["array"],
    "zeros": ["*sizes"], "ones": ["*sizes"], "empty": ["*sizes"], "rand": ["*sizes"], "randn": ["*sizes"],
    "full": ["size", "fill_value"], "eye": ["n", "m"], "linspace": ["start", "end", "steps"],
    "arange": ["start", "end", "step"], "randint": ["low", "high", "size"], "randperm": ["n"],
    "zeros_like": ["input"], "ones_like": ["input"], "empty_like": ["input"], "rand_like": ["input"],
    "randn_like": ["input"], "full_like": ["input", "fill_value"],
}


@pytest.mark.parametrize("name", POSITIONAL)
def test_every_option_is_keyword_only_and_torch_takes_it(name):
    """The signature (as minigrad's argument parser sees it) has torch's positional arguments and
    nothing else before ``*``; torch accepts every keyword minigrad's takes (with its default)."""
    parameters = inspect.signature(getattr(minigrad, name)).parameters.values()
    positional = [("*" if p.kind is p.VAR_POSITIONAL else "") + p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
    assert positional == POSITIONAL[name]
    base = {"tensor": ([1.0],), "as_tensor": ([1.0],), "from_numpy": (X,), "full": ((2,), 1.0), "eye": (2,),
            "linspace": (0, 1, 3), "arange": (3,), "randint": (3, (2,)), "randperm": (3,),
            "full_like": (torch.ones(2), 1.0)}.get(name, (torch.ones(2),) if name.endswith("_like") else (2,))
    for p in parameters:
        if p.kind is p.KEYWORD_ONLY and p.name != "size":  # (zeros(size=...) is tested above)
            getattr(torch, name)(*base, **{p.name: p.default})


def test_the_argument_parser_still_reads_the_like_functions_tensors():
    """rand_like and randn_like are wrapped twice (torch's overload error, then minigrad's argument
    parser): a CPU torch tensor is still taken, a numpy array still refused as torch refuses it."""
    assert minigrad.rand_like(torch.ones(2, 3, dtype=torch.float64)).dtype == minigrad.float64
    assert minigrad.zeros_like(torch.ones(2, dtype=torch.int32)).dtype == minigrad.int32
    both_raise(lambda lib: lib.rand_like(np.ones(2)), TypeError)
    both_raise(lambda lib: lib.zeros_like(np.ones(2)), TypeError)


# -- out= on the factories -----------------------------------------------------------------------------

FACTORY_OUT = {
    "zeros": lambda lib, out, **kw: lib.zeros(2, 3, out=out, **kw),
    "ones": lambda lib, out, **kw: lib.ones((2, 3), out=out, **kw),
    "full": lambda lib, out, **kw: lib.full((2, 3), 7, out=out, **kw),
    "eye": lambda lib, out, **kw: lib.eye(3, out=out, **kw),
    "arange": lambda lib, out, **kw: lib.arange(0.5, 4, out=out, **kw),
    "linspace": lambda lib, out, **kw: lib.linspace(0, 1, 5, out=out, **kw),
    "empty": lambda lib, out, **kw: lib.empty(2, 3, out=out, **kw),
    "rand": lambda lib, out, **kw: lib.rand(2, 3, out=out, **kw),
    "randn": lambda lib, out, **kw: lib.randn(2, 3, out=out, **kw),
    "randint": lambda lib, out, **kw: lib.randint(0, 5, (2, 3), out=out, **kw),
    "randperm": lambda lib, out, **kw: lib.randperm(4, out=out, **kw),
}


@pytest.mark.parametrize("name", FACTORY_OUT)
@pytest.mark.parametrize("out_shape", [(0,), (6,), (2, 3)])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_factories_write_into_out_as_torchs(name, out_shape, dtype):
    """The result takes out's dtype, out is resized silently (torch's arange and linspace warn:
    minigrad does not), and out itself is returned."""
    make = FACTORY_OUT[name]
    results = []
    for lib in (torch, minigrad):
        out = lib.zeros(out_shape, dtype=getattr(lib, dtype))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = make(lib, out)
        except Exception as error:  # e.g. rand into int64
            results.append(error)
            continue
        assert result is out
        results.append(out)
    t, m = results
    if isinstance(t, Exception):
        assert type(m) is type(t) and same_key(m, t), (m, t)
        return
    assert tuple(m.shape) == tuple(t.shape) and m.dtype.name == str(t.dtype).removeprefix("torch.")
    if name not in ("empty", "rand", "randn", "randint", "randperm"):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


def test_factory_out_refusals_are_torchs():
    both_raise(lambda lib: lib.zeros(2, out=lib.empty(2), dtype=lib.float64), RuntimeError)
    both_raise(lambda lib: lib.zeros(2, out=lib.empty(2, requires_grad=True)), RuntimeError)
    leaf = minigrad.empty(2, requires_grad=True)
    with minigrad.no_grad():
        assert minigrad.ones(2, out=leaf) is leaf and leaf.tolist() == [1.0, 1.0]


# -- out= on the arithmetic and matmul --------------------------------------------------------------------

BINARY = {
    "add": lambda lib, a, b, **kw: lib.add(a, b, **kw),
    "add alpha": lambda lib, a, b, **kw: lib.add(a, b, alpha=2, **kw),
    "sub": lambda lib, a, b, **kw: lib.sub(a, b, **kw),
    "mul": lambda lib, a, b, **kw: lib.mul(a, b, **kw),
    "div": lambda lib, a, b, **kw: lib.div(a, b, **kw),
    "div floor": lambda lib, a, b, **kw: lib.div(a, b, rounding_mode="floor", **kw),
}


def run_with_out(call, out_array):
    """``call(lib, out=...)`` in both libraries: (result or exception, out, warnings) each."""
    results = []
    for lib in (torch, minigrad):
        out = lib.tensor(out_array)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = call(lib, out=out)
            except Exception as error:
                result = error
        results.append((result, out, [str(w.message) for w in caught if w.category is UserWarning]))
    return results


def check_same_out(call, out_array, exactly=True):
    """The same out (shape, dtype, values) or the same refusal; ``exactly``: the same message and
    warnings too (matmul's depend on the path torch takes for the shapes: there only minigrad's own
    rule is checked, a warning when an out with elements is resized)."""
    (t, t_out, t_warnings), (m, m_out, m_warnings) = run_with_out(call, out_array)
    if isinstance(t, Exception):
        assert type(m) is type(t) and (not exactly or same_key(m, t)), (m, t)
        return
    assert m is m_out, "out itself is returned"
    assert tuple(m_out.shape) == tuple(t_out.shape) and m_out.dtype.name == str(t_out.dtype).removeprefix("torch.")
    np.testing.assert_allclose(m_out.numpy(), t_out.numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)
    if exactly:  # the resize warning, when out had elements (torch repeats it when out's dtype differs: once is enough)
        assert {w[:60] for w in m_warnings} == {w[:60] for w in t_warnings}
    else:
        assert len(m_warnings) == (out_array.size > 0 and out_array.shape != tuple(m_out.shape))


@pytest.mark.parametrize("name", BINARY)
@settings(deadline=None, max_examples=15)
@given(data=st.data(), shapes_=broadcastable_shapes(max_dims=3, max_side=3),
       dtype=st.sampled_from([np.float32, np.float64, np.int64]),
       out_dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8, np.bool_]),
       out_shape=st.sampled_from(["same", "empty", "other"]))
def test_binary_ops_write_into_out_as_torchs(name, data, shapes_, dtype, out_dtype, out_shape):
    a = data.draw(arrays(shapes_[0], np.float64, low=-5, high=5), label="a").astype(dtype)
    b = data.draw(arrays(shapes_[1], np.float64, low=1, high=5), label="b").astype(dtype)  # no integer division by 0
    shape = np.broadcast_shapes(a.shape, b.shape)
    out_array = np.zeros({"same": shape, "empty": (0,), "other": (7,)}[out_shape], out_dtype)
    check_same_out(lambda lib, out: BINARY[name](lib, lib.tensor(a), lib.tensor(b), out=out), out_array)


@settings(deadline=None, max_examples=15)
@given(shapes_=st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 2))]),
       out_dtype=st.sampled_from([np.float32, np.float64]), out_shape=st.sampled_from(["same", "empty", "other"]))
def test_matmul_writes_into_out_as_torchs(shapes_, out_dtype, out_shape):
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s).astype(np.float32) for s in shapes_)
    shape = np.matmul(a, b).shape
    out_array = np.zeros({"same": shape, "empty": (0,), "other": (5,)}[out_shape], out_dtype)
    check_same_out(lambda lib, out: lib.matmul(lib.tensor(a), lib.tensor(b), out=out), out_array, exactly=False)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "matmul"])
def test_out_refusals_are_torchs(name):
    op = lambda lib, **kw: getattr(lib, name)(*kw.pop("inputs", (lib.ones(2, 2), lib.ones(2, 2))), **kw)
    # an input that requires grad, or out itself, under grad mode: out= is not differentiable
    both_raise(lambda lib: op(lib, inputs=(lib.ones(2, 2, requires_grad=True), lib.ones(2, 2)), out=lib.empty(2, 2)),
               RuntimeError)
    both_raise(lambda lib: op(lib, out=lib.empty(2, 2, requires_grad=True)), RuntimeError)
    both_raise(lambda lib: op(lib, out=(lib.ones(2, 2, requires_grad=True) * 1)[0]), RuntimeError)
    both_raise(lambda lib: op(lib, out=np.empty((2, 2))), TypeError, messages=name != "div")  # div: "invalid combination"
    both_raise(lambda lib: op(lib, out=lib.zeros(1).expand(2, 2)), RuntimeError)
    both_raise(lambda lib: getattr(lib.ones(2, 2), name)(lib.ones(2, 2), out=lib.empty(2, 2)), TypeError,
               messages=name != "div")  # methods take no out
    written = []
    for lib in (torch, minigrad):  # under no_grad a leaf that requires grad may be written (an optimizer's update)
        leaf = lib.full((2, 2), 5.0, requires_grad=True)
        with lib.no_grad():
            assert op(lib, out=leaf) is leaf
        assert leaf.requires_grad and leaf._version == 1
        written.append(leaf.detach().numpy())
    np.testing.assert_array_equal(*written)


def test_out_may_be_an_input_and_is_counted_as_an_in_place_write():
    for lib in (torch, minigrad):
        x = lib.tensor([1.0, 2.0, 3.0])
        view = x[1:]
        version = x._version
        assert lib.add(x, lib.tensor([1.0, 1.0, 1.0]), out=x) is x
        assert x.tolist() == [2.0, 3.0, 4.0] and view.tolist() == [3.0, 4.0]
        assert x._version == version + 1
        lib.mul(view, 2, out=view)  # a view of the right shape writes through to its base
        assert x.tolist() == [2.0, 6.0, 8.0]


def test_the_blitz_add_with_out():
    """The 60-minute blitz: ``result = torch.empty(5, 3); torch.add(x, y, out=result)``."""
    x, y = np.random.default_rng(0).random((2, 5, 3))
    results = []
    for lib in (torch, minigrad):
        result = lib.empty(5, 3)
        lib.add(lib.tensor(x), lib.tensor(y), out=result)
        results.append(result.numpy())
    np.testing.assert_array_equal(*results)


# -- div with rounding_mode ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@settings(deadline=None)
@given(data=st.data(), shapes_=broadcastable_shapes(max_dims=3), dtype=DTYPES)
@example(data=None, shapes_=((12,), (12,)), dtype=np.float64)
def test_div_with_rounding_mode(mode, data, shapes_, dtype):
    """trunc(a / b) and floor(a / b) as torch's (Python's // for floor), ±∞ and NaN at b = 0; both
    gradients 0 (a step function), DivBackward2."""
    if data is None:  # the edge values
        a = np.array([1.0, -1.0, 0.0, 7.0, -7.0, np.inf, -np.inf, np.nan, 5.5, -0.0, 1.0, 0.3], dtype)
        b = np.array([0.0, 0.0, 0.0, 2.0, 2.0, 2.0, 0.5, 1.0, np.inf, 3.0, 0.1, 0.1], dtype)
    else:
        a, b = (data.draw(arrays(s, dtype), label=n) for s, n in zip(shapes_, "ab"))
    with np.errstate(all="ignore"):
        check_op(lambda x, y: minigrad.div(x, y, rounding_mode=mode), lambda x, y: torch.div(x, y, rounding_mode=mode), a, b)
        check_op(lambda x, y: x.div(y, rounding_mode=mode), lambda x, y: x.div(y, rounding_mode=mode), a, b)
        check_op(lambda x: x.div(2.5, rounding_mode=mode), lambda x: x.div(2.5, rounding_mode=mode), a)


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@given(a=st.lists(st.integers(-20, 20), min_size=6, max_size=6).map(np.array), b=st.sampled_from([3, -3, 1, 7, -2]),
       dtype=st.sampled_from(["int64", "int32", "uint8"]))
@settings(deadline=None, max_examples=20)
def test_integer_div_with_rounding_mode_stays_integer(mode, a, b, dtype):
    a = a.astype(np.int64)
    m, t = same_result(lambda lib: lib.div(lib.tensor(a, dtype=getattr(lib, dtype)), b, rounding_mode=mode))
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    m, t = same_result(lambda lib: lib.tensor(a).div(lib.tensor(a[::-1] + 50), rounding_mode=mode))
    np.testing.assert_array_equal(m.numpy(), t.numpy())
    m, t = same_result(lambda lib: lib.div(lib.tensor(a), 2.5, rounding_mode=mode))  # a float divisor: float32
    np.testing.assert_array_equal(m.numpy(), t.numpy())


def test_div_rounding_mode_errors_and_in_place():
    both_raise(lambda lib: lib.div(lib.ones(2), 2, rounding_mode="round"), RuntimeError)
    both_raise(lambda lib: lib.div(lib.tensor([1, 2]), 0, rounding_mode="trunc"), RuntimeError)
    both_raise(lambda lib: lib.div(lib.tensor([1, 2]), lib.tensor([1, 0]), rounding_mode="floor"), RuntimeError)
    both_raise(lambda lib: lib.div(lib.tensor([True]), lib.tensor([True]), rounding_mode="floor"), NotImplementedError)
    both_raise(lambda lib: lib.div(lib.ones(2), 2, "floor"), TypeError, messages=False)  # rounding_mode: keyword-only
    for lib in (torch, minigrad):
        x = lib.tensor([-7.0, 7.0, 3.5])
        assert x.div_(2, rounding_mode="floor") is x and x.tolist() == [-4.0, 3.0, 1.0]


# -- mean(dtype=), where(condition), nonzero, relu_ ----------------------------------------------------


@settings(deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3), dtype=DTYPES, target=st.sampled_from(["float64", "float32"]),
       keepdim=st.booleans())
def test_mean_with_dtype(data, shape, dtype, target, keepdim):
    x = data.draw(arrays(shape, dtype), label="x")
    dim = data.draw(st.sampled_from([None] + list(range(len(shape)))), label="dim")
    mean = lambda lib: (lambda t: lib.mean(t, dtype=getattr(lib, target)) if dim is None else
                        lib.mean(t, dim, keepdim, dtype=getattr(lib, target)))
    tolerance = dict(rtol=1e-6, atol=1e-6) if target == "float32" else {}  # the result's dtype's, not x's
    check_parity(mean(minigrad), mean(torch), x, **tolerance)
    check_parity(lambda t: t.mean(dtype=getattr(minigrad, target)), lambda t: t.mean(dtype=getattr(torch, target)), x,
                 **tolerance)
    m, t = same_result(lambda lib: lib.tensor(x.astype(np.int64)).mean(dtype=getattr(lib, target)))
    np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-6)


def test_mean_dtype_errors():
    both_raise(lambda lib: lib.ones(2).mean(dtype=lib.int64), RuntimeError)
    both_raise(lambda lib: lib.mean(lib.ones(2, 3), 1, True, lib.float64), TypeError, messages=False)  # keyword-only


@settings(deadline=None)
@given(shape=shapes(min_dims=0, max_dims=3, min_side=0, max_side=3), dtype=st.sampled_from(["bool", "int64", "float32"]),
       seed=st.integers(0, 2**16))
def test_where_of_a_condition_alone_is_nonzero(shape, dtype, seed):
    values = np.random.default_rng(seed).integers(0, 2, shape)
    array = values.astype(dtype) if dtype != "float32" else np.where(values == 1, np.nan, 0.0).astype(np.float32)
    for call in (lambda lib: lib.where(lib.tensor(array)), lambda lib: lib.nonzero(lib.tensor(array), as_tuple=True),
                 lambda lib: lib.tensor(array).nonzero(as_tuple=True), lambda lib: (lib.nonzero(lib.tensor(array)),),
                 lambda lib: (lib.tensor(array).nonzero(),)):
        m, t = call(minigrad), call(torch)
        assert len(m) == len(t)
        for a, b in zip(m, t):
            assert a.dtype == minigrad.int64 and tuple(a.shape) == tuple(b.shape)
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_where_takes_one_or_three_tensors_as_torch():
    both_raise(lambda lib: lib.where(lib.tensor([True]), lib.ones(1)), TypeError)
    both_raise(lambda lib: lib.where(lib.tensor([True]), lib.ones(1), None), TypeError)
    both_raise(lambda lib: lib.where(lib.tensor([True]), None, None), TypeError)
    both_raise(lambda lib: lib.where(lib.tensor([True]), other=lib.ones(1)), TypeError)
    both_raise(lambda lib: lib.nonzero(lib.ones(2), True), TypeError)  # as_tuple is keyword-only
    x = minigrad.tensor([1.0, 0.0], requires_grad=True)
    assert not minigrad.where(x)[0].requires_grad and not minigrad.nonzero(x).requires_grad


@settings(deadline=None)
@given(data=st.data(), shape=shapes(max_dims=3), dtype=DTYPES)
def test_relu_in_place_function_and_method(data, shape, dtype):
    x = data.draw(arrays(shape, dtype), label="x")
    check_op(lambda t: minigrad.relu_(t * 1), lambda t: torch.relu_(t * 1), x)
    check_op(lambda t: (t * 1).relu_(), lambda t: (t * 1).relu_(), x)
    for lib in (torch, minigrad):
        y = lib.tensor(x)
        assert lib.relu_(y) is y and y.relu_() is y and (y.numpy() >= 0).all()


def test_relu_in_place_refusals_and_integers():
    both_raise(lambda lib: lib.tensor([-1.0, 2.0], requires_grad=True).relu_(), RuntimeError)
    m, t = same_result(lambda lib: lib.tensor([-1, 2]).relu_())
    assert m.tolist() == t.tolist() == [0, 2]
