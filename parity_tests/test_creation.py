"""minigrad/creation.py against torch: ``tensor``, ``from_numpy`` and the factories give the
same shapes, dtypes and (for deterministic factories) values; ``manual_seed`` makes the random
factories reproducible (their numbers differ from torch's: different generators)."""

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from strategies import shapes

NUMPY_DTYPES = [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]


def same_dtype(mg, t):
    return str(mg.dtype).removeprefix("minigrad.") == str(t.dtype).removeprefix("torch.")


def assert_same(mg, t):
    """Same dtype, shape and values (exactly: creation does no arithmetic)."""
    assert same_dtype(mg, t), f"dtype {mg.dtype} != torch's {t.dtype}"
    assert tuple(mg.shape) == tuple(t.shape), f"shape {tuple(mg.shape)} != torch's {tuple(t.shape)}"
    np.testing.assert_array_equal(mg.detach().numpy(), t.detach().numpy())


def both(make):
    """``make(library)`` run with minigrad and with torch."""
    return make(minigrad), make(torch)


# -- minigrad.tensor -------------------------------------------------------------------------------

python_data = st.recursive(
    st.one_of(st.floats(-1e6, 1e6, width=32), st.integers(-1000, 1000), st.booleans()),
    lambda children: st.lists(children, min_size=1, max_size=3),
    max_leaves=8,
)


def rectangular(data):
    try:
        np.array(data, dtype=object).astype(float)  # ragged nesting raises here
        return True
    except ValueError:
        return False


@given(python_data.filter(rectangular))
@example(1.5)  # Python float → float32 (the default dtype)
@example(3)  # Python int → int64
@example(True)
@example([1, 2.5])  # mixed: float wins
@example([True, 1])  # mixed: int wins
@example([[1, 2], [3, 4]])
def test_tensor_from_python_data(data):
    assert_same(minigrad.tensor(data), torch.tensor(data))


@given(st.sampled_from(NUMPY_DTYPES), shapes(min_dims=0, max_dims=3))
def test_tensor_and_from_numpy_keep_numpy_dtype(dtype, shape):
    array = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape).astype(dtype)
    assert_same(minigrad.tensor(array), torch.tensor(array))
    assert_same(minigrad.from_numpy(array), torch.from_numpy(array))


def test_tensor_copies_but_from_numpy_shares_memory():
    array = np.zeros(3, np.float64)
    copied, shared = minigrad.tensor(array), minigrad.from_numpy(array)
    array[0] = 7.0
    assert copied.tolist() == [0.0, 0.0, 0.0]
    assert shared.tolist() == [7.0, 0.0, 0.0]
    shared.add_(1)  # and writing the tensor writes the array
    assert array.tolist() == [8.0, 1.0, 1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool"])
def test_tensor_with_explicit_dtype(dtype):
    mg, t = both(lambda lib: lib.tensor([[0, 1.5], [2, 3]], dtype=getattr(lib, dtype)))
    assert_same(mg, t)


def test_tensor_scalar_types():
    for data in (np.float64(1.5), np.float32(2.0), np.int32(3), [np.float32(1.0)], [], [[], []]):
        assert_same(minigrad.tensor(data), torch.tensor(data))


def test_requires_grad_on_creation():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None
    for make in (
        lambda lib: lib.tensor([1, 2], requires_grad=True),
        lambda lib: lib.ones(2, dtype=lib.int64, requires_grad=True),
        lambda lib: lib.arange(3, requires_grad=True),
    ):
        for lib in (minigrad, torch):
            with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
                make(lib)


def test_unsupported_numpy_dtype_is_a_type_error():
    with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.complex128"):
        minigrad.from_numpy(np.zeros(2, np.complex128))
    for lib in (minigrad, torch):  # a dtype neither has
        with pytest.raises(TypeError, match="can't convert np.ndarray of type numpy.longdouble"):
            lib.tensor(np.zeros(2, np.longdouble))


@pytest.mark.parametrize(
    "numpy_dtype, stored", [(np.float16, "float32"), (np.int8, "int64"), (np.int16, "int64"), (np.uint16, "int64"), (np.uint32, "int64")]
)
def test_dtypes_minigrad_lacks_are_converted_by_tensor_and_refused_by_from_numpy(numpy_dtype, stored):
    """torch has these dtypes, minigrad has not: ``tensor``/``as_tensor`` convert the values to a
    dtype minigrad has (the reported dtype is the stored one); ``from_numpy``, which promises
    shared memory of the same dtype, raises TypeError, as torch does for dtypes it lacks."""
    array = np.array([[-3, 0], [7, 100]]).astype(numpy_dtype)
    expected = torch.tensor(array).to(getattr(torch, stored))
    for make in (minigrad.tensor, minigrad.as_tensor):
        t = make(array)
        assert t.dtype is getattr(minigrad, stored) and t.numpy().dtype == t.dtype.numpy
        assert_same(t, expected)
    with pytest.raises(TypeError, match=f"can't convert np.ndarray of type numpy.{np.dtype(numpy_dtype).type.__name__}"):
        minigrad.from_numpy(array)


# -- factories -------------------------------------------------------------------------------------

DTYPE_NAMES = [None, "float32", "float64", "int64", "int32", "uint8", "bool"]


def dtype_kw(lib, name):
    return {} if name is None else {"dtype": getattr(lib, name)}


@given(shapes(min_dims=0, max_dims=3, min_side=0), st.sampled_from(DTYPE_NAMES), st.booleans())
def test_zeros_ones_empty(shape, dtype, as_tuple):
    for name in ("zeros", "ones", "empty"):
        args = (shape,) if as_tuple or not shape else shape  # torch needs some size argument
        mg, t = both(lambda lib: getattr(lib, name)(*args, **dtype_kw(lib, dtype)))
        if name == "empty":  # values are whatever memory held
            assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)
        else:
            assert_same(mg, t)


@given(
    shapes(min_dims=0, max_dims=3, min_side=0),
    st.one_of(st.integers(-5, 5), st.floats(-5, 5, width=32), st.booleans()),
    st.sampled_from(DTYPE_NAMES[:3]),
)
@example((2,), 3, None)  # an int fill makes int64
@example((2,), True, None)  # a bool fill makes bool
@example((2,), 1.5, None)  # a float fill makes the default dtype
def test_full(shape, value, dtype):
    assert_same(*both(lambda lib: lib.full(shape, value, **dtype_kw(lib, dtype))))


@given(hnp.arrays(st.sampled_from([np.float32, np.float64, np.int64, np.int32]), shapes(max_dims=3)), st.sampled_from(DTYPE_NAMES))
def test_like_factories(array, dtype):
    for name in ("zeros_like", "ones_like"):
        assert_same(*both(lambda lib: getattr(lib, name)(lib.tensor(array), **dtype_kw(lib, dtype))))
    mg, t = both(lambda lib: lib.full_like(lib.tensor(array), 2, **dtype_kw(lib, dtype)))
    assert_same(mg, t)
    mg, t = both(lambda lib: lib.empty_like(lib.tensor(array), **dtype_kw(lib, dtype)))
    assert same_dtype(mg, t) and mg.shape == tuple(t.shape)


numbers = st.one_of(st.integers(-20, 20), st.sampled_from([-2.5, -1.0, 0.0, 0.1, 0.25, 0.3, 1.0, 2.5, 7.75]))


@given(numbers, st.one_of(st.none(), numbers), st.sampled_from([1, 2, 3, -1, -2, 0.5, -0.25, 0.1, 0.3]), st.sampled_from(DTYPE_NAMES[:5]))
@example(5, None, 1, None)  # all ints → int64
@example(0.0, 1.0, 0.25, None)  # floats → float32
@example(0, 1, 0.1, None)  # float step: length ceil((end - start) / step), as torch
@example(-1.0, 1.0, 0.3, None)
@example(10, 0, -3, None)
@settings(deadline=None)
def test_arange(start, end, step, dtype):
    args = (start,) if end is None else (start, end, step)
    try:
        t = torch.arange(*args, **dtype_kw(torch, dtype))
    except RuntimeError:  # torch refuses e.g. a step pointing away from end
        with pytest.raises(RuntimeError):
            minigrad.arange(*args, **dtype_kw(minigrad, dtype))
        return
    mg = minigrad.arange(*args, **dtype_kw(minigrad, dtype))
    assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)
    np.testing.assert_allclose(mg.numpy(), t.numpy(), rtol=1e-6, atol=1e-6)


@given(st.floats(-10, 10, width=32), st.floats(-10, 10, width=32), st.integers(0, 12), st.sampled_from([None, "float32", "float64"]))
@example(0.0, 1.0, 5, None)
@example(0.0, 1.0, 1, None)
def test_linspace(start, end, steps, dtype):
    mg, t = both(lambda lib: lib.linspace(start, end, steps, **dtype_kw(lib, dtype)))
    assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)
    np.testing.assert_allclose(mg.numpy(), t.numpy(), rtol=1e-6, atol=1e-5)


@given(st.integers(0, 5), st.one_of(st.none(), st.integers(0, 5)), st.sampled_from(DTYPE_NAMES))
def test_eye(n, m, dtype):
    args = (n,) if m is None else (n, m)
    assert_same(*both(lambda lib: lib.eye(*args, **dtype_kw(lib, dtype))))


@given(shapes(min_dims=0, max_dims=3, min_side=0), st.sampled_from([None, "float32", "float64"]))
def test_rand_randn_shapes_and_dtypes(shape, dtype):
    for name in ("rand", "randn"):
        mg, t = both(lambda lib: getattr(lib, name)(shape, **dtype_kw(lib, dtype)))
        assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)
    mg = minigrad.rand(*shape) if shape else minigrad.rand(())
    assert ((mg.numpy() >= 0) & (mg.numpy() < 1)).all()


@given(st.integers(-5, 5), st.integers(1, 6), shapes(max_dims=3, min_side=0), st.sampled_from([None, "int64", "int32", "float32"]))
def test_randint(low, width, shape, dtype):
    mg, t = both(lambda lib: lib.randint(low, low + width, shape, **dtype_kw(lib, dtype)))
    assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)
    assert ((mg.numpy() >= low) & (mg.numpy() < low + width)).all()
    mg, t = both(lambda lib: lib.randint(width, shape))  # randint(high, size)
    assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape)


def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return [
            minigrad.rand(3, 2).numpy(),
            minigrad.randn(4, dtype=minigrad.float64).numpy(),
            minigrad.randint(0, 10, (5,)).numpy(),
            minigrad.randperm(6).numpy(),
            minigrad.empty(3).normal_().numpy(),
        ]

    minigrad.manual_seed(1234)
    first = draw()
    minigrad.manual_seed(1234)
    again = draw()
    minigrad.manual_seed(4321)
    other = draw()
    for a, b, c in zip(first, again, other):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    assert isinstance(minigrad.manual_seed(0), minigrad.Generator)  # returns the generator, as torch


def test_generator_is_an_independent_stream():
    g = minigrad.Generator().manual_seed(7)
    a = minigrad.randn(5, generator=g).numpy()
    minigrad.randn(100)  # the global stream does not move g
    g.manual_seed(7)
    np.testing.assert_array_equal(a, minigrad.randn(5, generator=g).numpy())


def test_randint_with_size_as_keyword():
    for high, low in ((10, None), (5, -3)):
        args = (high,) if low is None else (low, high)
        mg, t = both(lambda lib: lib.randint(*args, size=(3, 2)))
        assert same_dtype(mg, t) and tuple(mg.shape) == tuple(t.shape) == (3, 2)
        assert ((mg.numpy() >= (low or 0)) & (mg.numpy() < high)).all()
    mg, t = both(lambda lib: lib.randint(low=2, high=4, size=(5,)))
    assert tuple(mg.shape) == (5,) and set(mg.tolist()) <= {2, 3}


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
@pytest.mark.parametrize(
    "make",
    [
        lambda lib, d: lib.rand(2, dtype=d),
        lambda lib, d: lib.randn(2, dtype=d),
        lambda lib, d: lib.rand_like(lib.zeros(2, dtype=d)),
        lambda lib, d: lib.randn_like(lib.zeros(2, dtype=d)),
        lambda lib, d: lib.rand_like(lib.zeros(2), dtype=d),
    ],
    ids=["rand", "randn", "rand_like", "randn_like", "rand_like dtype"],
)
def test_random_floats_of_an_integer_dtype_raise_like_torch(make, dtype):
    with pytest.raises(NotImplementedError) as expected:
        make(torch, getattr(torch, dtype))
    with pytest.raises(NotImplementedError) as actual:
        make(minigrad, getattr(minigrad, dtype))
    assert str(actual.value).startswith(str(expected.value))


def test_factory_errors():
    with pytest.raises(RuntimeError, match="negative dimension"):
        minigrad.zeros(2, -1)
    with pytest.raises(RuntimeError, match="must be nonzero"):
        minigrad.arange(0, 5, 0)


@given(st.sampled_from(NUMPY_DTYPES), shapes(min_dims=1, max_dims=3))
def test_tensor_class_constructor_gives_the_default_float_dtype(dtype, shape):
    array = np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)
    assert_same(minigrad.Tensor(array), torch.Tensor(array))
    assert_same(minigrad.Tensor(array.tolist()), torch.Tensor(array.tolist()))
