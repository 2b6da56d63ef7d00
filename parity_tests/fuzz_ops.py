"""The op table and the interpreter of the composition fuzzer (``test_fuzz_compositions.py``).

A *program* is a few input arrays (the leaves) and a list of ``Step``s. A step names an op in
``OPS``, the indices of its operands among the values computed so far (``env``) and its options.
Options are plain data: numbers, slices, lists, and three markers the interpreter turns into
tensors of the library it runs: ``Ref(i)`` (the value ``env[i]``), ``Leaf(array)`` (a new input
that requires grad; its gradient is compared too) and ``Const(array)`` (a tensor that does not).

``execute(lib, program)`` runs a program with ``lib`` = ``minigrad`` or ``torch``: the very same
steps, so the two runs can be compared value by value, then gradient by gradient.

Each op is an ``Op``: ``draw(draw, ctx, *operands)`` picks options that suit the operands (torch
tensors, already computed while the program is being drawn) or returns ``None`` when the op does
not apply to them; ``run(lib, *operands, **options)`` applies it. ``programs()`` draws a program:
leaves, then steps one by one (each run at once in torch, so the next step sees real shapes and a
step that raises in torch ends the program), then an ending (how backward is called).
"""

import contextlib
import operator
import os
from dataclasses import dataclass, field

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strategies import prime_factors, values

def example_budget():
    """``max_examples`` from ``MINIGRAD_FUZZ_EXAMPLES`` (for long runs), as keyword arguments for
    ``settings(...)``; empty when unset, so the loaded profile's budget applies."""
    count = os.environ.get("MINIGRAD_FUZZ_EXAMPLES")
    return dict(max_examples=int(count)) if count else {}


# -- comparing one value ---------------------------------------------------------------------------


def as_numpy(tensor):
    return tensor.detach().numpy() if isinstance(tensor, torch.Tensor) else tensor.numpy(force=True)


def dtype_name(tensor):
    return str(tensor.dtype).rpartition(".")[2]


def assert_same_values(actual, expected, what, scaled=True):
    """Same shape, NaN/+inf/-inf at exactly the same places, finite values close: float64 rtol
    1e-7, float32 rtol 1e-4 / atol 1e-5, atol (float64: 1e-10) times 1 + the largest finite
    magnitude when ``scaled`` (long compositions add rounding)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    if expected.dtype.kind != "f":
        np.testing.assert_array_equal(actual, expected, err_msg=what)
        return
    for mask in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(mask(actual), mask(expected), err_msg=f"{what}: {mask.__name__} positions")
    finite = np.isfinite(expected)
    scale = 1.0 + (np.abs(expected[finite]).max() if finite.any() and scaled else 0.0)
    rtol, atol = (1e-7, 1e-10 * scale) if expected.dtype == np.float64 else (1e-4, 1e-5 * scale)
    np.testing.assert_allclose(actual[finite], expected[finite], rtol=rtol, atol=atol, err_msg=what)


# -- markers the interpreter turns into tensors ------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """The value computed by an earlier step (or a leaf): ``env[index]``."""

    index: int


@dataclass(frozen=True, eq=False)
class Leaf:
    """A new input tensor that requires grad (when it is a float array)."""

    array: np.ndarray

    def __repr__(self):
        return f"Leaf({self.array.tolist()!r}, dtype={self.array.dtype})"


@dataclass(frozen=True, eq=False)
class Const:
    """A tensor that does not require grad: an index, a mask, a target, a weight."""

    array: np.ndarray

    def __repr__(self):
        return f"Const({self.array.tolist()!r}, dtype={self.array.dtype})"


@dataclass(frozen=True, eq=False)
class Buffer:
    """A tensor that does not require grad and that the op may update in place (batch_norm's
    running statistics): compared after the run, as the values are."""

    array: np.ndarray

    def __repr__(self):
        return f"Buffer({self.array.tolist()!r}, dtype={self.array.dtype})"


@dataclass(frozen=True, eq=False)
class Module:
    """A layer ``lib.nn.<name>(*args, **kwargs)`` in train or eval mode, its parameters and buffers
    first set to ``state`` (name -> array); its parameters join the leaves (their gradients are
    compared) and its buffers the ``Buffer``s."""

    name: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    training: bool = True
    state: dict = field(default_factory=dict)
    dtype: str = None  # "float32"/"float64": the dtype= its parameters and buffers are made with

    def __repr__(self):
        state = {k: v.tolist() for k, v in self.state.items()}
        dtype = f", dtype={self.dtype}" if self.dtype else ""
        return f"Module(nn.{self.name}(*{self.args!r}, **{self.kwargs!r}{dtype}), training={self.training}, state={state!r})"


@dataclass
class Step:
    op: str
    operands: tuple
    options: dict
    no_grad: bool = False  # run this step inside ``lib.no_grad()``

    def __repr__(self):
        options = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        return f"{'no_grad ' if self.no_grad else ''}{self.op}({', '.join(f'env[{i}]' for i in self.operands)}; {options})"


@dataclass
class Ending:
    """How the program ends. ``kind``: "none" (forward only), "backward", "backward_twice"
    (retain_graph=True, then again: gradients add up), "grad" (autograd.grad on ``wrt`` leaves),
    "two_sum" (two outputs weighted and summed, one backward), "two_seq" (one backward per output)."""

    kind: str
    outputs: tuple = ()
    upstreams: tuple = ()
    wrt: tuple = ()


@dataclass
class Program:
    leaves: list  # numpy arrays; float ones require grad unless listed in ``frozen``
    steps: list
    ending: Ending = None
    frozen: tuple = ()
    raises_at: int = None  # the step torch raised at (the program's last step), if any

    def __repr__(self):
        lines = [f"env[{i}] = leaf {a.dtype} {a.tolist()!r}{' (no grad)' if i in self.frozen else ''}" for i, a in enumerate(self.leaves)]
        lines += [f"env[{len(self.leaves) + i}] = {s!r}" for i, s in enumerate(self.steps)]
        lines.append(f"ending: {self.ending}")
        return "\n".join(lines)


# -- the interpreter ---------------------------------------------------------------------------------


@dataclass
class Run:
    """One library's run of a program: every value, every leaf (inputs and ``Leaf`` options),
    the gradients autograd.grad returned, and the exception that stopped it (with its step)."""

    env: list = field(default_factory=list)
    leaves: list = field(default_factory=list)
    grads: tuple = ()
    buffers: list = field(default_factory=list)  # the ``Buffer``s and the modules' buffers
    error: BaseException = None
    error_at: object = None  # a step number, or "ending"


def new_leaf(lib, array, requires_grad=True):
    return lib.tensor(array, requires_grad=requires_grad and array.dtype.kind == "f")


def materialize(lib, value, run):
    """``value`` with its markers replaced by ``lib`` tensors (new leaves are recorded in ``run``)."""
    if isinstance(value, Ref):
        return run.env[value.index]
    if isinstance(value, Leaf):
        run.leaves.append(new_leaf(lib, value.array))
        return run.leaves[-1]
    if isinstance(value, Const):
        return lib.tensor(value.array)
    if isinstance(value, Buffer):
        run.buffers.append(lib.tensor(value.array))
        return run.buffers[-1]
    if isinstance(value, Module):
        return make_module(lib, value, run)
    if isinstance(value, tuple):
        return tuple(materialize(lib, v, run) for v in value)
    if isinstance(value, list):
        return [materialize(lib, v, run) for v in value]
    return value


def make_module(lib, spec, run):
    kwargs = dict(spec.kwargs, dtype=getattr(lib, spec.dtype)) if spec.dtype else spec.kwargs
    module = getattr(lib.nn, spec.name)(*spec.args, **kwargs)
    module.train(spec.training)
    with lib.no_grad():
        for name, array in spec.state.items():
            getattr(module, name).copy_(lib.tensor(array))
    run.leaves.extend(module.parameters())
    run.buffers.extend(module.buffers())
    return module


def run_step(lib, step, run):
    operands = [run.env[i] for i in step.operands]
    options = {k: materialize(lib, v, run) for k, v in step.options.items()}
    with lib.no_grad() if step.no_grad else contextlib.nullcontext():
        out = OPS[step.op].run(lib, *operands, **options)
    run.env.append(out)


def start(lib, program):
    run = Run()
    for i, array in enumerate(program.leaves):
        run.leaves.append(new_leaf(lib, array, requires_grad=i not in program.frozen))
        run.env.append(run.leaves[-1])
    return run


def execute(lib, program, on_step=None):
    """Run ``program`` with ``lib``; an exception is kept in the returned ``Run``, not raised.
    ``on_step(run)`` is called after each step (the torch run uses it to hook gradients)."""
    run = start(lib, program)
    for number, step in enumerate(program.steps):
        try:
            run_step(lib, step, run)
        except Exception as error:  # noqa: BLE001 -- the other library must raise too
            run.error, run.error_at = error, number
            return run
        if on_step:
            on_step(run)
    try:
        finish(lib, program.ending, run)
    except Exception as error:  # noqa: BLE001
        run.error, run.error_at = error, "ending"
    return run


def finish(lib, ending, run):
    outs = [run.env[i] for i in ending.outputs]
    ups = [lib.tensor(u) for u in ending.upstreams]
    if ending.kind == "backward":
        outs[0].backward(ups[0])
    elif ending.kind == "backward_twice":
        outs[0].backward(ups[0], retain_graph=True)
        outs[0].backward(ups[0])
    elif ending.kind == "grad":
        run.grads = lib.autograd.grad(outs[0], [run.leaves[i] for i in ending.wrt], ups[0], allow_unused=True)
    elif ending.kind == "two_sum":
        ((outs[0] * ups[0]).sum() + (outs[1] * ups[1]).sum()).backward()
    elif ending.kind == "two_seq":
        outs[0].backward(ups[0], retain_graph=True)
        outs[1].backward(ups[1])


# -- the op table ------------------------------------------------------------------------------------


@dataclass
class Op:
    name: str
    draw: object  # (draw, ctx, *operands) -> options dict, or None when the op does not apply
    run: object  # (lib, *operands, **options) -> tensor
    arity: int = 1
    weight: int = 1


OPS = {}


def op(name, arity=1, weight=1):
    """Register ``run`` under ``name``; the function decorated is the op's ``draw``."""

    def register(draw_fn):
        def decorate(run_fn):
            OPS[name] = Op(name, draw_fn, run_fn, arity, weight)
            return run_fn

        return decorate

    return register


@dataclass
class Context:
    """What an op's ``draw`` may look at: the torch values so far and the program's float dtype."""

    env: list
    dtype: np.dtype

    def float_array(self, draw, shape, positive=False):
        low = 0.25 if positive else -4.0
        return draw(hnp.arrays(self.dtype, shape, elements=values(low, 4.0)))

    def refs_shaped(self, shape):
        return [i for i, v in enumerate(self.env) if is_float(v) and tuple(v.shape) == tuple(shape)]


def is_float(value):
    return isinstance(value, torch.Tensor) and value.is_floating_point()


def shape_of(x):
    return tuple(x.shape)


def draw_dim(draw, ndim, extra=0):
    """A valid dim for ``ndim`` axes, negative half the time."""
    size = max(ndim + extra, 1)
    d = draw(st.integers(0, size - 1))
    return d - size if draw(st.booleans()) else d


def broadcastable_shape(draw, shape):
    """A shape that broadcasts with ``shape`` (some of its axes set to 1, a prefix dropped, or one
    extra leading axis)."""
    axes = [1 if draw(st.integers(0, 3)) == 0 else n for n in shape]
    drop = draw(st.integers(0, len(axes)))
    axes = axes[drop:]
    if draw(st.integers(0, 5)) == 0:
        axes = [draw(st.integers(1, 2))] + axes
    return tuple(axes)


def tensor_operand(draw, ctx, shape):
    """A second tensor operand for an op on a value of ``shape``: an earlier value with that
    shape, a new leaf or a constant of a shape that broadcasts with it."""
    same = ctx.refs_shaped(shape)
    kind = draw(st.sampled_from(["ref", "leaf", "const"] if same else ["leaf", "const"]))
    if kind == "ref":
        return Ref(draw(st.sampled_from(same)))
    other_shape = broadcastable_shape(draw, shape)
    array = ctx.float_array(draw, other_shape)
    return Leaf(array) if kind == "leaf" else Const(array)


SCALARS = [2, 3, -1, 0, 0.5, -1.5, 2.5, 1e-3]


# -- arithmetic ----------------------------------------------------------------------------------------

ARITHMETIC = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv, "pow": operator.pow}


@op("arith", weight=4)
def draw_arith(draw, ctx, x):
    name = draw(st.sampled_from(sorted(ARITHMETIC)))
    other = draw(st.sampled_from(SCALARS)) if draw(st.booleans()) else tensor_operand(draw, ctx, shape_of(x))
    return dict(name=name, other=other, reverse=draw(st.booleans()))


@draw_arith
def run_arith(lib, x, name, other, reverse):
    return ARITHMETIC[name](other, x) if reverse else ARITHMETIC[name](x, other)


@op("method_arith")
def draw_method_arith(draw, ctx, x):
    return dict(name=draw(st.sampled_from(["add", "sub"])), other=tensor_operand(draw, ctx, shape_of(x)), alpha=draw(st.sampled_from([1, 2, -0.5])))


@draw_method_arith
def run_method_arith(lib, x, name, other, alpha):
    return getattr(x, name)(other, alpha=alpha)


# -- unary -----------------------------------------------------------------------------------------------

UNARY = ["exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "neg", "reciprocal"]


@op("unary", weight=3)
def draw_unary(draw, ctx, x):
    return dict(name=draw(st.sampled_from(UNARY)), as_function=draw(st.booleans()))


@draw_unary
def run_unary(lib, x, name, as_function):
    return getattr(lib, name)(x) if as_function else getattr(x, name)()


@op("clamp", weight=2)
def draw_clamp(draw, ctx, x):
    bound = st.sampled_from([None, -1.0, 0.0, 0.5, 2.0])
    low, high = draw(bound), draw(bound)
    if low is None and high is None:
        low = 0.0
    return dict(low=low, high=high)


@draw_clamp
def run_clamp(lib, x, low, high):
    return x.clamp(min=low, max=high)


@op("activation")
def draw_activation(draw, ctx, x):
    return dict(name=draw(st.sampled_from(["relu", "sigmoid", "tanh"])))


@draw_activation
def run_activation(lib, x, name):
    return getattr(lib.nn.functional, name)(x)


# -- reductions -----------------------------------------------------------------------------------------


@op("reduce", weight=3)
def draw_reduce(draw, ctx, x):
    name = draw(st.sampled_from(["sum", "mean", "var", "max", "min", "amax", "amin"]))
    keepdim = draw(st.booleans())
    if x.ndim == 0 or draw(st.integers(0, 3)) == 0:
        return dict(name=name, dim=None, keepdim=False)
    if name in ("max", "min") or draw(st.booleans()):
        return dict(name=name, dim=draw_dim(draw, x.ndim), keepdim=keepdim)
    dims = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
    return dict(name=name, dim=tuple(dims), keepdim=keepdim)


@draw_reduce
def run_reduce(lib, x, name, dim, keepdim):
    if dim is None:
        return getattr(x, name)()
    out = getattr(x, name)(dim, keepdim=keepdim)
    return out.values if name in ("max", "min") else out


@op("binary_extreme")
def draw_binary_extreme(draw, ctx, x):
    return dict(name=draw(st.sampled_from(["maximum", "minimum"])), other=tensor_operand(draw, ctx, shape_of(x)))


@draw_binary_extreme
def run_binary_extreme(lib, x, name, other):
    return getattr(lib, name)(x, other)


# -- views -------------------------------------------------------------------------------------------------


def draw_view_options(draw, x):
    """One view of ``x``: (method name, args)."""
    ndim = x.ndim
    choices = ["reshape", "view", "flatten", "unsqueeze", "expand", "squeeze"]
    if ndim >= 1:
        choices += ["transpose", "permute", "narrow", "split", "chunk"]
    if ndim <= 2:
        choices.append("t")
    name = draw(st.sampled_from(choices))
    if name in ("reshape", "view"):
        new = [1] * draw(st.integers(1, 4))
        for p in prime_factors(x.numel()):
            new[draw(st.integers(0, len(new) - 1))] *= p
        if x.numel() == 0:
            new[0] = 0
        if draw(st.booleans()):
            new[draw(st.integers(0, len(new) - 1))] = -1
        return name, tuple(new)
    if name == "flatten":
        if ndim == 0:
            return name, ()
        a, b = sorted((draw(st.integers(0, ndim - 1)), draw(st.integers(0, ndim - 1))))
        return name, (a, b)
    if name == "unsqueeze":
        return name, (draw_dim(draw, ndim, extra=1),)
    if name == "squeeze":
        return name, () if ndim == 0 or draw(st.booleans()) else (draw_dim(draw, ndim),)
    if name == "expand":
        sizes = [draw(st.integers(2, 3)) if n == 1 else (-1 if draw(st.booleans()) else n) for n in x.shape]
        return name, tuple([draw(st.integers(1, 2))] * draw(st.integers(0 if ndim else 1, 1)) + sizes)
    if name == "transpose":
        return name, (draw_dim(draw, ndim), draw_dim(draw, ndim))
    if name == "permute":
        return name, tuple(draw(st.permutations(range(ndim))))
    if name == "narrow":
        dim = draw_dim(draw, ndim)
        size = x.shape[dim]
        start = draw(st.integers(-size, size))
        return name, (dim, start, draw(st.integers(0, size - (start % size if size and start < 0 else start))))
    if name in ("split", "chunk"):  # (split size, sizes or chunk count, dim, which piece)
        dim = draw_dim(draw, ndim)
        size = x.shape[dim]
        if name == "chunk":
            pieces = draw(st.integers(1, 3))
            count = len(range(0, size, -(-size // pieces))) if size else pieces
        elif draw(st.booleans()) and size:
            cuts = sorted(draw(st.lists(st.integers(0, size), max_size=2)))
            pieces = [b - a for a, b in zip([0, *cuts], [*cuts, size])]
            count = len(pieces)
        else:
            pieces = draw(st.integers(1, 3)) if size else draw(st.integers(0, 1))
            count = max(-(-size // pieces), 1) if pieces else 1
        return name, (pieces, dim, draw(st.integers(0, count - 1)))
    return name, ()


def apply_view(x, name, args):
    if name in ("split", "chunk"):  # one of the views it returns
        *args, piece = args
        return getattr(x, name)(*args)[piece]
    return getattr(x, name)(*args)


@op("view", weight=4)
def draw_view(draw, ctx, x):
    name, args = draw_view_options(draw, x)
    return dict(name=name, args=args)


@draw_view
def run_view(lib, x, name, args):
    return apply_view(x, name, args)


@op("function_view")
def draw_function_view(draw, ctx, x):
    if x.ndim == 0:
        return None
    name = draw(st.sampled_from(["reshape", "permute", "transpose", "flatten", "squeeze", "unsqueeze"]))
    if name == "reshape":
        return dict(name=name, args=(tuple(reversed(x.shape)),))
    if name == "permute":
        return dict(name=name, args=(tuple(draw(st.permutations(range(x.ndim)))),))
    if name == "transpose":
        return dict(name=name, args=(draw_dim(draw, x.ndim), draw_dim(draw, x.ndim)))
    if name == "flatten":
        return dict(name=name, args=(draw(st.integers(0, x.ndim - 1)),))
    return dict(name=name, args=(draw_dim(draw, x.ndim, extra=name == "unsqueeze"),))


@draw_function_view
def run_function_view(lib, x, name, args):
    return getattr(lib, name)(x, *args)


# -- indexing ----------------------------------------------------------------------------------------------

INDEX_KINDS = ["slices", "int", "list", "tensor", "mask", "row_mask", "int_and_list", "ellipsis", "none",
               "list_of_lists", "uint8_mask", "empty_list"]


def draw_slice(draw, n):
    start = draw(st.one_of(st.none(), st.integers(-n - 1, n)))
    stop = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
    return slice(start, stop, draw(st.sampled_from([None, 1, 2])))


def draw_index_key(draw, x, kinds=INDEX_KINDS):
    """An index of ``x`` of a kind in ``kinds`` (the kinds that do not fit ``x`` are skipped);
    returns (kind, key) or None."""
    if x.ndim == 0:
        return None
    n = x.shape[0]
    if n == 0:
        kinds = [k for k in kinds if k in ("slices", "ellipsis", "none", "mask")]
    kind = draw(st.sampled_from(kinds))
    index = st.integers(-n, n - 1) if n else st.just(0)
    if kind == "slices":
        return kind, tuple(draw_slice(draw, m) for m in x.shape[: draw(st.integers(1, x.ndim))])
    if kind == "int":
        return kind, draw(index)
    if kind == "list":
        return kind, draw(st.lists(index, min_size=1, max_size=4))
    if kind == "tensor":
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
        return kind, Const(draw(hnp.arrays(np.int64, shape, elements=index)))
    if kind == "mask":
        return kind, Const(draw(hnp.arrays(np.bool_, x.shape)))
    if kind == "row_mask":
        return kind, Const(draw(hnp.arrays(np.bool_, (n,))))
    if kind == "uint8_mask":
        return kind, Const(draw(hnp.arrays(np.uint8, (n,), elements=st.integers(0, 1))))
    if kind == "int_and_list" and x.ndim >= 2 and x.shape[1]:
        m = x.shape[1]
        return kind, (draw(index), draw(st.lists(st.integers(-m, m - 1), min_size=1, max_size=3)))
    if kind == "ellipsis":
        return kind, (Ellipsis, draw_slice(draw, x.shape[-1]))
    if kind == "none":
        return kind, (None, draw(index) if n else slice(None))
    if kind == "list_of_lists":
        return kind, [draw(st.lists(index, min_size=1, max_size=2))] * (x.ndim if x.ndim <= 2 else 1)
    if kind == "empty_list":
        return kind, []
    return None


@op("index", weight=4)
def draw_index(draw, ctx, x):
    drawn = draw_index_key(draw, x)
    if drawn is None or drawn[1] is None:
        return None
    kind, key = drawn
    return dict(kind=kind, key=key)


@draw_index
def run_index(lib, x, kind, key):
    return x[key]


# -- in-place ----------------------------------------------------------------------------------------------

INPLACE = ["add_", "sub_", "mul_", "div_", "clamp_", "fill_", "zero_", "copy_", "setitem", "masked_fill_", "scatter_",
           "scatter_add_", "t_", "relu_", "relu(inplace)", "leaky_relu_", "leaky_relu(inplace)"]
TARGETS = ["clone", "self", "view_of_clone", "element_of_clone", "view_of_self"]


def target_view(draw, x):
    """A view of ``x`` to write into: (kind, key) for ``x[key]`` or ("view", (name, args))."""
    if x.ndim and x.shape[0] and draw(st.booleans()):
        return "index", draw_index_key(draw, x, ["slices", "int", "ellipsis"])
    return "view", draw_view_options(draw, x)


def take_view(x, view):
    kind, spec = view
    if kind == "index":
        return x[spec[1]]
    return apply_view(x, *spec)


@op("inplace", weight=7)
def draw_inplace(draw, ctx, x):
    target = draw(st.sampled_from(TARGETS))
    if target == "element_of_clone" and not (x.ndim and x.shape[0]):
        return None
    view = None
    if target in ("view_of_clone", "view_of_self"):
        view = target_view(draw, x)
        if view[0] == "index" and view[1] is None:
            return None
    elif target == "element_of_clone":
        view = ("index", ("int", draw(st.integers(-x.shape[0], x.shape[0] - 1))))
    try:
        probe = take_view(x.detach(), view) if view else x
    except Exception:  # noqa: BLE001 -- a view torch refuses: not a target
        return None
    method = draw(st.sampled_from(INPLACE))
    if method == "t_" and probe.ndim > 2:
        return None
    options = dict(target=target, view=view, method=method, args=())
    if method in ("add_", "sub_", "mul_", "div_"):
        arg = draw(st.sampled_from(SCALARS)) if draw(st.booleans()) else tensor_operand(draw, ctx, shape_of(probe))
        options["args"] = (arg,)
    elif method == "clamp_":
        options["args"] = (draw(st.sampled_from([None, -1.0, 0.0])), draw(st.sampled_from([0.5, 2.0])))
    elif method == "fill_":
        options["args"] = (draw(st.sampled_from([0.0, 1.5, -2.0])),)
    elif method == "copy_":
        options["args"] = (tensor_operand(draw, ctx, shape_of(probe)),)
    elif method == "setitem":
        drawn = draw_index_key(draw, probe, ["slices", "int", "list", "mask", "row_mask", "tensor"])
        if drawn is None or drawn[1] is None:
            return None
        kind, key = drawn
        selected = probe[materialize(torch, key, Run())]
        value = draw(st.sampled_from(SCALARS)) if draw(st.booleans()) else tensor_operand(draw, ctx, shape_of(selected))
        options["args"] = (key, value)
        options["key_kind"] = kind
    elif method == "masked_fill_":
        options["args"] = draw_mask_and_value(draw, ctx, probe, in_place=True)
    elif method in ("scatter_", "scatter_add_"):
        options["args"] = draw_scatter_args(draw, ctx, probe, add=method == "scatter_add_")
    elif method.startswith("leaky_relu"):
        options["args"] = (draw(st.sampled_from([0.01, 0.2, 0.0, 1.5, -0.5])),)
    return options


@draw_inplace
def run_inplace(lib, x, target, view, method, args, key_kind=None):
    base = x.clone() if target in ("clone", "view_of_clone", "element_of_clone") else x
    written = take_view(base, view) if view else base
    if method == "setitem":
        written[args[0]] = args[1]
    elif method == "clamp_":
        written.clamp_(min=args[0], max=args[1])
    elif method in ("scatter_", "scatter_add_"):
        scatter_into(written, method == "scatter_add_", *args, in_place=True)
    elif method == "relu_":
        lib.nn.functional.relu_(written)
    elif method == "relu(inplace)":
        lib.nn.functional.relu(written, inplace=True)
    elif method == "leaky_relu_":
        lib.nn.functional.leaky_relu_(written, *args)
    elif method == "leaky_relu(inplace)":
        lib.nn.functional.leaky_relu(written, *args, inplace=True)
    else:
        getattr(written, method)(*args)
    return base


# -- joining and selecting --------------------------------------------------------------------------------


@op("cat")
def draw_cat(draw, ctx, x):
    if x.ndim == 0:
        return None
    dim = draw_dim(draw, x.ndim)
    others = []
    for _ in range(draw(st.integers(1, 2))):
        shape = list(x.shape)
        shape[dim] = draw(st.integers(0, 2))
        same = ctx.refs_shaped(shape)
        if same and draw(st.booleans()):
            others.append(Ref(draw(st.sampled_from(same))))
        else:
            array = ctx.float_array(draw, tuple(shape))
            others.append(Leaf(array) if draw(st.booleans()) else Const(array))
    return dict(others=others, dim=dim, stack=False)


@draw_cat
def run_cat(lib, x, others, dim, stack):
    return (lib.stack if stack else lib.cat)([x, *others], dim=dim)


@op("stack")
def draw_stack(draw, ctx, x):
    return dict(others=[tensor_operand_same(draw, ctx, shape_of(x))], dim=draw_dim(draw, x.ndim, extra=1), stack=True)


def tensor_operand_same(draw, ctx, shape):
    same = ctx.refs_shaped(shape)
    if same and draw(st.booleans()):
        return Ref(draw(st.sampled_from(same)))
    return Leaf(ctx.float_array(draw, shape))


draw_stack(run_cat)  # stack runs as cat does (its options say stack=True)


@op("where")
def draw_where(draw, ctx, x):
    condition = Const(draw(hnp.arrays(np.bool_, broadcastable_shape(draw, shape_of(x)))))
    other = draw(st.sampled_from(SCALARS)) if draw(st.integers(0, 3)) == 0 else tensor_operand(draw, ctx, shape_of(x))
    return dict(condition=condition, other=other, swap=draw(st.booleans()))


@draw_where
def run_where(lib, x, condition, other, swap):
    if swap and not isinstance(other, (int, float)):
        return lib.where(condition, other, x)
    return lib.where(condition, x, other)


# -- matmul -----------------------------------------------------------------------------------------------


@op("matmul", weight=2)
def draw_matmul(draw, ctx, x):
    if x.ndim == 0 or x.ndim > 3:
        return None
    n = x.shape[-1]
    m = draw(st.integers(1, 3))
    shapes = [(n,), (n, m)]
    if x.ndim >= 2:
        shapes += [(1, n, m), (draw(st.integers(1, 2)), n, m)] if x.ndim == 2 else [(x.shape[0], n, m), (1, n, m), (n, m), (2, 1, n, m)]
    else:
        shapes.append((draw(st.integers(1, 2)), n, m))
    shape = draw(st.sampled_from(shapes))
    array = ctx.float_array(draw, shape)
    left = draw(st.booleans())
    if left:  # other @ x needs other's last axis to match x's first matrix axis
        rows = x.shape[-2] if x.ndim >= 2 else x.shape[0]
        shape = draw(st.sampled_from([(rows,), (m, rows), (2, m, rows)] if x.ndim < 3 else [(m, rows), (x.shape[0], m, rows)]))
        array = ctx.float_array(draw, shape)
    return dict(other=Leaf(array) if draw(st.booleans()) else Const(array), left=left, as_function=draw(st.booleans()))


@draw_matmul
def run_matmul(lib, x, other, left, as_function):
    a, b = (other, x) if left else (x, other)
    return lib.matmul(a, b) if as_function else a @ b


# -- softmax ---------------------------------------------------------------------------------------------


@op("softmax", weight=2)
def draw_softmax(draw, ctx, x):
    return dict(name=draw(st.sampled_from(["softmax", "log_softmax"])), dim=draw_dim(draw, x.ndim), how=draw(st.sampled_from(["method", "torch", "functional"])))


@draw_softmax
def run_softmax(lib, x, name, dim, how):
    if how == "method":
        return getattr(x, name)(dim)
    module = lib if how == "torch" else lib.nn.functional
    return getattr(module, name)(x, dim=dim)


# -- nn.functional layers -----------------------------------------------------------------------------------


@op("linear", weight=2)
def draw_linear(draw, ctx, x):
    if x.ndim == 0:
        return None
    features = draw(st.integers(1, 3))
    weight = Leaf(ctx.float_array(draw, (features, x.shape[-1])))
    bias = draw(st.sampled_from([None, "leaf", "const"]))
    if bias:
        array = ctx.float_array(draw, (features,))
        bias = Leaf(array) if bias == "leaf" else Const(array)
    return dict(weight=weight, bias=bias)


@draw_linear
def run_linear(lib, x, weight, bias):
    return lib.nn.functional.linear(x, weight, bias)


def spatial_ok(x):
    return x.ndim in (3, 4) and min(x.shape[-3:]) >= 1


@op("conv2d", weight=2)
def draw_conv2d(draw, ctx, x):
    if not spatial_ok(x):
        return None
    channels, h, w = x.shape[-3:]
    groups = draw(st.sampled_from([g for g in (1, 2, 3) if channels % g == 0]))
    out_channels = groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    options = dict(stride=draw(st.sampled_from([1, 2, (1, 2)])), padding=draw(st.sampled_from([0, 1, (1, 0)])), dilation=draw(st.sampled_from([1, 2])), groups=groups)
    weight = Leaf(ctx.float_array(draw, (out_channels, channels // groups, kh, kw)))
    bias = Leaf(ctx.float_array(draw, (out_channels,))) if draw(st.booleans()) else None
    return dict(weight=weight, bias=bias, **options)


@draw_conv2d
def run_conv2d(lib, x, weight, bias, **options):
    return lib.nn.functional.conv2d(x, weight, bias, **options)


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def pool_has_padding_only_window(size, kernel, stride, padding, dilation, ceil_mode):
    """Whether some max_pool2d window of one spatial axis covers only padding (torch 2.14 aborts
    on those: see TORCH_BEHAVIOUR.md)."""
    span = dilation * (kernel - 1) + 1
    count = (size + 2 * padding - span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (count - 1) * stride >= size + padding:
        count -= 1
    for o in range(max(count, 0)):
        taps = [o * stride - padding + t * dilation for t in range(kernel)]
        if not any(0 <= p < size for p in taps):
            return True
    return False


@op("max_pool2d", weight=2)
def draw_max_pool2d(draw, ctx, x):
    if not spatial_ok(x):
        return None
    kernel = draw(st.sampled_from([1, 2, 3, (2, 1)]))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    dilation = draw(st.sampled_from([1, 2]))
    padding = draw(st.integers(0, min(pair(kernel)) // 2))
    ceil_mode = draw(st.booleans())
    strides = pair(stride if stride is not None else kernel)
    for size, k, s in zip(x.shape[-2:], pair(kernel), strides):
        if pool_has_padding_only_window(size, k, s, padding, dilation, ceil_mode):
            return None
    return dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)


@draw_max_pool2d
def run_max_pool2d(lib, x, **options):
    return lib.nn.functional.max_pool2d(x, **options)


@op("pad")
def draw_pad(draw, ctx, x):
    if x.ndim == 0:
        return None
    mode = draw(st.sampled_from(["constant", "constant", "reflect", "replicate"]))
    if mode == "constant":
        pads = tuple(draw(st.integers(-1, 2)) for _ in range(2 * draw(st.integers(1, x.ndim))))
        return dict(pads=pads, mode=mode, value=draw(st.sampled_from([None, 0.0, -1.5])))
    if x.ndim not in (3, 4):  # torch pads the last 1 or 2 axes of a (batched) 3-D/4-D input here
        return None
    axes = draw(st.integers(1, 2))
    limit = [n - 1 if mode == "reflect" else 2 for n in reversed(x.shape[-axes:])]
    pads = tuple(draw(st.integers(0, max(lim, 0))) for lim in limit for _ in range(2))
    return dict(pads=pads, mode=mode, value=None)


@draw_pad
def run_pad(lib, x, pads, mode, value):
    if mode == "constant":
        return lib.nn.functional.pad(x, pads, mode=mode, value=value)
    return lib.nn.functional.pad(x, pads, mode=mode)


@op("dropout")
def draw_dropout(draw, ctx, x):
    return dict(p=draw(st.sampled_from([0.0, 0.5])), training=False) if draw(st.booleans()) else dict(p=0.0, training=True)


@draw_dropout
def run_dropout(lib, x, p, training):
    return lib.nn.functional.dropout(x, p=p, training=training)


@op("detach")
def draw_detach(draw, ctx, x):
    return dict(how=draw(st.sampled_from(["method", "function"])))


@draw_detach
def run_detach(lib, x, how):
    return x.detach() if how == "method" else lib.detach(x)


# -- losses -------------------------------------------------------------------------------------------------

REDUCTIONS = ["mean", "sum", "none"]


@op("regression_loss", weight=2)
def draw_regression_loss(draw, ctx, x):
    target = tensor_operand_same(draw, ctx, shape_of(x)) if draw(st.booleans()) else Const(ctx.float_array(draw, shape_of(x)))
    return dict(name=draw(st.sampled_from(["l1_loss", "mse_loss"])), target=target, reduction=draw(st.sampled_from(REDUCTIONS)), swap=draw(st.booleans()))


@draw_regression_loss
def run_regression_loss(lib, x, name, target, reduction, swap):
    a, b = (target, x) if swap else (x, target)
    return getattr(lib.nn.functional, name)(a, b, reduction=reduction)


@op("class_loss", weight=3)
def draw_class_loss(draw, ctx, x):
    """cross_entropy / nll_loss on x read as (N, C), (C,) or (N, C, d1...) class scores."""
    if x.ndim == 0 or 0 in x.shape:
        return None
    name = draw(st.sampled_from(["cross_entropy", "nll_loss"]))
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    target_shape = (x.shape[0], *x.shape[2:]) if x.ndim >= 2 else ()
    ignore_index = draw(st.sampled_from([-100, 0, 1]))
    options = dict(name=name, reduction=draw(st.sampled_from(REDUCTIONS)), ignore_index=ignore_index)
    options["weight"] = Const(ctx.float_array(draw, (classes,), positive=True)) if draw(st.booleans()) else None
    if name == "cross_entropy":
        options["label_smoothing"] = draw(st.sampled_from([0.0, 0.0, 0.1, 0.5]))
        if draw(st.integers(0, 3)) == 0:  # class probabilities (no ignore_index with those)
            probabilities = draw(hnp.arrays(ctx.dtype, x.shape, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
            options.update(target=Const(probabilities), ignore_index=-100)
            return options
    options["target"] = Const(draw(hnp.arrays(np.int64, target_shape, elements=st.integers(0, classes - 1))))
    return options


@draw_class_loss
def run_class_loss(lib, x, name, target, **options):
    return getattr(lib.nn.functional, name)(x, target, **options)


# -- more unary, reductions and sorting -------------------------------------------------------------------


@op("round")
def draw_round(draw, ctx, x):
    return dict(decimals=draw(st.sampled_from([None, None, 0, 1, -1, 2])), as_function=draw(st.booleans()))


@draw_round
def run_round(lib, x, decimals, as_function):
    options = {} if decimals is None else dict(decimals=decimals)
    return lib.round(x, **options) if as_function else x.round(**options)


@op("leaky_relu")
def draw_leaky_relu(draw, ctx, x):
    return dict(negative_slope=draw(st.sampled_from([None, 0.2, 0.0, 1.5, -0.5])))


@draw_leaky_relu
def run_leaky_relu(lib, x, negative_slope):
    if negative_slope is None:
        return lib.nn.functional.leaky_relu(x)
    return lib.nn.functional.leaky_relu(x, negative_slope)


def draw_dims(draw, x):
    """None, one dim or a tuple of distinct dims of ``x``."""
    if x.ndim == 0 or draw(st.integers(0, 2)) == 0:
        return None
    if draw(st.booleans()):
        return draw_dim(draw, x.ndim)
    return tuple(draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=x.ndim, unique_by=lambda d: d % x.ndim)))


@op("std", weight=2)
def draw_std(draw, ctx, x):
    options = dict(dim=draw_dims(draw, x), keepdim=draw(st.booleans()))
    how = draw(st.sampled_from(["default", "unbiased", "correction"]))
    if how == "unbiased":
        options["unbiased"] = draw(st.booleans())
    elif how == "correction":
        options["correction"] = draw(st.sampled_from([0, 1, 2]))
    return options


@draw_std
def run_std(lib, x, dim, keepdim, **options):
    if dim is None and not keepdim:
        return x.std(**options)
    return x.std(dim, keepdim=keepdim, **options)


NORMS = [2, 2, 1, float("inf"), float("-inf"), 0, 3, 0.5, -1, "fro"]


@op("norm", weight=2)
def draw_norm(draw, ctx, x):
    return dict(p=draw(st.sampled_from(NORMS)), dim=draw_dims(draw, x), keepdim=draw(st.booleans()), as_function=draw(st.booleans()))


@draw_norm
def run_norm(lib, x, p, dim, keepdim, as_function):
    return lib.norm(x, p, dim, keepdim) if as_function else x.norm(p, dim, keepdim)


@op("all_any")
def draw_all_any(draw, ctx, x):
    dim = draw_dim(draw, x.ndim) if x.ndim and draw(st.booleans()) else None
    return dict(name=draw(st.sampled_from(["all", "any"])), dim=dim, keepdim=draw(st.booleans()), as_function=draw(st.booleans()))


@draw_all_any
def run_all_any(lib, x, name, dim, keepdim, as_function):
    call = getattr(lib, name) if as_function else (lambda *a, **k: getattr(x, name)(*a[1:], **k))
    return call(x) if dim is None else call(x, dim, keepdim=keepdim)


def has_ties(x, dim):
    """Whether some slice of ``x`` along ``dim`` holds two equal values (or two NaN)."""
    if x.ndim == 0 or x.shape[dim] < 2:
        return False
    ordered = x.detach().sort(dim).values.movedim(dim, -1)
    return bool(((ordered[..., 1:] == ordered[..., :-1]) | (ordered[..., 1:].isnan() & ordered[..., :-1].isnan())).any())


@op("sort", weight=2)
def draw_sort(draw, ctx, x):
    """sort / topk values, argsort then gather (the sorted values again), or argsort's indices
    themselves where no ties make them ambiguous. ``tied`` records whether ties were there."""
    name = draw(st.sampled_from(["sort", "topk", "argsort_gather", "argsort"]))
    dim = draw_dim(draw, max(x.ndim, 1))
    tied = has_ties(x, dim)
    if name == "argsort" and tied:
        return None
    options = dict(name=name, dim=dim, descending=draw(st.booleans()), tied=tied)
    if name == "sort":
        options["stable"] = draw(st.sampled_from([None, True, False]))
    if name == "topk":
        size = x.shape[dim] if x.ndim else 1
        options["k"] = draw(st.integers(0, size))
    return options


@draw_sort
def run_sort(lib, x, name, dim, descending, tied, stable=None, k=None):
    if name == "sort":
        if stable is None:
            return x.sort(dim, descending).values
        return x.sort(stable=stable, dim=dim, descending=descending).values  # torch: with stable, keywords only
    if name == "topk":
        return x.topk(k, dim, largest=descending).values
    order = x.argsort(dim, descending)
    return order if name == "argsort" else x.gather(dim, order)


# -- gather, scatter, masked_fill ---------------------------------------------------------------------------


def draw_index_array(draw, shape, dim, unique):
    """An int64 index for gather/scatter along ``dim`` of a tensor of ``shape``: as many dims, no
    longer than it on the other dims; values in range (unique along dim when ``unique``, as
    scatter needs: torch leaves a position written twice unspecified)."""
    if not shape:
        return np.array(0)
    size = shape[dim]
    ishape = [draw(st.integers(min(1, n), n)) for n in shape]
    ishape[dim] = draw(st.integers(0, size)) if unique else (draw(st.integers(min(1, size), size + 1)) if size else 0)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if unique:  # the first entries of a random permutation of each slice
        keys = rng.random([size if d == dim % len(shape) else n for d, n in enumerate(ishape)])
        return np.argsort(keys, axis=dim).take(range(ishape[dim]), axis=dim).astype(np.int64)
    return rng.integers(0, max(size, 1), size=ishape).astype(np.int64)


def draw_scatter_args(draw, ctx, x, add):
    """(dim, index, src, value) for scatter (``add``: scatter_add) into ``x``."""
    dim = draw_dim(draw, max(x.ndim, 1))
    index = draw_index_array(draw, shape_of(x), dim, unique=not add)
    if not add and draw(st.integers(0, 3)) == 0:
        return dim, Const(index), None, draw(st.sampled_from(SCALARS))
    same = [i for i in ctx.refs_shaped(shape_of(x))] if all(n <= m for n, m in zip(index.shape, x.shape)) else []
    if same and draw(st.booleans()):
        return dim, Const(index), Ref(draw(st.sampled_from(same))), None
    array = ctx.float_array(draw, tuple(n + draw(st.integers(0, 1)) for n in index.shape))
    return dim, Const(index), Leaf(array) if draw(st.booleans()) else Const(array), None


@op("gather")
def draw_gather(draw, ctx, x):
    dim = draw_dim(draw, max(x.ndim, 1))
    return dict(dim=dim, index=Const(draw_index_array(draw, shape_of(x), dim, unique=False)), as_function=draw(st.booleans()))


@draw_gather
def run_gather(lib, x, dim, index, as_function):
    return lib.gather(x, dim, index) if as_function else x.gather(dim, index)


@op("scatter")
def draw_scatter(draw, ctx, x):
    add = draw(st.booleans())
    dim, index, src, value = draw_scatter_args(draw, ctx, x, add)
    return dict(add=add, dim=dim, index=index, src=src, value=value)


def scatter_into(x, add, dim, index, src, value, in_place=False):
    suffix = "_" if in_place else ""
    if add:
        return getattr(x, "scatter_add" + suffix)(dim, index, src)
    if src is None:
        return getattr(x, "scatter" + suffix)(dim, index, value=value)
    return getattr(x, "scatter" + suffix)(dim, index, src)


@draw_scatter
def run_scatter(lib, x, **options):
    return scatter_into(x, **options)


def draw_mask_and_value(draw, ctx, x, in_place):
    """A bool mask that broadcasts to ``x`` (or with it, out of place) and a number or 0-d tensor."""
    shape = broadcastable_shape(draw, shape_of(x))
    if in_place and len(shape) > x.ndim:
        shape = shape[1:]
    mask = Const(draw(hnp.arrays(np.bool_, shape)))
    kind = draw(st.sampled_from(["number", "number", "leaf", "const"]))
    if kind == "number":
        return mask, draw(st.sampled_from([*SCALARS, float("nan"), float("-inf")]))
    array = ctx.float_array(draw, ())
    return mask, Leaf(array) if kind == "leaf" else Const(array)


@op("masked_fill")
def draw_masked_fill(draw, ctx, x):
    mask, value = draw_mask_and_value(draw, ctx, x, in_place=False)
    return dict(mask=mask, value=value)


@draw_masked_fill
def run_masked_fill(lib, x, mask, value):
    return x.masked_fill(mask, value)


@op("repeat")
def draw_repeat(draw, ctx, x):
    repeats = [draw(st.sampled_from([1, 1, 2, 3, 0])) for _ in range(x.ndim + draw(st.integers(0, 1)))]
    return dict(repeats=tuple(repeats), unpacked=draw(st.booleans()))


@draw_repeat
def run_repeat(lib, x, repeats, unpacked):
    return x.repeat(*repeats) if unpacked else x.repeat(repeats)


# -- normalization, pooling, dropout2d and their layers -------------------------------------------------------


def draw_image_shape(draw, x):
    """None when x already suits a 2-D layer ((C, H, W) or (N, C, H, W), no empty axis) or is empty;
    otherwise a 3-D or 4-D shape of x's size, which the layer's run reshapes x to first (leaves are
    rarely 4-D: without this the pooling and normalization layers would seldom be drawn)."""
    if spatial_ok(x) or x.numel() == 0:
        return None
    shape = [1] * draw(st.sampled_from([3, 4]))
    for p in prime_factors(x.numel()):
        shape[draw(st.integers(0, len(shape) - 1))] *= p
    return tuple(shape)


def as_image(x, shape):
    return x if shape is None else x.reshape(shape)


def draw_batch_norm_state(draw, ctx, channels):
    """weight, bias, running_mean, running_var arrays for ``channels`` channels (variance > 0)."""
    return (ctx.float_array(draw, (channels,)), ctx.float_array(draw, (channels,)),
            ctx.float_array(draw, (channels,)), ctx.float_array(draw, (channels,), positive=True))


@op("batch_norm", weight=2)
def draw_batch_norm(draw, ctx, x):
    image = draw_image_shape(draw, x) if x.ndim < 2 or draw(st.integers(0, 3)) == 0 else None
    if not (image or x.ndim >= 2):
        return None
    weight, bias, mean, var = draw_batch_norm_state(draw, ctx, (image or x.shape)[1])
    training = draw(st.booleans())
    stats = not training or draw(st.booleans())
    options = dict(running_mean=Buffer(mean) if stats else None, running_var=Buffer(var) if stats else None,
                   training=training, momentum=draw(st.sampled_from([0.1, 0.5, 0.0, None])), eps=draw(st.sampled_from([1e-5, 0.1])),
                   image=image)
    for name, array in (("weight", weight), ("bias", bias)):
        options[name] = draw(st.sampled_from([None, Leaf(array), Const(array)]))
    if options["momentum"] is None and stats:  # torch's F.batch_norm takes no None momentum with stats to update
        options["momentum"] = 0.1
    return options


@draw_batch_norm
def run_batch_norm(lib, x, running_mean, running_var, weight, bias, training, momentum, eps, image):
    return lib.nn.functional.batch_norm(as_image(x, image), running_mean, running_var, weight, bias, training=training,
                                        momentum=momentum, eps=eps)


def draw_avg_pool_options(draw, x):
    kernel = draw(st.sampled_from([1, 2, 3, (2, 1), (1, 3)]))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    padding = draw(st.integers(0, min(pair(kernel)) // 2))
    return dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans()),
                count_include_pad=draw(st.booleans()), divisor_override=draw(st.sampled_from([None, None, 1, 3])))


@op("avg_pool2d", weight=2)
def draw_avg_pool2d(draw, ctx, x):
    image = draw_image_shape(draw, x)
    return dict(image=image, **draw_avg_pool_options(draw, x)) if image or spatial_ok(x) else None


@draw_avg_pool2d
def run_avg_pool2d(lib, x, image, **options):
    return lib.nn.functional.avg_pool2d(as_image(x, image), **options)


def draw_output_size(draw):
    size = st.integers(1, 5)
    return draw(st.one_of(size, st.tuples(size, size), st.tuples(st.none(), size), st.tuples(size, st.none())))


@op("adaptive_avg_pool2d", weight=2)
def draw_adaptive_avg_pool2d(draw, ctx, x):
    image = draw_image_shape(draw, x)
    return dict(image=image, output_size=draw_output_size(draw)) if image or spatial_ok(x) else None


@draw_adaptive_avg_pool2d
def run_adaptive_avg_pool2d(lib, x, image, output_size):
    return lib.nn.functional.adaptive_avg_pool2d(as_image(x, image), output_size)


@op("dropout2d")
def draw_dropout2d(draw, ctx, x):
    image = draw_image_shape(draw, x) if not 2 <= x.ndim <= 5 else None
    if not (image or 2 <= x.ndim <= 5):
        return None
    p, training = (draw(st.sampled_from([0.0, 0.5, 1.0])), False) if draw(st.booleans()) else (0.0, True)
    return dict(image=image, p=p, training=training, inplace=draw(st.integers(0, 3)) == 0)


@draw_dropout2d
def run_dropout2d(lib, x, image, **options):
    return lib.nn.functional.dropout2d(as_image(x, image), **options)


@op("layer", weight=3)
def draw_layer(draw, ctx, x):
    """One of the layers nn.LeakyReLU, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d/2d (in train or eval
    mode, its parameters and running statistics drawn)."""
    name = draw(st.sampled_from(["LeakyReLU", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d", "BatchNorm2d", "BatchNorm2d"]))
    if name == "LeakyReLU":
        return dict(layer=Module(name, (draw(st.sampled_from([0.01, 0.2, 2.0])),), dict(inplace=draw(st.integers(0, 3)) == 0)))
    image = draw_image_shape(draw, x)
    if name == "AvgPool2d":
        return dict(layer=Module(name, kwargs=draw_avg_pool_options(draw, x)), image=image) if image or spatial_ok(x) else None
    if name == "AdaptiveAvgPool2d":
        return dict(layer=Module(name, (draw_output_size(draw),)), image=image) if image or spatial_ok(x) else None
    if name == "BatchNorm2d" and image and len(image) == 3:
        image = (1, *image)
    if name == "BatchNorm1d" and image and len(image) == 4:
        image = (image[0], image[1], image[2] * image[3])
    shape = image or x.shape
    if len(shape) not in ((2, 3) if name == "BatchNorm1d" else (4,)):
        return None
    channels = shape[1]
    affine, track = draw(st.booleans()), draw(st.booleans())
    kwargs = dict(eps=draw(st.sampled_from([1e-5, 0.1])), momentum=draw(st.sampled_from([0.1, 0.5, None])),
                  affine=affine, track_running_stats=track)
    weight, bias, mean, var = draw_batch_norm_state(draw, ctx, channels)
    state = dict(weight=weight, bias=bias) if affine and draw(st.booleans()) else {}
    if track and draw(st.booleans()):
        state.update(running_mean=mean, running_var=var, num_batches_tracked=np.array(draw(st.integers(0, 3))))
    layer = Module(name, (channels,), kwargs, training=draw(st.booleans()), state=state, dtype=ctx.dtype.name)
    return dict(layer=layer, image=image)


@draw_layer
def run_layer(lib, x, layer, image=None):
    return layer(as_image(x, image))


# -- drawing a program --------------------------------------------------------------------------------------

ENDINGS = ["backward", "backward", "backward_twice", "grad", "two_sum", "two_seq"]


def draw_leaves(draw, dtype):
    count = draw(st.integers(1, 3))
    shapes = st.one_of(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4), st.just(()))
    return [draw(hnp.arrays(dtype, draw(shapes), elements=values(-4.0, 4.0))) for _ in range(count)]


def draw_step(draw, ctx):
    """A step applicable to the current values (operands favour the most recent ones), or None."""
    name = draw(st.sampled_from([n for n, o in OPS.items() for _ in range(o.weight)]))
    candidates = [i for i, v in enumerate(ctx.env) if is_float(v)]
    if not candidates:
        return None
    recent = candidates[-3:]
    x = draw(st.sampled_from(recent)) if draw(st.integers(0, 3)) else draw(st.sampled_from(candidates))
    options = OPS[name].draw(draw, ctx, ctx.env[x])
    if options is None:
        return None
    return Step(name, (x,), options, no_grad=draw(st.integers(0, 9)) == 0)


def draw_ending(draw, env, leaves):
    def upstream(i):
        return draw(hnp.arrays(env[i].detach().numpy().dtype, shape_of(env[i]), elements=values(-2.0, 2.0)))

    outputs = [i for i, v in enumerate(env) if is_float(v) and v.requires_grad]
    if not outputs:
        return Ending("none")
    kind = draw(st.sampled_from(ENDINGS))
    last = outputs[-1] if draw(st.integers(0, 3)) else draw(st.sampled_from(outputs))
    if kind in ("two_sum", "two_seq"):
        second = draw(st.sampled_from(outputs))
        return Ending(kind, (last, second), (upstream(last), upstream(second)))
    if kind == "grad":
        wanted = [i for i, leaf in enumerate(leaves) if leaf.requires_grad]
        wrt = draw(st.lists(st.sampled_from(wanted), min_size=1, max_size=len(wanted), unique=True))
        return Ending(kind, (last,), (upstream(last),), tuple(wrt))
    return Ending(kind, (last,), (upstream(last),))


@st.composite
def programs(draw, known=(), min_steps=3, max_steps=8):
    """A program of ``min_steps``..``max_steps`` steps (fewer when torch raises at one: that step
    ends it). A drawn step that one of ``known`` (``Known`` entries of stage "step") describes
    is dropped and another is drawn."""
    dtype = np.dtype(np.float64) if draw(st.integers(0, 4)) else np.dtype(np.float32)
    leaves = draw_leaves(draw, dtype)
    frozen = tuple(i for i in range(len(leaves)) if draw(st.integers(0, 5)) == 0)
    program = Program(leaves, [], frozen=frozen)
    run = start(torch, program)
    ctx = Context(run.env, dtype)
    target = draw(st.integers(min_steps, max_steps))
    for _attempt in range(4 * max_steps):
        if len(program.steps) >= target:
            break
        step = draw_step(draw, ctx)
        if step is None or any(k.stage == "step" and k.applies(step, run) for k in known):
            continue
        probe = Run(list(run.env), list(run.leaves))
        try:
            run_step(torch, step, probe)
        except Exception:  # noqa: BLE001 -- a step that raises in torch ends the program
            program.steps.append(step)
            program.raises_at = len(program.steps) - 1
            program.ending = Ending("none")
            return program
        program.steps.append(step)
        run.env[:], run.leaves[:] = probe.env, probe.leaves
    program.ending = draw_ending(draw, run.env, run.leaves)
    return program
