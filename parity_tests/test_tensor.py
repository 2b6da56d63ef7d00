"""minigrad/tensor.py against torch: attributes (shape, size, dim, dtype, item, tolist, numpy,
T, is_leaf, detach, clone, conversions) and in-place ops (values, gradients and the errors
torch raises: in-place on a leaf that requires grad, in-place change of a saved tensor)."""

import operator
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from harness import assert_close
from strategies import DTYPES, arrays, broadcastable_shapes, shapes

DTYPE_NAMES = ["float32", "float64", "int64", "int32", "uint8", "bool"]


def same_dtype(mg, t):
    return str(mg.dtype).removeprefix("minigrad.") == str(t.dtype).removeprefix("torch.")


def any_dtype_arrays(max_dims=4):
    """Arrays of any minigrad dtype holding small whole numbers (exact in every dtype)."""

    def of(dtype):
        elements = st.booleans() if dtype == "bool" else st.integers(0, 9).map(np.dtype(dtype).type)
        return hnp.arrays(np.dtype(dtype), shapes(min_dims=0, max_dims=max_dims), elements=elements)

    return st.sampled_from(DTYPE_NAMES).flatmap(of)


# -- attributes ------------------------------------------------------------------------------------


@given(any_dtype_arrays())
def test_shape_size_dim_numel_dtype_tolist(array):
    mg, t = minigrad.tensor(array), torch.tensor(array)
    assert mg.shape == tuple(t.shape) and isinstance(mg.shape, tuple)
    assert repr(mg.shape) == repr(t.shape).replace("torch", "minigrad")
    assert mg.size() == t.size()
    for d in range(-mg.dim(), mg.dim()):
        assert mg.size(d) == t.size(d)
    assert mg.dim() == t.dim() and mg.ndim == t.ndim
    assert mg.numel() == t.numel() and mg.shape.numel() == t.shape.numel()
    assert same_dtype(mg, t)
    assert mg.is_floating_point() == t.is_floating_point()
    assert mg.tolist() == t.tolist()
    assert mg.numpy().dtype == t.numpy().dtype
    if mg.numel() == 1:
        assert mg.item() == t.item() and type(mg.item()) is type(t.item())
    if mg.dim() > 0:
        assert len(mg) == len(t)


def test_item_and_size_errors():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
            lib.tensor([1.0, 2.0]).item()
        with pytest.raises(IndexError, match="Dimension out of range"):
            lib.tensor([1.0, 2.0]).size(1)


@given(arrays(shapes(min_dims=0, max_dims=4)))
def test_T_reverses_the_axes(array):
    # torch warns for T on tensors other than 2-d; the values are what this test pins down
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = torch.tensor(array).T.numpy()
    np.testing.assert_array_equal(minigrad.tensor(array).T.numpy(), expected)


def test_numpy_of_a_tensor_that_requires_grad_raises_torch_message():
    message = r"Can't call numpy\(\) on Tensor that requires grad. Use tensor.detach\(\).numpy\(\) instead."
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match=message):
            x.numpy()
        with pytest.raises(RuntimeError, match=message):
            (x * 2).numpy()
        assert x.detach().numpy().tolist() == [1.0, 2.0]


def test_numpy_shares_memory():
    x = minigrad.tensor([1.0, 2.0])
    x.numpy()[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_leaf_detach_requires_grad_and_clone():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        assert x.is_leaf and not y.is_leaf and y.requires_grad
        d = y.detach()
        assert d.is_leaf and not d.requires_grad and d.grad_fn is None
        d[0] = 10.0  # detach shares memory
        assert y.tolist() == [10.0, 4.0]
        c = x.clone()
        assert c.grad_fn.name() == "CloneBackward0" and not c.is_leaf
        c.sum().backward()
        assert x.grad.tolist() == [1.0, 1.0]
        z = lib.tensor([3.0])
        assert z.requires_grad_() is z and z.requires_grad and z.is_leaf
        z.requires_grad_(False)
        assert not z.requires_grad
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
            y.requires_grad_(False)


def test_requires_grad_on_int_tensors_raises():
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
            lib.tensor([1, 2]).requires_grad_()
        with pytest.raises(RuntimeError, match="Only Tensors of floating point and complex dtype can require gradients"):
            lib.tensor([1, 2], requires_grad=True)


@given(any_dtype_arrays(max_dims=3), st.sampled_from(["float", "double", "long", "int", "bool"] + DTYPE_NAMES))
def test_conversions(array, target):
    mg, t = minigrad.tensor(array), torch.tensor(array)
    if target in DTYPE_NAMES:
        mg, t = mg.to(getattr(minigrad, target)), t.to(getattr(torch, target))
    else:
        mg, t = getattr(mg, target)(), getattr(t, target)()
    assert same_dtype(mg, t)
    np.testing.assert_array_equal(mg.numpy(), t.numpy())


@given(arrays(shapes(max_dims=3), dtype=np.float32), st.sampled_from(["float", "double", "to64", "clone"]))
@settings(deadline=None)
def test_conversions_carry_gradients_back_in_the_inputs_dtype(array, how):
    def convert(lib, x):
        return {"float": x.float, "double": x.double, "to64": lambda: x.to(lib.float64), "clone": x.clone}[how]()

    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor(array, requires_grad=True)
        y = convert(lib, x)
        (y * y).sum().backward()
        assert y.grad_fn is None if how == "float" else y.grad_fn.name() == ("CloneBackward0" if how == "clone" else "ToCopyBackward0")
        grads.append(x.grad)
    assert same_dtype(*grads) and grads[0].dtype is minigrad.float32
    assert_close(grads[0].numpy(), grads[1].numpy(), np.float32, "gradient")


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_type_names_are_torchs(name):
    """x.type() is torch's name with minigrad's prefix ("minigrad.FloatTensor"), and such a name
    converts: x.type("minigrad.DoubleTensor")."""
    mg, t = minigrad.zeros(1, dtype=getattr(minigrad, name)), torch.zeros(1, dtype=getattr(torch, name))
    assert mg.type() == t.type().replace("torch.", "minigrad.")
    assert minigrad.zeros(1).type(t.type()).dtype is mg.dtype
    assert minigrad.zeros(1).type(mg.type()).dtype is mg.dtype


def test_to_same_dtype_returns_self_unless_copy():
    x = minigrad.tensor([1.0])
    assert x.to(minigrad.float32) is x and x.float() is x
    assert x.to(minigrad.float32, copy=True) is not x
    with pytest.raises(RuntimeError, match="not available"):
        x.to("cuda")


def test_retain_grad_keeps_grad_of_non_leaf():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 3
        h.retain_grad()
        assert h.retains_grad and not x.retains_grad
        (h * h).sum().backward()
        assert h.grad.tolist() == [6.0, 12.0]


# -- in-place ops: values --------------------------------------------------------------------------

INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "add_": lambda a, b: a.add_(b),
    "sub_": lambda a, b: a.sub_(b),
    "mul_": lambda a, b: a.mul_(b),
    "add_alpha": lambda a, b: a.add_(b, alpha=2),
    "copy_": lambda a, b: a.copy_(b),
}


@given(broadcastable_shapes(2, max_dims=3), DTYPES, st.sampled_from(sorted(INPLACE)), st.booleans(), st.data())
def test_inplace_values(shapes_, dtype, op, scalar_other, data):
    target_shape = np.broadcast_shapes(*shapes_)
    a = data.draw(arrays(target_shape, dtype))
    b = 1.5 if scalar_other else data.draw(arrays(shapes_[1], dtype))
    results = []
    for lib in (minigrad, torch):
        x = lib.tensor(a)
        y = INPLACE[op](x, lib.tensor(b) if not scalar_other else b)
        assert y is x  # in place: the same object comes back
        results.append(x.numpy())
    assert_close(results[0], results[1], dtype, op)


@given(arrays(shapes(max_dims=3)), st.floats(-5, 5, width=32))
def test_zero_and_fill(array, value):
    for lib in (minigrad, torch):
        x = lib.tensor(array)
        assert x.zero_() is x and (x.numpy() == 0).all()
        assert x.fill_(value) is x and (x.numpy() == np.float32(value)).all()
        i = lib.tensor(array.astype(np.int64))
        assert i.fill_(3).dtype == i.dtype


def test_inplace_type_and_shape_errors():
    for lib in (minigrad, torch):
        x = lib.tensor([1, 2])
        with pytest.raises(RuntimeError, match="result type .* can't be cast to the desired output type"):
            x += 1.5
        y = lib.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match=r"output with shape \[2\] doesn't match the broadcast shape \[3, 2\]"):
            y += lib.ones(3, 2)


# -- in-place ops and autograd ---------------------------------------------------------------------

LEAF_MESSAGE = "a leaf Variable that requires grad is being used in an in-place operation."


@pytest.mark.parametrize("op", sorted(INPLACE) + ["zero_", "fill_"])
def test_inplace_on_leaf_that_requires_grad_raises_outside_no_grad(op):
    for lib in (minigrad, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        apply = {"zero_": lambda a, b: a.zero_(), "fill_": lambda a, b: a.fill_(b)}.get(op, INPLACE.get(op))
        with pytest.raises(RuntimeError, match=LEAF_MESSAGE):
            apply(w, 0.5 if op == "fill_" else lib.tensor([0.5, 0.25]))
        with lib.no_grad():
            apply(w, 0.5 if op == "fill_" else lib.tensor([0.5, 0.25]))
        assert w.requires_grad and w.is_leaf and w.grad_fn is None


def test_sgd_step_under_no_grad_matches_torch():
    results = []
    for lib in (minigrad, torch):
        w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
        for _ in range(3):
            loss = (w * w * lib.tensor([1.0, 2.0, 3.0])).sum()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
                w.grad.zero_()
        results.append(w.detach().numpy().copy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


SAVED_MESSAGE = "one of the variables needed for gradient computation has been modified by an inplace operation"

MODIFIED_SAVED = {
    # the output of exp is saved by exp's backward (∂L/∂x = grad · out)
    "exp output": lambda lib, x, y: (lambda h: (h.add_(1), h)[1])(x.exp()),
    # a * b saves a and b; changing a afterwards would give b the wrong gradient
    "mul input": lambda lib, x, y: (lambda a: (lambda out: (a.mul_(2), out)[1])(a * y))(x * 1),
    # x / y saves y
    "div input": lambda lib, x, y: (lambda d: (lambda out: (d.sub_(1), out)[1])(x / d))(y * 1),
    # through a view: the view shares the version counter of its base
    "view of saved": lambda lib, x, y: (lambda a: (lambda out: (a.view(-1).mul_(3), out)[1])(a * y))(x.detach().clone()),
    # through detach: it shares the counter too
    "detached saved": lambda lib, x, y: (lambda e: (e.detach().zero_(), e)[1])(x.exp()),
    # under no_grad the version still moves
    "no_grad change": lambda lib, x, y: (lambda e: (_under_no_grad(lib, lambda: e.mul_(2)), e)[1])(x.sigmoid()),
    # an in-place op reading its own saved output
    "twice in place": lambda lib, x, y: (lambda h: (h.mul_(y), h.mul_(2), h)[2])(x.tanh()),
}


def _under_no_grad(lib, fn):
    with lib.no_grad():
        fn()


@pytest.mark.parametrize("case", sorted(MODIFIED_SAVED))
def test_inplace_change_of_a_saved_tensor_raises_never_a_wrong_gradient(case):
    outcomes = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = lib.tensor([1.5, 2.0, -0.5], requires_grad=True)
        out = MODIFIED_SAVED[case](lib, x, y)
        try:
            out.sum().backward()
            outcomes.append((x.grad.numpy().copy(), y.grad.numpy().copy() if y.grad is not None else None))
        except RuntimeError as error:
            assert SAVED_MESSAGE in str(error)
            outcomes.append("raised")
    if outcomes[1] == "raised":
        assert outcomes[0] == "raised", f"{case}: torch raises, minigrad computed {outcomes[0]}"
    else:
        assert outcomes[0] != "raised", f"{case}: torch computes a gradient, minigrad raised"
        for m, t in zip(*outcomes):
            if t is not None:
                np.testing.assert_allclose(m, t, rtol=1e-6)


LEGAL_INPLACE = {
    "add then mul": lambda lib, x, y: _chain(x * 2, lambda h: (h.__iadd__(y), h.mul_(3))),
    "mul by tensor": lambda lib, x, y: _chain(x * 2, lambda h: (h.mul_(y),)),
    "sub_ alpha": lambda lib, x, y: _chain(x.exp() + 1, lambda h: (h.sub_(y, alpha=3),)),
    "zero then use": lambda lib, x, y: _chain(x * 1, lambda h: (h.zero_(), h.add_(y))),
    "fill": lambda lib, x, y: _chain(x + y, lambda h: (h.fill_(2.0), h.mul_(y))),
    "copy_ from graph": lambda lib, x, y: _chain(x * 1, lambda h: (h.copy_(y * y),)),
    "copy_ broadcast": lambda lib, x, y: _chain(x * 1, lambda h: (h.copy_(y.sum()),)),
    "non-grad tensor += grad": lambda lib, x, y: _chain(lib.zeros(3), lambda h: (h.__iadd__(x * y),)),
    "exp then in place on consumer": lambda lib, x, y: _chain(x.exp() * 1, lambda h: (h.add_(1),)),
    "retained grad moves": lambda lib, x, y: _retained_chain(x, y),
}


def _chain(h, steps):
    steps(h)
    return (h * h).sum(), None


def _retained_chain(x, y):
    h = x * 2
    h.retain_grad()
    h.mul_(y)  # h.grad now means ∂L/∂(h after mul_)
    return (h * h).sum(), h


@pytest.mark.parametrize("case", sorted(LEGAL_INPLACE))
def test_legal_inplace_ops_give_torchs_gradients(case):
    grads = []
    for lib in (minigrad, torch):
        x = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        y = lib.tensor([1.5, 2.0, -0.5], requires_grad=True)
        loss, retained = LEGAL_INPLACE[case](lib, x, y)
        loss.backward()
        grads.append([g.numpy().copy() for g in (x.grad, y.grad, retained.grad if retained is not None else None) if g is not None])
    assert len(grads[0]) == len(grads[1])
    for m, t in zip(*grads):
        np.testing.assert_allclose(m, t, rtol=1e-6)


def test_inplace_mul_by_itself_gives_the_true_gradient():
    """torch refuses ``h.mul_(h)`` (its saved ``other`` is overwritten); minigrad's node keeps a
    copy of the old values it saved, so it gives the gradient of h ← h · h."""
    x = minigrad.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = x * 1
    h.mul_(h)
    h.sum().backward()
    t = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (t * t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_inplace_makes_a_non_leaf_with_torchs_node_chain():
    for lib in (minigrad, torch):
        x = lib.tensor([1.0], requires_grad=True)
        h = lib.zeros(1)
        assert h.is_leaf and not h.requires_grad
        h.add_(x)  # a tensor that did not require grad now does, through the graph
        assert not h.is_leaf and h.requires_grad and h.grad_fn.name() == "AddBackward0"


def test_running_loss_accumulates_a_zero_dim_tensor_and_prints_like_torch():
    texts = []
    for lib in (minigrad, torch):
        w = lib.tensor([1.25, -0.5], requires_grad=True)
        running_loss = 0.0
        for step in range(3):
            loss = ((w * (step + 1)) ** 2).mean()
            running_loss += loss
        texts.append(repr(running_loss))
        assert running_loss.dim() == 0 and running_loss.requires_grad
        assert f"{running_loss:.3f}" == f"{running_loss.item():.3f}"
        running_loss = 0.0
        running_loss += loss.item()  # the usual idiom: a float
        assert isinstance(running_loss, float)
    assert texts[0] == texts[1].replace("torch", "minigrad")


# -- views and in-place ops: torch rewrites the graph of a base and its views -----------------------


def run_both(program):
    """``program(lib)`` with lib = minigrad, then torch; returns both results."""
    return program(minigrad), program(torch)


def assert_same(mg, t, what="value"):
    assert_close(np.asarray(mg.detach().numpy() if mg is not None else np.nan), t.detach().numpy() if t is not None else np.nan, np.float64, what)


def test_inplace_on_a_base_reaches_its_live_views():
    def program(lib):  # the reproducer: v's node must be remade from y's new one
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        v = y[1:]
        y.mul_(10)
        v.sum().backward()
        return x.grad

    mg, t = run_both(program)
    assert_same(mg, t)
    assert mg.tolist() == [0.0, 10.0, 10.0]


def test_inplace_on_a_view_rewrites_the_base():
    def program(lib):
        x = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        y = x * 2
        row = y[1]
        row.mul_(x[0])  # the base y becomes CopySlices: x[0] reaches y[1] through the write
        y.t()[0].add_(7)  # a view of a view: a column of y
        weights = lib.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]], dtype=lib.float64)
        (y * weights).sum().backward()
        return y, row, x.grad

    (mg_y, mg_row, mg_grad), (t_y, t_row, t_grad) = run_both(program)
    assert_same(mg_y, t_y)
    assert_same(mg_row, t_row)
    assert_same(mg_grad, t_grad, "x.grad")
    assert mg_y.grad_fn.name().endswith("CopySlices")


def test_a_view_of_a_base_that_starts_requiring_grad_requires_grad():
    def program(lib):
        w = lib.ones(3, dtype=lib.float64, requires_grad=True)
        b = lib.zeros(3, dtype=lib.float64)
        v = b[1:]
        b.add_(w * 3)
        assert v.requires_grad and v.grad_fn is not None
        (v * lib.tensor([2.0, 5.0], dtype=lib.float64)).sum().backward()
        return w.grad

    assert_same(*run_both(program))


def test_elementwise_inplace_through_integer_indexing_writes_the_tensor():
    def fill(lib):
        x = lib.zeros(3)
        before = x._version
        x[1].fill_(5.0)
        x[2].add_(7.0)
        assert x._version != before  # the writes bump the shared version counter
        return x

    assert_same(*run_both(fill))

    def non_leaf(lib):  # the value and the gradient both go through y[1]
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 2
        y[1].mul_(3.0)
        y.backward(lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64))
        return y, x.grad

    (mg_y, mg_grad), (t_y, t_grad) = run_both(non_leaf)
    assert_same(mg_y, t_y)
    assert_same(mg_grad, t_grad, "x.grad")

    def init_code(lib):  # what init functions do to a parameter
        w = lib.zeros(2, 3, requires_grad=True)
        with lib.no_grad():
            w[0, 1].fill_(4.0)
            w[lib.tensor(1), 2].fill_(-1.0)
        return w

    assert_same(*run_both(init_code))


def test_inplace_refusals_name_the_view_and_what_to_do():
    for lib in (minigrad, torch):
        leaf = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place"):
            leaf[1:].mul_(2)
        y = leaf * 1
        with lib.no_grad():
            view = y[1:]
        with pytest.raises(RuntimeError, match="A view was created in no_grad mode and is being modified inplace"):
            view.add_(1)
        expanded = lib.zeros(3).expand(2, 3)
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
            expanded.add_(1)


def test_writing_one_row_of_an_expanded_view_writes_the_base():
    def program(lib):
        x = lib.zeros(3)
        x.expand(2, 3)[0].fill_(1.0)
        return x

    assert_same(*run_both(program))


def test_contiguous_copies_a_non_contiguous_tensor():
    def program(lib):
        x = lib.arange(6.0).reshape(2, 3)
        c = x.t().contiguous()
        assert c.is_contiguous() and not x.t().is_contiguous() and x.contiguous() is x
        c.add_(100)
        return x

    mg, t = run_both(program)
    assert_same(mg, t)
    assert mg.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


@settings(deadline=None)
@given(
    shape=st.sampled_from([(3, 4), (2, 3, 4), (4,)]),
    view=st.sampled_from(["row", "column", "slice", "t_row", "reshape", "unsqueeze", "element"]),
    op=st.sampled_from(["mul_", "add_", "fill_", "zero_", "copy_", "setitem", "clamp_"]),
    on_base=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_inplace_on_views_and_bases_matches_torch(shape, view, op, on_base, seed):
    """A view of an intermediate tensor, then an in-place op on the view (or on its base); the
    result, the view and the leaf's gradient under a random upstream gradient agree with torch."""
    rng = np.random.default_rng(seed)
    x0, other0, up = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)

    def make_view(lib, y):
        if view == "row" or y.ndim == 1:
            return y[1:] if view != "element" else y[(1,) * y.ndim]
        return {
            "column": lambda: y[..., 1],
            "slice": lambda: y[..., ::2],
            "t_row": lambda: y.transpose(0, -1)[1],
            "reshape": lambda: y.reshape(-1)[1:5],
            "unsqueeze": lambda: y.unsqueeze(0)[0, 1:],
            "element": lambda: y[(1,) * y.ndim],
        }[view]()

    def apply(lib, target, other):
        other = other.reshape(-1)[: target.numel()].reshape(target.shape)  # target's shape, from other's values
        if op == "mul_":
            return target.mul_(other)
        if op == "add_":
            return target.add_(other * 2)
        if op == "fill_":
            return target.fill_(0.5)
        if op == "zero_":
            return target.zero_()
        if op == "copy_":
            return target.copy_(other)
        if op == "clamp_":
            return target.clamp_(-0.3, 0.4)
        target[...] = other
        return target

    def program(lib):
        x = lib.tensor(x0, requires_grad=True)
        other = lib.tensor(other0, requires_grad=True)
        y = x.exp()  # exp saves its output: a write into y must not corrupt ExpBackward's saved value
        y = y * 1
        v = make_view(lib, y)
        apply(lib, y if on_base else v, other)
        out = y * 3 + v.sum()
        out.backward(lib.tensor(up))
        return y, v, x.grad, other.grad

    for name, mg, t in zip(["y", "view", "x.grad", "other.grad"], *run_both(program)):
        if t is None:
            assert mg is None or not mg.detach().numpy().any(), name
        else:
            assert mg is not None, f"{name}: minigrad gave no gradient, torch {t}"
            assert_same(mg, t, name)


@pytest.mark.parametrize("method", ["normal_", "uniform_"])
def test_random_fills_follow_inplace_rules(method):
    for lib in (minigrad, torch):
        w = lib.zeros(3, requires_grad=True)
        with pytest.raises(RuntimeError, match=LEAF_MESSAGE):
            getattr(w, method)()
        with lib.no_grad():
            assert getattr(w, method)() is w
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        h = x * 2
        getattr(h, method)()  # the old values of h no longer matter: x gets no gradient
        (h * 3).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_a_kernel_result_is_contiguous_and_its_views_write_through_as_in_torch():
    """conv2d's kernel keeps its result channels-last in memory; torch's result is contiguous, so
    ``view`` works on it and writes through the view reach it (found by the composition fuzzer)."""

    def program(lib):
        out = lib.nn.functional.conv2d(lib.ones(2, 3, 4, 4, dtype=lib.float64), lib.ones(5, 3, 1, 1, dtype=lib.float64))
        assert out.is_contiguous()
        flat = out.view(2, -1)
        flat[:, :3] = 0.0
        return out

    assert_same(*run_both(program))


def test_writes_through_an_expanded_view_as_torch():
    """``e[0] = v`` into an expanded view writes the one shared element, and gradients follow;
    ``e[:] = e`` changes nothing; ``leaf.copy_(leaf)`` is still an in-place op on a leaf."""

    def program(lib):
        base = lib.tensor(0.0, dtype=lib.float64) + 0
        e = base.expand(2)
        v = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        e[0] = v
        (base * 2).backward()
        with lib.no_grad():
            e[:] = e
        return base, v.grad

    for mg, t in zip(*run_both(program)):
        assert_same(mg, t)
    for lib in (minigrad, torch):
        leaf = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
            leaf.copy_(leaf)


def test_a_write_through_a_whole_view_reaches_a_transposed_gradient():
    """The fuzzer's find: the base's gradient arrived transposed in memory, and the region the view
    overwrote was looked up on a copy of it; it kept its gradient (x.grad 2 where torch gives 1)."""

    def program(lib):
        x = lib.zeros(2, 3, requires_grad=True)
        base = x.clone()
        base.flatten(0, 1).add_(2)
        base.transpose(0, 1).backward(lib.ones(3, 2))
        y = lib.arange(6.0).reshape(2, 3).requires_grad_()
        b = y * 1
        b.t()[1].mul_(5)
        b.t().backward(lib.arange(6.0).reshape(3, 2))
        return x.grad, y.grad

    for mg, t in zip(*run_both(program)):
        assert_same(mg, t)


@pytest.mark.filterwarnings("ignore:Use of index_put_ on expanded tensors is deprecated")
@pytest.mark.parametrize("key", [[0], [0, 1], "mask"])
def test_index_put_through_an_expanded_view_of_a_base_that_needs_no_gradient(key):
    """e = y.expand(2); e[[0, 1]] = v: both positions are one memory location. When y's old value
    needs no gradient, torch's backward works and v gets grad from each position (the long fuzz
    run's find: minigrad refused); when it does, both refuse (test_inplace_refusals_...)."""

    def program(lib):
        y = lib.zeros(1, dtype=lib.float64)
        v = lib.tensor([3.0], dtype=lib.float64, requires_grad=True)
        index = lib.tensor([True, False]) if key == "mask" else key
        y.expand(2)[index] = v.expand(len(key)) if key != "mask" else v
        (y * 2).sum().backward()
        return y, v.grad

    (mg_y, mg_grad), (t_y, t_grad) = run_both(program)
    assert_same(mg_y, t_y)
    assert_same(mg_grad, t_grad, "v.grad")


def test_fill_with_a_0d_tensor_sends_it_the_gradient():
    def program(lib):
        w = lib.tensor([5.0, 6.0], requires_grad=True)
        v = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
        y = w * 1
        y.fill_(v)
        (y * lib.tensor([1.0, 2.0])).sum().backward()
        return y, v.grad, w.grad

    for mg, t in zip(*run_both(program)):
        assert_same(mg, t)
    for lib in (minigrad, torch):
        with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
            lib.zeros(2).fill_(lib.ones(2))
