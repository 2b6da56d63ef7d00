"""Edge-value sweep: every op on NaN, ±inf, ±0, 1e30, 1e-30 and ties, on empty and 0-d tensors,
under normal, zero and non-finite upstream gradients — minigrad against torch.

Design: ``EDGE_OPS`` maps a case name to an ``EdgeOp`` (its family, a ``run(lib, *inputs)`` that
works with ``lib`` = ``minigrad`` or ``torch``, and the input shapes it is tried on, empty and 0-d
ones included). A ``Case`` is an op, its input arrays (float inputs require grad; int64 ones are
class targets) and an upstream kind: "normal" (random normal), "zero" or "nonfinite" (NaN, +inf,
-inf and 1.0 in turn). ``check_case`` runs the case in both libraries: torch raised ⇔ minigrad
raised; otherwise the output, then every input gradient under the upstream gradient, must have
NaN/+inf/-inf at exactly the same places (``np.testing.assert_array_equal`` on the masks) and the
remaining values close (float64 rtol 1e-7, float32 rtol 1e-4 / atol 1e-5).

Families: unary (also round, reciprocal, leaky_relu and the in-place relu_/leaky_relu_ on a
clone), scalar and binary arithmetic, reductions (also std, norm of every p, all/any), softmax,
sorting (sort/topk values, stable argsort, argsort + gather), indexing (gather, scatter,
scatter_add, masked_fill and their in-place forms, narrow/split/chunk, repeat, t_), layers
(pools, conv2d, linear, matmul, pad, cat/stack, dropout2d), normalization (batch_norm in
training and eval, the BatchNorm layers with their running statistics) and losses.

Each family has its own test: ``@example`` pins the key cases, hypothesis draws the rest
(values from ``SPECIALS`` mixed with ordinary floats). ``KNOWN_DIVERGENCES`` names the bugs known
today; a case one of them matches is skipped (stage "all") or compared forward only (stage
"gradients"). Remove an entry when its fix lands.

Run long: ``MINIGRAD_FUZZ_EXAMPLES=5000 pytest parity_tests/test_edge_values.py`` (the env var
sets max_examples of these tests; the active hypothesis profile supplies everything else).
max_pool2d is never given a window made only of padding (torch aborts: TORCH_BEHAVIOUR.md).
"""

import operator
from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import event, example, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from fuzz_ops import as_numpy, assert_same_values, dtype_name, example_budget

NAN, INF = float("nan"), float("inf")
SPECIALS = [NAN, INF, -INF, 0.0, -0.0, 1e30, -1e30, 1e-30, -1e-30, 1.0, -1.0, 2.0, 2.0]
UPSTREAMS = ["normal", "zero", "nonfinite"]


@dataclass
class Case:
    op: str
    inputs: tuple
    upstream: str = "normal"

    def __repr__(self):
        arrays = ", ".join(f"np.array({a.tolist()!r}, dtype=np.{a.dtype})" for a in self.inputs)
        return f"Case({self.op!r}, ({arrays},), {self.upstream!r})"


def arr(values, dtype=np.float64):
    return np.array(values, dtype=dtype)


# -- the ops ----------------------------------------------------------------------------------------------


@dataclass
class EdgeOp:
    family: str
    run: object  # (lib, *inputs) -> tensor
    shapes: list  # candidate input shapes: a list of tuples of shapes, one shape per input
    int_inputs: tuple = ()  # positions of int64 class-target inputs (with their class count)


EDGE_OPS = {}

ANY = [((),), ((0,),), ((4,),), ((2, 3),), ((0, 3),), ((3, 0),)]
PAIRS = [((), ()), ((4,), (4,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (3,)), ((0, 3), (1, 3)), ((0,), ())]
WITH_AXES = [((4,),), ((2, 3),), ((0, 3),), ((3, 0),), ((0,),)]


def register(name, family, shapes, int_inputs=()):
    def decorate(run):
        EDGE_OPS[name] = EdgeOp(family, run, shapes, int_inputs)
        return run

    return decorate


def method(name, *args, **kwargs):
    """A run function calling ``x.<name>(*args, **kwargs)``."""

    def run(lib, x):
        return getattr(x, name)(*args, **kwargs)

    return run


for _name in ["exp", "log", "sqrt", "abs", "sigmoid", "tanh", "relu", "neg"]:
    register(_name, "unary", ANY)(method(_name))
register("clamp(-1, 1)", "unary", ANY)(method("clamp", -1.0, 1.0))
register("clamp(min=0)", "unary", ANY)(method("clamp", min=0.0))
register("clamp(max=0)", "unary", ANY)(method("clamp", max=0.0))
register("clamp(min=1e30)", "unary", ANY)(method("clamp", min=1e30))

SCALAR_OPERATIONS = {  # expression: (operator, the scalar, whether the scalar is the left operand)
    "x + 2": (operator.add, 2, False), "2 - x": (operator.sub, 2, True), "x * 0": (operator.mul, 0, False),
    "x * -3": (operator.mul, -3, False), "x / 2": (operator.truediv, 2, False), "2 / x": (operator.truediv, 2, True),
    "x / 0": (operator.truediv, 0.0, False), "x ** 2": (operator.pow, 2, False), "x ** 0.5": (operator.pow, 0.5, False),
    "x ** 0": (operator.pow, 0, False), "x ** -1": (operator.pow, -1, False), "x ** 3": (operator.pow, 3, False),
    "2 ** x": (operator.pow, 2, True), "0 ** x": (operator.pow, 0.0, True),
}


def scalar_operation(expression):
    function, scalar, scalar_first = SCALAR_OPERATIONS[expression]

    def run(lib, x):
        return function(scalar, x) if scalar_first else function(x, scalar)

    return run


for _expression in SCALAR_OPERATIONS:
    register(_expression, "scalar", ANY)(scalar_operation(_expression))

TENSOR_OPERATIONS = {"x + y": "add", "x - y": "sub", "x * y": "mul", "x / y": "truediv", "x ** y": "pow"}


def tensor_operation(dunder):
    def run(lib, x, y):
        return getattr(x, f"__{dunder}__")(y)

    return run


for _expression, _dunder in TENSOR_OPERATIONS.items():
    register(_expression, "binary", PAIRS)(tensor_operation(_dunder))


@register("maximum", "binary", PAIRS)
def maximum(lib, x, y):
    return lib.maximum(x, y)


@register("minimum", "binary", PAIRS)
def minimum(lib, x, y):
    return lib.minimum(x, y)


for _name in ["sum", "mean", "var", "max", "min", "amax", "amin"]:
    register(f"{_name}()", "reduction", ANY)(method(_name))
for _name in ["sum", "mean", "var", "amax", "amin"]:
    register(f"{_name}(-1, keepdim)", "reduction", WITH_AXES)(method(_name, -1, keepdim=True))
    register(f"{_name}(0)", "reduction", WITH_AXES)(method(_name, 0))


def values_of(name, dim, keepdim=False):
    def run(lib, x):
        return getattr(x, name)(dim, keepdim=keepdim).values

    return run


for _name in ["max", "min"]:
    register(f"{_name}(0).values", "reduction", WITH_AXES)(values_of(_name, 0))
    register(f"{_name}(-1, keepdim).values", "reduction", WITH_AXES)(values_of(_name, -1, True))

for _name in ["softmax", "log_softmax"]:
    register(f"{_name}(-1)", "softmax", ANY)(method(_name, -1))
    register(f"{_name}(0)", "softmax", WITH_AXES)(method(_name, 0))

POOL_SHAPES = [((1, 1, 4, 4),), ((2, 2, 3, 3),), ((0, 1, 4, 4),), ((1, 4, 4),)]


@register("max_pool2d(2)", "layer", POOL_SHAPES)
def max_pool2d_2(lib, x):
    return lib.nn.functional.max_pool2d(x, 2)


@register("max_pool2d(3, 1, 1)", "layer", POOL_SHAPES)
def max_pool2d_3(lib, x):
    return lib.nn.functional.max_pool2d(x, 3, stride=1, padding=1)


@register("max_pool2d(2, 2, ceil)", "layer", [((1, 1, 3, 3),), ((1, 2, 5, 5),)])
def max_pool2d_ceil(lib, x):
    return lib.nn.functional.max_pool2d(x, 2, stride=2, ceil_mode=True)


CONV_SHAPES = [((1, 2, 4, 4), (3, 2, 3, 3), (3,)), ((0, 2, 4, 4), (3, 2, 3, 3), (3,)), ((2, 1, 3, 3), (2, 1, 2, 2), (2,))]


@register("conv2d", "layer", CONV_SHAPES)
def conv2d(lib, x, w, b):
    return lib.nn.functional.conv2d(x, w, b)


@register("conv2d(padding=1, stride=2)", "layer", CONV_SHAPES)
def conv2d_padded(lib, x, w, b):
    return lib.nn.functional.conv2d(x, w, b, padding=1, stride=2)


@register("linear", "layer", [((2, 3), (4, 3), (4,)), ((0, 3), (4, 3), (4,)), ((3,), (2, 3), (2,)), ((2, 0), (3, 0), (3,))])
def linear(lib, x, w, b):
    return lib.nn.functional.linear(x, w, b)


@register("matmul", "layer", [((2, 3), (3, 2)), ((3,), (3,)), ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((2, 3), (3,)), ((2, 2, 3), (3, 2))])
def matmul(lib, x, y):
    return x @ y


PAD_SHAPES = [((2, 3),), ((1, 2, 3),), ((0, 3),), ((2, 0),), ((1, 0, 3),)]


@register("pad constant (1, 2)", "layer", PAD_SHAPES)
def pad_constant(lib, x):
    return lib.nn.functional.pad(x, (1, 2), value=-1.0)


@register("pad constant (1, 0, 0, 1)", "layer", PAD_SHAPES)
def pad_constant_2d(lib, x):
    return lib.nn.functional.pad(x, (1, 0, 0, 1))


@register("pad constant (-1, 1)", "layer", PAD_SHAPES)
def pad_crop(lib, x):
    return lib.nn.functional.pad(x, (-1, 1))


@register("pad replicate (1, 1)", "layer", [((1, 2, 3),), ((1, 1, 2, 2),)])
def pad_replicate(lib, x):
    return lib.nn.functional.pad(x, (1, 1), mode="replicate")


@register("pad reflect (1, 1)", "layer", [((1, 2, 3),), ((1, 1, 2, 2),)])
def pad_reflect(lib, x):
    return lib.nn.functional.pad(x, (1, 1), mode="reflect")


CAT_SHAPES = [((2, 3), (1, 3)), ((0, 3), (2, 3)), ((2, 0), (2, 3)), ((4,), (0,)), ((0,), (2, 3))]


@register("cat(0)", "layer", CAT_SHAPES)
def cat(lib, x, y):
    return lib.cat([x, y])


@register("cat(-1)", "layer", [((2, 3), (2, 1)), ((2, 0), (2, 2)), ((0, 3), (0, 1))])
def cat_last(lib, x, y):
    return lib.cat([x, y], dim=-1)


@register("stack", "layer", [((2, 3), (2, 3)), ((0,), (0,)), ((), ())])
def stack(lib, x, y):
    return lib.stack([x, y])


for _name in ["l1_loss", "mse_loss"]:
    for _reduction in ["mean", "sum", "none"]:

        def regression(lib, x, y, name=_name, reduction=_reduction):
            return getattr(lib.nn.functional, name)(x, y, reduction=reduction)

        register(f"{_name}({_reduction})", "loss", [((4,), (4,)), ((2, 3), (2, 3)), ((), ()), ((0,), (0,))])(regression)

CLASS_SHAPES = [((3, 4), (3,)), ((4,), ()), ((0, 4), (0,)), ((2, 3, 2), (2, 2))]
CLASS_LOSSES = {
    "cross_entropy": {},
    "cross_entropy(sum)": dict(reduction="sum"),
    "cross_entropy(none)": dict(reduction="none"),
    "cross_entropy(label_smoothing)": dict(label_smoothing=0.2),
    "cross_entropy(ignore_index=0)": dict(ignore_index=0),
    "nll_loss": {},
    "nll_loss(sum, ignore_index=1)": dict(reduction="sum", ignore_index=1),
}


def class_loss(name, options):
    function = name.partition("(")[0]

    def run(lib, x, target):
        return getattr(lib.nn.functional, function)(x, target, **options)

    return run


for _name, _options in CLASS_LOSSES.items():
    register(_name, "loss", CLASS_SHAPES, int_inputs=(1,))(class_loss(_name, _options))


@register("cross_entropy(probabilities)", "loss", [((3, 4), (3, 4)), ((0, 4), (0, 4))])
def cross_entropy_probabilities(lib, x, p):
    return lib.nn.functional.cross_entropy(x, p)


# -- this session's ops: unary, reductions, sorting, indexing and views, layers ---------------------------


def of_a_clone(function):
    """A run function applying the in-place ``function(lib, y)`` to ``y = x.clone()`` (a leaf that
    requires grad refuses in-place ops), returning y."""

    def run(lib, x):
        y = x.clone()
        function(lib, y)
        return y

    return run


register("reciprocal", "unary", ANY)(method("reciprocal"))
register("round", "unary", ANY)(method("round"))
register("round(decimals=1)", "unary", ANY)(method("round", decimals=1))
register("round(decimals=-1)", "unary", ANY)(method("round", decimals=-1))
for _slope in [0.01, 0.2, -0.5]:
    register(f"leaky_relu({_slope})", "unary", ANY)(lambda lib, x, s=_slope: lib.nn.functional.leaky_relu(x, s))
register("relu_ (of a clone)", "unary", ANY)(of_a_clone(lambda lib, y: lib.nn.functional.relu_(y)))
register("relu(inplace) (of a clone)", "unary", ANY)(of_a_clone(lambda lib, y: lib.nn.functional.relu(y, inplace=True)))
register("leaky_relu_(0.2) (of a clone)", "unary", ANY)(of_a_clone(lambda lib, y: lib.nn.functional.leaky_relu_(y, 0.2)))
register("LeakyReLU(0.1, inplace) (of a clone)", "unary", ANY)(of_a_clone(lambda lib, y: lib.nn.LeakyReLU(0.1, inplace=True)(y)))

register("std()", "reduction", ANY)(method("std"))
register("std(0)", "reduction", WITH_AXES)(method("std", 0))
register("std(-1, keepdim)", "reduction", WITH_AXES)(method("std", -1, keepdim=True))
register("std(correction=0)", "reduction", ANY)(method("std", correction=0))
for _p in [2, 1, float("inf"), float("-inf"), 0, 3, 0.5, -1]:
    register(f"norm({_p})", "reduction", ANY)(method("norm", _p))
    register(f"norm({_p}, -1, keepdim)", "reduction", WITH_AXES)(method("norm", _p, -1, keepdim=True))
for _name in ["all", "any"]:
    register(f"{_name}()", "reduction", ANY)(method(_name))
    register(f"{_name}(0)", "reduction", WITH_AXES)(method(_name, 0))


def sorted_values(dim, descending=False, **options):
    def run(lib, x):
        return x.sort(dim=dim, descending=descending, **options).values

    return run


register("sort(-1).values", "sorting", ANY)(sorted_values(-1))
register("sort(0, descending).values", "sorting", WITH_AXES)(sorted_values(0, True))
register("sort(-1, stable).values", "sorting", WITH_AXES)(sorted_values(-1, stable=True))
register("argsort(-1, stable)", "sorting", ANY)(lambda lib, x: x.argsort(dim=-1, stable=True))
register("argsort(0, descending, stable)", "sorting", WITH_AXES)(lambda lib, x: x.argsort(dim=0, descending=True, stable=True))
register("sort(-1).indices", "sorting", ANY)(lambda lib, x: x.sort(-1).indices)
register("argsort + gather", "sorting", WITH_AXES)(lambda lib, x: x.gather(-1, x.argsort(-1)))
for _k in [1, 2]:
    register(f"topk({_k}).values", "sorting", [((4,),), ((2, 3),), ((3, 2),)])(lambda lib, x, k=_k: x.topk(k).values)
    register(f"topk({_k}, largest=False).values", "sorting", [((4,),), ((2, 3),)])(lambda lib, x, k=_k: x.topk(k, largest=False).values)


def reversed_index(lib, x):
    """An int64 index of x's shape reading its last axis backwards (0 for a 0-d x)."""
    positions = np.indices(x.shape)[-1] if x.ndim else np.array(0)
    return lib.tensor((x.shape[-1] - 1 - positions) if x.ndim else positions)


def zero_index(lib, x):
    """An int64 index of x's shape naming position 0 of the last axis everywhere (repeats)."""
    return lib.tensor(np.zeros(x.shape, np.int64))


INDEXED = [((),), ((4,),), ((2, 3),), ((0, 3),), ((3, 0),)]
MASKS = [((),), ((4,),), ((2, 3),), ((0, 3),)]


def mask_for(lib, x):
    return lib.tensor(np.resize(np.array([True, False, False]), x.shape))


register("gather(-1, reversed)", "indexing", INDEXED)(lambda lib, x: x.gather(-1, reversed_index(lib, x)))
register("gather(-1, zeros)", "indexing", [((4,),), ((2, 3),), ((0, 3),)])(lambda lib, x: x.gather(-1, zero_index(lib, x)))
register("scatter(-1, reversed, y)", "indexing", [(s[0], s[0]) for s in INDEXED])(
    lambda lib, x, y: x.scatter(-1, reversed_index(lib, x), y))
register("scatter(-1, reversed, value=nan)", "indexing", INDEXED)(
    lambda lib, x: x.scatter(-1, reversed_index(lib, x)[..., :1] if x.ndim else reversed_index(lib, x), value=float("nan")))
register("scatter_add(-1, zeros, y)", "indexing", [((4,), (4,)), ((2, 3), (2, 3)), ((0, 3), (0, 3))])(
    lambda lib, x, y: x.scatter_add(-1, zero_index(lib, x), y))
register("scatter_add(-1, reversed, y)", "indexing", [(s[0], s[0]) for s in INDEXED])(
    lambda lib, x, y: x.scatter_add(-1, reversed_index(lib, x), y))
register("masked_fill(inf)", "indexing", MASKS)(lambda lib, x: x.masked_fill(mask_for(lib, x), float("inf")))
register("masked_fill(nan)", "indexing", MASKS)(lambda lib, x: x.masked_fill(mask_for(lib, x), float("nan")))
register("masked_fill(0-d tensor)", "indexing", [(s[0], ()) for s in MASKS])(lambda lib, x, v: x.masked_fill(mask_for(lib, x), v))


def scatter_of_a_clone(add):
    def run(lib, x, y):
        z = x.clone()
        return z.scatter_add_(-1, zero_index(lib, x), y) if add else z.scatter_(-1, reversed_index(lib, x), y)

    return run


register("scatter_ (of a clone)", "indexing", [(s[0], s[0]) for s in INDEXED])(scatter_of_a_clone(add=False))
register("scatter_add_ (of a clone)", "indexing", [((4,), (4,)), ((2, 3), (2, 3)), ((0, 3), (0, 3))])(scatter_of_a_clone(add=True))
register("masked_fill_(nan) (of a clone)", "indexing", MASKS)(of_a_clone(lambda lib, y: y.masked_fill_(mask_for(lib, y), float("nan"))))
register("narrow(0, 1, 1)", "indexing", [((4,),), ((3, 2),), ((2, 0),)])(lambda lib, x: x.narrow(0, 1, 1))
register("split(2)[-1]", "indexing", [((4,),), ((3, 2),), ((0, 3),), ((5,),)])(lambda lib, x: x.split(2)[-1])
register("chunk(2, -1)[0]", "indexing", [((4,),), ((2, 3),), ((3, 0),)])(lambda lib, x: x.chunk(2, -1)[0])
register("repeat(2, 1)", "indexing", [((),), ((3,),), ((2, 3),), ((0, 3),)])(lambda lib, x: x.repeat(2, 1))
register("t_ (of a clone)", "indexing", [((),), ((4,),), ((2, 3),), ((0, 3),)])(of_a_clone(lambda lib, y: y.t_()))
register("narrow(0, 1, 2).mul_(2) (of a clone)", "indexing", [((4,),), ((3, 2),)])(of_a_clone(lambda lib, y: y.narrow(0, 1, 2).mul_(2.0)))

AVG_POOL_SHAPES = [((1, 1, 4, 4),), ((2, 2, 3, 3),), ((0, 1, 4, 4),), ((1, 4, 4),), ((1, 1, 3, 5),)]
AVG_POOLS = {
    "avg_pool2d(2)": dict(kernel_size=2),
    "avg_pool2d(3, 1, 1)": dict(kernel_size=3, stride=1, padding=1),
    "avg_pool2d(3, 1, 1, count_include_pad=False)": dict(kernel_size=3, stride=1, padding=1, count_include_pad=False),
    "avg_pool2d(2, 2, 1, ceil)": dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    "avg_pool2d(2, divisor_override=3)": dict(kernel_size=2, divisor_override=3),
}
for _name, _options in AVG_POOLS.items():
    register(_name, "layer", AVG_POOL_SHAPES)(lambda lib, x, o=_options: lib.nn.functional.avg_pool2d(x, **o))
for _size in [1, 2, (3, None), 5]:
    register(f"adaptive_avg_pool2d({_size})", "layer", AVG_POOL_SHAPES)(
        lambda lib, x, s=_size: lib.nn.functional.adaptive_avg_pool2d(x, s))
register("dropout2d(p=0)", "layer", AVG_POOL_SHAPES)(lambda lib, x: lib.nn.functional.dropout2d(x, p=0.0))
register("dropout2d(eval)", "layer", AVG_POOL_SHAPES)(lambda lib, x: lib.nn.functional.dropout2d(x, p=0.5, training=False))

BATCH_NORM_SHAPES = [((4, 3), (3,), (3,)), ((2, 2, 3), (2,), (2,)), ((2, 2, 2, 2), (2,), (2,)), ((1, 3), (3,), (3,)),
                     ((0, 3), (3,), (3,)), ((3, 1, 1, 1), (1,), (1,))]


def running_stats(lib, x):
    channels = x.shape[1]
    mean = np.resize(np.array([0.5, -1.0, 2.0], as_numpy(x).dtype), channels)
    var = np.resize(np.array([1.0, 0.25, 4.0], as_numpy(x).dtype), channels)
    return lib.tensor(mean), lib.tensor(var)


@register("batch_norm(training)", "normalization", BATCH_NORM_SHAPES)
def batch_norm_training(lib, x, w, b):
    return lib.nn.functional.batch_norm(x, *running_stats(lib, x), w, b, training=True)


@register("batch_norm(training, no running stats)", "normalization", BATCH_NORM_SHAPES)
def batch_norm_training_alone(lib, x, w, b):
    return lib.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=0.1)


@register("batch_norm(eval)", "normalization", BATCH_NORM_SHAPES)
def batch_norm_eval(lib, x, w, b):
    return lib.nn.functional.batch_norm(x, *running_stats(lib, x), w, b, training=False)


@register("batch_norm(eval, no weight)", "normalization", [s[:1] for s in BATCH_NORM_SHAPES])
def batch_norm_eval_alone(lib, x):
    return lib.nn.functional.batch_norm(x, *running_stats(lib, x), training=False)


@register("BatchNorm layer (training)", "normalization", [s[:1] for s in BATCH_NORM_SHAPES])
def batch_norm_layer(lib, x):
    layer = (lib.nn.BatchNorm2d if x.ndim == 4 else lib.nn.BatchNorm1d)(x.shape[1], dtype=x.dtype)
    out = layer(x)
    return lib.cat([out.flatten(), layer.running_mean, layer.running_var])  # the running statistics compared too


@register("BatchNorm layer (eval)", "normalization", [s[:1] for s in BATCH_NORM_SHAPES])
def batch_norm_layer_eval(lib, x):
    layer = (lib.nn.BatchNorm2d if x.ndim == 4 else lib.nn.BatchNorm1d)(x.shape[1], momentum=None, dtype=x.dtype).eval()
    return layer(x)


# -- known divergences ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A known minigrad bug: ``applies(case)``. Stage "all" skips the case; "gradients" compares
    only its forward value."""

    bug: str
    stage: str
    applies: object


def _ops(*names):
    return lambda case: case.op in names


def _has(predicate, inputs=(0,)):
    return lambda case: any(predicate(case.inputs[i]).any() for i in inputs if i < len(case.inputs))


def _all_of(*conditions):
    return lambda case: all(c(case) for c in conditions)


def _nonfinite_upstream(case):
    return case.upstream == "nonfinite"


MASKED = [
    "relu", "clamp(-1, 1)", "clamp(min=0)", "clamp(max=0)", "clamp(min=1e30)", "max_pool2d(2)", "max_pool2d(3, 1, 1)",
    "max_pool2d(2, 2, ceil)", "max()", "min()", "amax()", "amin()", "max(0).values", "min(0).values",
    "max(-1, keepdim).values", "min(-1, keepdim).values", "amax(-1, keepdim)", "amin(-1, keepdim)", "amax(0)", "amin(0)",
    "maximum", "minimum",
]

def _nonfinite(x):
    return ~np.isfinite(x)


def _negative_zero(x):
    return (x == 0) & np.signbit(x)


def _has_empty_axis(case):
    return any(0 in a.shape for a in case.inputs)


def _names_starting(*prefixes):
    return lambda case: case.op.startswith(prefixes)


RELU_CLAMP = [name for name in MASKED if name == "relu" or name.startswith("clamp")]
PADS = [name for name in EDGE_OPS if name.startswith("pad")]

def _huge_values_that_cancel(case):
    """Values of 1e29 or more next to negative ones: a sum of their products may cancel to
    whatever its order leaves."""
    floats = [a for a in case.inputs if a.dtype.kind == "f"]
    huge = any((np.abs(a[np.isfinite(a)]) >= 1e29).any() for a in floats)
    return huge and any((a < 0).any() for a in floats)


def _tied_along_last_axis(case):
    """Two equal values (or two NaN) in some slice of the first input along its last axis."""
    x = case.inputs[0]
    if x.ndim == 0 or x.shape[-1] < 2:
        return False
    ordered = np.sort(x, axis=-1)  # NaN last
    return bool((ordered[..., 1:] == ordered[..., :-1]).any() or (np.isnan(x).sum(axis=-1) >= 2).any())


def _float32_constant_channel(case):
    """float32, and some channel (axis 1) of the first input holds one value repeated."""
    x = case.inputs[0]
    if x.dtype != np.float32 or x.ndim < 2 or x.size == 0 or x.size == x.shape[1]:
        return False
    channels = np.moveaxis(x, 1, 0).reshape(x.shape[1], -1)
    return bool((channels == channels[:, :1]).all(axis=1).any())


KNOWN_DIVERGENCES = [
    Known("not a minigrad bug: torch's float32 batch statistics of a constant channel leave rounding noise (x̂ = 3e-5 "
          "for a channel of 3s, |x|·r·2⁻²⁴; minigrad: 0), see test_batchnorm.py", "all",
          _all_of(_names_starting("batch_norm(training", "BatchNorm layer (training)"), _float32_constant_channel)),
    Known("deliberate: topk among tied values (or NaNs) — torch's kernel selects the k entries without sorting them, "
          "so which of the tied positions it returns (and sends the gradient to) is its own; minigrad takes the first "
          "in a stable order. The values agree", "gradients", _all_of(_names_starting("topk"), _tied_along_last_axis)),
    Known("not a minigrad bug: a sum over terms of ±1e30 (conv2d, the losses' means, the pools' averages) cancels to whatever the "
          "summation order leaves (1e30 + 1 − 1e30 is 0 or 1): minigrad's order is not torch's", "all",
          _all_of(_names_starting("conv2d", "nll_loss", "cross_entropy", "linear", "matmul", "mse_loss", "l1_loss", "sum", "mean",
                                  "avg_pool2d", "adaptive_avg_pool2d", "batch_norm", "BatchNorm", "scatter_add"),
                  _huge_values_that_cancel)),
    Known("not a minigrad bug: conv2d with padding and a non-finite input, weight, bias or upstream gradient: whether "
          "torch skips padded taps (0·inf) is shape-dependent in torch itself (float32, batch 2, 2 filters: no NaN); minigrad always "
          "gives NaN", "all", _all_of(_ops("conv2d(padding=1, stride=2)"),
                                 lambda case: _has(_nonfinite, inputs=(0, 1, 2))(case) or _nonfinite_upstream(case))),
    Known("not a minigrad bug: torch's var of equal values near 1e30 is rounding noise (2.97e28; minigrad: 0), and so "
          "are its batch statistics in training (a channel of 1e30s normalizes to -3.4e15 in torch, to 0 in minigrad; a "
          "constant channel times a weight of 1e30 to -3.6e16: x·α + β cancels terms of 5e32 in torch's rounding)", "all",
          _all_of(_names_starting("var", "std", "batch_norm(training", "BatchNorm layer (training)"),
                  _has(lambda x: np.abs(x) >= 1e29, inputs=(0, 1, 2)))),
]


def known_divergence(case, stage):
    return next((k.bug for k in KNOWN_DIVERGENCES if k.stage == stage and k.applies(case)), None)


# -- checking one case ---------------------------------------------------------------------------------------


def upstream_gradient(kind, shape, dtype):
    if kind == "zero":
        return np.zeros(shape, dtype)
    if kind == "nonfinite":
        return np.resize(np.array([NAN, INF, -INF, 1.0], dtype), shape)
    return np.random.default_rng(0).standard_normal(shape).astype(dtype)


def make_inputs(lib, case):
    return [lib.tensor(a, requires_grad=a.dtype.kind == "f") for a in case.inputs]


def forward(lib, case):
    inputs = make_inputs(lib, case)
    try:
        return inputs, EDGE_OPS[case.op].run(lib, *inputs), None
    except Exception as error:  # noqa: BLE001 -- the other library must raise too
        return inputs, None, error


def backward(out, upstream, lib):
    try:
        out.backward(lib.tensor(upstream))
    except Exception as error:  # noqa: BLE001
        return error
    return None


def check_case(case):
    note(repr(case))
    if known_divergence(case, "all"):
        event("skipped: known divergence")
        return
    t_inputs, t_out, t_error = forward(torch, case)
    m_inputs, m_out, m_error = forward(minigrad, case)
    assert (m_error is None) == (t_error is None), f"torch raised {t_error!r}; minigrad raised {m_error!r}"
    if t_error is not None:
        event("both raised")
        return
    assert dtype_name(m_out) == dtype_name(t_out), f"dtype {m_out.dtype} != torch's {t_out.dtype}"
    assert_same_values(as_numpy(m_out), as_numpy(t_out), "forward value", scaled=False)
    assert m_out.requires_grad == t_out.requires_grad
    if not t_out.requires_grad or known_divergence(case, "gradients"):
        return
    upstream = upstream_gradient(case.upstream, tuple(t_out.shape), as_numpy(t_out).dtype)
    t_error, m_error = backward(t_out, upstream, torch), backward(m_out, upstream, minigrad)
    assert (m_error is None) == (t_error is None), f"backward: torch raised {t_error!r}; minigrad raised {m_error!r}"
    for i, (m, t) in enumerate(zip(m_inputs, t_inputs)):
        if t.requires_grad:
            expected = as_numpy(t.grad) if t.grad is not None else np.zeros(t.shape, case.inputs[i].dtype)
            actual = as_numpy(m.grad) if m.grad is not None else np.zeros(m.shape, case.inputs[i].dtype)
            assert_same_values(actual, expected, f"gradient of input {i}", scaled=False)


# -- drawing cases -------------------------------------------------------------------------------------------


def special_values():
    return st.one_of(st.sampled_from(SPECIALS), st.floats(-3, 3, width=32))


@st.composite
def edge_cases(draw, family):
    name = draw(st.sampled_from(sorted(n for n, o in EDGE_OPS.items() if o.family == family)))
    edge_op = EDGE_OPS[name]
    shapes = draw(st.sampled_from(edge_op.shapes))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    inputs = []
    for i, shape in enumerate(shapes):
        if i in edge_op.int_inputs:
            classes = shapes[0][1] if len(shapes[0]) >= 2 else shapes[0][0]
            inputs.append(draw(hnp.arrays(np.int64, shape, elements=st.integers(0, classes - 1))))
        elif name == "cross_entropy(probabilities)" and i == 1:
            inputs.append(draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, 0.5, 1.0, NAN, INF]))))
        else:
            inputs.append(draw(hnp.arrays(dtype, shape, elements=special_values())))
    return Case(name, tuple(inputs), draw(st.sampled_from(UPSTREAMS)))


def sweep(family):
    """The decorators of one family's test: hypothesis draws, under this module's settings."""

    def decorate(test):
        return settings(deadline=None, **example_budget())(given(case=edge_cases(family))(test))

    return decorate


# -- the tests -----------------------------------------------------------------------------------------------

ALL = [NAN, INF, -INF, 0.0, -0.0, 1e30, 1e-30, -1.0]


@example(case=Case("relu", (arr([NAN, -1.0, 0.0, 2.0]),), "nonfinite"))
@example(case=Case("abs", (arr([NAN, 0.0, -0.0, -INF]),), "normal"))
@example(case=Case("sqrt", (arr([0.0, -0.0, INF, -1.0, 1e-30]),), "normal"))
@example(case=Case("log", (arr([0.0, -0.0, INF, -1.0, 1e-30]),), "normal"))
@example(case=Case("clamp(-1, 1)", (arr([INF, -INF, NAN, 1.0, -1.0]),), "normal"))
@example(case=Case("clamp(min=0)", (arr([INF, -INF, 0.0, NAN]),), "normal"))
@example(case=Case("exp", (arr(ALL, np.float32),), "nonfinite"))
@example(case=Case("sigmoid", (arr(ALL),), "zero"))
@example(case=Case("tanh", (arr([]),), "normal"))
@example(case=Case("neg", (arr(0.0),), "nonfinite"))
@example(case=Case("reciprocal", (arr([0.0, -0.0, INF, -INF, NAN, 1e-30, 1e30], np.float32),), "normal"))
@example(case=Case("round", (arr([0.5, 1.5, 2.5, -0.5, -2.5, INF, NAN]),), "nonfinite"))
@example(case=Case("round(decimals=1)", (arr([0.25, 0.35, 1e30, -1e-30]),), "normal"))
@example(case=Case("leaky_relu(-0.5)", (arr([NAN, -0.0, 0.0, -INF, INF]),), "nonfinite"))
@example(case=Case("relu_ (of a clone)", (arr([NAN, -1.0, 0.0, 2.0]),), "nonfinite"))
@sweep("unary")
def test_unary_edges(case):
    check_case(case)


@example(case=Case("2 / x", (arr([0.0, -0.0, INF, -INF, NAN, 1e-30]),), "normal"))
@example(case=Case("x / 0", (arr([0.0, 1.0, -1.0, INF]),), "normal"))
@example(case=Case("x ** 0.5", (arr([0.0, -0.0, -1.0, INF]),), "normal"))
@example(case=Case("x ** 0", (arr([0.0, NAN, INF]),), "normal"))
@example(case=Case("0 ** x", (arr([0.0, -1.0, 1.0, NAN]),), "normal"))
@example(case=Case("x ** 2", (arr([1e30, -1e30, 1e-30], np.float32),), "normal"))
@example(case=Case("x * 0", (arr([INF, NAN, 1.0]),), "zero"))
@sweep("scalar")
def test_scalar_arithmetic_edges(case):
    check_case(case)


@example(case=Case("x / y", (arr([1.0, 1.0, 0.0, INF]), arr([0.0, -0.0, 0.0, INF])), "normal"))
@example(case=Case("x / y", (arr([1e30, 1.0], np.float32), arr([1e-30, 1e-30], np.float32)), "normal"))
@example(case=Case("x ** y", (arr([0.0, 0.0, -1.0, 2.0]), arr([0.0, -1.0, 0.5, INF])), "normal"))
@example(case=Case("x * y", (arr([INF, 0.0]), arr([0.0, INF])), "normal"))
@example(case=Case("maximum", (arr([1.0, NAN, 2.0]), arr([1.0, 1.0, NAN])), "normal"))
@example(case=Case("minimum", (arr([1.0, -0.0]), arr([1.0, 0.0])), "normal"))
@sweep("binary")
def test_binary_edges(case):
    check_case(case)


@example(case=Case("max()", (arr([1.0, 2.0, 2.0, NAN]),), "normal"))
@example(case=Case("amax()", (arr([2.0, 2.0, 1.0]),), "normal"))
@example(case=Case("max(0).values", (arr([[2.0, NAN], [2.0, 1.0]]),), "normal"))
@example(case=Case("sum()", (arr([]),), "normal"))
@example(case=Case("mean()", (arr(np.zeros((0, 3))),), "normal"))
@example(case=Case("var()", (arr([1e30, -1e30]),), "normal"))
@example(case=Case("var()", (arr([1.0]),), "normal"))
@example(case=Case("max()", (arr([]),), "normal"))
@example(case=Case("sum(0)", (arr(np.zeros((0, 3))),), "normal"))
@example(case=Case("amax(0)", (arr(np.zeros((0, 3))),), "normal"))
@example(case=Case("norm(0)", (arr([0.0, -0.0, NAN, INF]),), "nonfinite"))
@example(case=Case("norm(2)", (arr([0.0, 0.0]),), "normal"))
@example(case=Case("norm(inf)", (arr([2.0, -2.0, 1.0]),), "normal"))
@example(case=Case("norm(-inf, -1, keepdim)", (arr(np.zeros((0, 3))),), "normal"))
@example(case=Case("norm(0.5)", (arr([0.0, 1.0, 4.0]),), "normal"))
@example(case=Case("std()", (arr([1.0]),), "normal"))
@example(case=Case("std(0)", (arr([[2.0, INF], [2.0, 1.0]]),), "normal"))
@example(case=Case("any(0)", (arr([[NAN, 0.0], [-0.0, 0.0]]),), "normal"))
@sweep("reduction")
def test_reduction_edges(case):
    check_case(case)


@example(case=Case("softmax(-1)", (arr([INF, 1.0, 0.0]),), "normal"))
@example(case=Case("log_softmax(-1)", (arr([-INF, -INF]),), "normal"))
@example(case=Case("log_softmax(-1)", (arr([1e30, 0.0, -1e30]),), "normal"))
@example(case=Case("softmax(-1)", (arr(2.0),), "normal"))
@example(case=Case("softmax(-1)", (arr([NAN, 1.0]),), "zero"))
@sweep("softmax")
def test_softmax_edges(case):
    check_case(case)


@example(case=Case("max_pool2d(2)", (arr([[[[NAN, 1.0], [2.0, 2.0]]]]),), "normal"))
@example(case=Case("max_pool2d(3, 1, 1)", (np.full((1, 1, 4, 4), -INF),), "normal"))
@example(case=Case("conv2d", (np.full((1, 2, 4, 4), 1e30), np.full((3, 2, 3, 3), 1e30), arr([0.0, INF, NAN])), "normal"))
@example(case=Case("matmul", (np.zeros((2, 0)), np.zeros((0, 3))), "normal"))
@example(case=Case("matmul", (arr([[INF, 0.0]]), arr([[0.0], [1.0]])), "normal"))
@example(case=Case("pad constant (1, 2)", (np.zeros((2, 0)),), "normal"))
@example(case=Case("cat(0)", (arr([]), arr([[1.0, NAN, INF]])), "normal"))
@example(case=Case("linear", (np.zeros((2, 0)), np.zeros((3, 0)), arr([1.0, NAN, -INF])), "normal"))
@example(case=Case("avg_pool2d(3, 1, 1, count_include_pad=False)", (np.full((1, 1, 4, 4), -INF),), "normal"))
@example(case=Case("avg_pool2d(2, 2, 1, ceil)", (arr([[[[NAN, 1.0, 2.0], [INF, 0.0, 1.0], [1.0, 1.0, 1.0]]]]),), "nonfinite"))
@example(case=Case("adaptive_avg_pool2d(5)", (arr([[[[1e30, -1e30, 2.0]]]]),), "normal"))
@example(case=Case("dropout2d(p=0)", (arr([[[[NAN, 1.0]]]]),), "nonfinite"))
@sweep("layer")
def test_layer_edges(case):
    check_case(case)


@example(case=Case("cross_entropy", (arr([[1e30, 0.0, -1e30, 1.0]]), np.array([2])), "normal"))
@example(case=Case("cross_entropy", (arr([[NAN, 0.0], [INF, 1.0]]), np.array([1, 0])), "normal"))
@example(case=Case("cross_entropy", (arr(np.zeros((0, 4))), np.zeros(0, np.int64)), "normal"))
@example(case=Case("cross_entropy(ignore_index=0)", (arr([[1.0, 2.0]]), np.array([0])), "normal"))
@example(case=Case("nll_loss", (arr([[-INF, 0.0]]), np.array([0])), "normal"))
@example(case=Case("l1_loss(mean)", (arr([INF, 1.0]), arr([INF, 1.0])), "normal"))
@example(case=Case("mse_loss(sum)", (arr([1e30]), arr([-1e30])), "normal"))
@example(case=Case("l1_loss(mean)", (arr([]), arr([])), "normal"))
@sweep("loss")
def test_loss_edges(case):
    check_case(case)


@example(case=Case("sort(-1).values", (arr([2.0, NAN, -0.0, 0.0, 2.0, -INF]),), "normal"))
@example(case=Case("argsort(-1, stable)", (arr([2.0, NAN, 2.0, NAN, -INF]),), "normal"))
@example(case=Case("argsort(0, descending, stable)", (arr([[NAN, 1.0], [2.0, 1.0], [NAN, INF]]),), "normal"))
@example(case=Case("sort(-1).values", (arr([]),), "nonfinite"))
@example(case=Case("topk(2).values", (arr([[1.0, NAN, 3.0], [INF, -INF, 0.0]]),), "nonfinite"))
@sweep("sorting")
def test_sorting_edges(case):
    check_case(case)


@example(case=Case("gather(-1, zeros)", (arr([[NAN, 1.0, INF], [0.0, -0.0, 1e30]]),), "nonfinite"))
@example(case=Case("scatter(-1, reversed, y)", (arr([1.0, 2.0]), arr([NAN, INF])), "nonfinite"))
@example(case=Case("masked_fill(0-d tensor)", (arr([1.0, NAN, INF, 2.0]), arr(NAN)), "normal"))
@example(case=Case("masked_fill(nan)", (arr(2.0),), "nonfinite"))
@example(case=Case("split(2)[-1]", (arr(np.zeros((0, 3))),), "normal"))
@example(case=Case("t_ (of a clone)", (arr([[1.0, NAN, 3.0], [INF, 0.0, -1.0]]),), "nonfinite"))
@sweep("indexing")
def test_indexing_edges(case):
    check_case(case)


@example(case=Case("batch_norm(training)", (arr([[1e30, 0.0], [-1e30, 1.0]]), arr([1.0, NAN]), arr([0.0, INF])), "normal"))
@example(case=Case("batch_norm(training)", (arr([[2.0, 1.0], [2.0, 1.0]]), arr([1.0, 1.0]), arr([0.0, 0.0])), "nonfinite"))
@example(case=Case("batch_norm(eval)", (arr([[INF, NAN]]), arr([0.0, -0.0]), arr([1.0, 1.0])), "normal"))
@example(case=Case("batch_norm(training)", (arr(np.zeros((1, 2))), arr([1.0, 1.0]), arr([0.0, 0.0])), "normal"))
@example(case=Case("BatchNorm layer (training)", (arr([[NAN, 1.0], [2.0, 3.0]]),), "normal"))
@sweep("normalization")
def test_normalization_edges(case):
    check_case(case)


def test_every_op_is_swept():
    families = {"unary", "scalar", "binary", "reduction", "softmax", "layer", "loss", "sorting", "indexing", "normalization"}
    assert {op.family for op in EDGE_OPS.values()} == families
