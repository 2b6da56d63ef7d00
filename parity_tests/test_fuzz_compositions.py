"""Composition fuzzer: random programs of 3-8 ops, run in minigrad and in torch, compared.

Design (the op table and the interpreter are in ``fuzz_ops.py``):

* hypothesis draws a *program*: 1-3 leaves (float64 mostly, float32 sometimes; small shapes,
  values with zeros and ties), then steps drawn one at a time from ``fuzz_ops.OPS`` —
  broadcasting arithmetic with scalars and tensors (both operand orders), unary ops and clamp,
  reductions with dims and keepdim, views and every kind of index, in-place ops (on clones of
  leaves, on views of intermediate values, on single elements such as ``y[1].mul_(3)``, and
  ``y[key] = value``, masked_fill_/scatter_/scatter_add_/t_/relu_/leaky_relu_ and the
  inplace=True forms), narrow/split/chunk views (written through too), cat/stack/where,
  matmul of every rank, softmax/log_softmax, round/reciprocal/leaky_relu, std/norm (every p)/
  all/any, sort/topk values and argsort (indices only where no ties make them ambiguous),
  gather/scatter/scatter_add/masked_fill, repeat, nn.functional layers (linear, conv2d,
  max_pool2d, avg_pool2d, adaptive_avg_pool2d, batch_norm in training with running statistics
  and in eval, pad, dropout/dropout2d with p=0 or in eval), the layers BatchNorm1d/2d,
  AvgPool2d, AdaptiveAvgPool2d, LeakyReLU (``Module`` markers: their parameters are leaves
  whose gradients are compared, their buffers are compared as values) and losses
  (l1, mse, cross_entropy with weights/ignore_index/label_smoothing/probabilities, nll_loss),
  detach, and any step inside ``no_grad``. Each step is run in torch while it is drawn, so the
  next one fits real shapes; a step that raises in torch ends the program.
* an *ending*: ``backward(v)`` with a random upstream gradient v; ``retain_graph=True`` then a
  second backward (gradients add up); ``autograd.grad`` on some leaves; two outputs weighted and
  summed, or backward'ed one after the other.
* ``fuzz_ops.execute`` runs the identical program with ``minigrad`` and with ``torch``. Then:
  torch raised ⇔ minigrad raised, at the same step (the exception types are not compared); every
  value computed (after all in-place writes), its dtype and ``requires_grad``; the running
  statistics (``Buffer``s and the layers' buffers); the gradient of every leaf, and what ``autograd.grad`` returned. Tolerances: float64 rtol 1e-7, float32 rtol
  1e-4 / atol 1e-5, the atol scaled by the largest magnitude compared (long compositions add
  rounding). NaN and ±inf must sit at the same places.

``KNOWN_DIVERGENCES`` lists the bugs known today and the deliberate differences. An entry of
stage "step" keeps such steps out of the programs drawn; an entry of stage "gradients" skips the
gradient comparison of programs it matches (values are still compared); an entry of stage
"torch_error" skips a program torch refused where minigrad computed. Remove an entry when its
fix lands.

Run long: ``MINIGRAD_FUZZ_EXAMPLES=5000 pytest parity_tests/test_fuzz_compositions.py`` (the
env var sets max_examples of these tests; the active hypothesis profile supplies everything else).
"""

from dataclasses import dataclass

import numpy as np
import torch
from hypothesis import event, given, note, settings

import minigrad
from fuzz_ops import Const, Leaf, Ref, as_numpy, assert_same_values, dtype_name, execute, example_budget, programs, take_view

# -- known divergences -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A known divergence from torch (a bug, or a deliberate difference: ``bug`` says which). ``stage`` "step": ``applies(step, torch_run)`` is asked of each step
    drawn (``torch_run.env``: torch's values so far), and a step it matches is not used.
    ``stage`` "gradients": ``applies(program, torch_run)`` is asked after torch ran the program
    (``torch_run.nonfinite_grads``: some gradient flowing backward held NaN or inf).
    ``stage`` "torch_error": ``applies(program, torch_run)`` is asked when torch raised and minigrad
    did not; the run is then not compared."""

    bug: str
    stage: str
    applies: object


def _inplace_with_itself(step, run):
    """``y.mul_(y)`` / ``y.div_(y)`` (or a view of y times y, or y times a view of y): the op saved
    its operand, which it then overwrote; torch's backward raises (a saved tensor was modified, or
    a view made under no_grad whose base changed), minigrad's computes."""
    if not (step.op == "inplace" and step.options["target"] in ("self", "view_of_self")
            and step.options["method"] in ("mul_", "div_") and isinstance(step.options["args"][0], Ref)):
        return False
    operand, target = run.env[step.options["args"][0].index], run.env[step.operands[0]]
    return operand.untyped_storage().data_ptr() == target.untyped_storage().data_ptr()


def _elements(t):
    """The storage positions of a torch tensor's elements."""
    positions = np.full((), t.storage_offset())
    for n, stride in zip(t.shape, t.stride()):
        positions = positions[..., None] + stride * np.arange(n)
    return positions.ravel()


def _dense(t):
    """torch's "non-overlapping and dense" (from the strides): a permutation of a contiguous tensor."""
    expected = 1
    for stride, n in sorted((stride, n) for stride, n in zip(t.stride(), t.shape) if n != 1):
        if stride != expected:
            return False
        expected *= n
    return True


def _strided_views_that_meet(step, run):
    """An in-place op between strided views of one tensor whose elements meet (x[2::2].add_(x[:-2:2])):
    torch does not check strided views and computes in its kernel's order, each element maybe
    reading one it already wrote; minigrad refuses them with torch's overlap message."""
    if not (step.op == "inplace" and step.options["target"] in ("self", "view_of_self")
            and step.options["method"] in ("add_", "sub_", "mul_", "div_", "copy_", "setitem")):
        return False
    read = step.options["args"][-1]
    if not isinstance(read, Ref):
        return False
    x, operand = run.env[step.operands[0]].detach(), run.env[read.index].detach()
    try:
        written = take_view(x, step.options["view"]) if step.options["view"] else x
    except Exception:  # noqa: BLE001 -- not a view torch makes: nothing to skip
        return False
    if written.untyped_storage().data_ptr() != operand.untyped_storage().data_ptr() or (_dense(written) and _dense(operand)):
        return False
    return bool(np.intersect1d(_elements(written), _elements(operand)).size)


def _setitem_with_repeated_aliases(step, run):
    """``e[[0, 1, 0]] = v`` where e is an ``expand()``ed view: several positions are one memory
    location, written several times; torch keeps its last write in its own order (and warns that
    this is deprecated), minigrad the write that changed the value."""
    if not (step.op == "inplace" and step.options["method"] == "setitem" and step.options.get("key_kind") == "list"):
        return False
    x = run.env[step.operands[0]]
    return any(stride == 0 and n > 1 for stride, n in zip(x.stride(), x.shape))


def _float32_batch_statistics_of_a_constant_channel(step, run):
    """torch's float32 batch statistics of a constant channel leave rounding noise (x̂ = 3e-5 for a
    channel of 3s, |x|·r·2⁻²⁴; minigrad: 0), as test_batchnorm.py documents."""
    if step.op == "batch_norm":
        batch_statistics, image = step.options["training"], step.options["image"]
    elif step.op == "layer" and step.options["layer"].name.startswith("BatchNorm"):
        layer = step.options["layer"]
        batch_statistics, image = layer.training or not layer.kwargs["track_running_stats"], step.options["image"]
    else:
        return False
    x = run.env[step.operands[0]].detach()
    x = x.reshape(image) if image else x
    if not batch_statistics or x.dtype != torch.float32 or x.dim() < 2 or x.numel() == 0:
        return False
    channels = x.transpose(0, 1).reshape(x.shape[1], -1)
    return bool((channels == channels[:, :1]).all(dim=1).any())


def _nll_loss2d_of_a_strided_input(step, run):
    """torch's nll_loss on a 4-D input that is not contiguous (a transposed view) fails in
    backward with "grad_input must be contiguous" (a torch bug: 3-D and 5-D inputs work)."""
    if not (step.op == "class_loss" and step.options["name"] == "nll_loss"):
        return False
    x = run.env[step.operands[0]]
    return x.dim() == 4 and not x.is_contiguous()


def _a_view_torch_calls_a_leaf(program, run):
    """torch refuses an in-place op on a view made before its base required grad, as "a leaf
    Variable that requires grad", until something reads the view's grad_fn (which remakes its
    node; ``requires_grad`` does not). Whether torch raises depends on that read; minigrad
    remakes the node and records the op."""
    if "a leaf Variable that requires grad" not in str(run.error) or not isinstance(run.error_at, int):
        return False
    step = program.steps[run.error_at]
    return step.op == "inplace" and (step.options["target"] != "self" or run.env[step.operands[0]]._base is not None)


def _scatter_from_a_larger_src(program, run):
    """torch's scatter/scatter_add backward fails when src is larger than index (or index is
    empty): "ScatterBackward0 returned an invalid gradient at index 1 - got [1] but expected shape
    compatible with [2]" (CopySlices for the in-place forms; src's gradient is gathered in index's
    shape, a torch bug). minigrad gives src's entries beyond index the gradient 0."""
    def larger_src(step):
        if step.op == "scatter":
            index, src = step.options["index"], step.options["src"]
        elif step.op == "inplace" and step.options["method"] in ("scatter_", "scatter_add_"):
            index, src = step.options["args"][1:3]
        else:
            return False
        if src is None:
            return False
        shape = tuple(run.env[src.index].shape) if isinstance(src, Ref) else src.array.shape
        return shape != index.array.shape or index.array.size == 0

    return "returned an invalid gradient at index 1" in str(run.error) and any(map(larger_src, program.steps))


def _batch_norm_of_no_channels(program, run):
    """torch's F.batch_norm of an input with 0 channels, given a weight or bias, fails inside torch
    ("select(): index 0 out of range for tensor of size [0]"); minigrad returns the empty result."""
    if "select(): index 0 out of range" not in str(run.error) or not isinstance(run.error_at, int):
        return False
    step = program.steps[run.error_at]
    return step.op in ("batch_norm", "layer") and run.env[step.operands[0]].shape[1] == 0


def _topk_among_ties(program, run):
    """topk of a slice holding tied values (or NaNs): torch's kernel selects the k entries without
    sorting them, so which of the tied positions it returns, and sends the gradient to, is its own
    (minigrad: the first in a stable order, sorting.py). The values agree."""
    return any(step.op == "sort" and step.options["name"] == "topk" and step.options["tied"] for step in program.steps)


def _made_by(program, index):
    """The step that computed ``env[index]`` (None for a leaf)."""
    position = index - len(program.leaves)
    return program.steps[position] if 0 <= position < len(program.steps) else None


def _in_place_on_linear_of_a_vector_made_under_no_grad(program, run):
    """torch's F.linear of a 1-D input returns a view (of the 2-D product it squeezes): made under
    no_grad, torch then refuses an in-place op with grad on it ("A view was created in no_grad
    mode"); minigrad's result is no view and takes the write."""
    if "created in no_grad mode" not in str(run.error) or not isinstance(run.error_at, int):
        return False
    step = program.steps[run.error_at]
    maker = _made_by(program, step.operands[0]) if step.op == "inplace" else None
    return maker is not None and maker.op == "linear" and maker.no_grad and run.env[maker.operands[0]].dim() == 1


def _linear_with_no_input_features(step, run):
    """F.linear with 0 input features is its bias: torch's addmm returns a -0.0 bias as -0.0,
    minigrad adds the empty product's +0.0 (giving +0.0); only the sign of a zero differs."""
    return step.op == "linear" and step.options["weight"].array.shape[-1] == 0 and step.options["bias"] is not None


def _product_with_a_negative_zero(step, run):
    """A matrix product (linear, matmul) of which a factor holds −0.0: a sum of zero terms is −0.0
    when BLAS starts it from its first product (torch) and +0.0 when numpy starts it from +0.0;
    only the sign of a zero differs (seen through a division: ±inf). With one term per sum
    (K = 1) a zero factor of either sign does the same: torch's dot and gemv start from +0.0
    (−1 · 0 gives +0.0), its gemm keeps the product (−0.0), minigrad the product."""
    if step.op not in ("linear", "matmul"):
        return False
    factors = [run.env[i] for i in step.operands] + [step.options.get(name) for name in ("weight", "other")]
    arrays = []
    for factor in factors:
        array = factor.array if isinstance(factor, (Leaf, Const)) else run.env[factor.index] if isinstance(factor, Ref) else factor
        if isinstance(array, torch.Tensor):
            array = array.detach().numpy()
        if isinstance(array, np.ndarray) and array.dtype.kind == "f":
            arrays.append(array)
    one_term = bool(arrays) and np.ndim(arrays[0]) >= 1 and np.shape(arrays[0])[-1] == 1
    return any(bool(((np.signbit(a) | one_term) & (a == 0)).any()) for a in arrays)


def _torch_leaves_share_a_grad_buffer(program, run):
    """torch bug: backward twice through stack/sum (the upstream expanded, then unbound) leaves two
    leaves' .grad as views of ONE memory location (torch's AccumulateGrad keeps the incoming
    gradient without copying it); the second backward adds into both through it, so torch's
    gradients are wrong (x.grad 3 where 2 is right). minigrad copies the first gradient it keeps."""
    grads = [leaf.grad for leaf in run.leaves if leaf.is_leaf and leaf.grad is not None and leaf.grad.numel()]
    pointers = [g.untyped_storage().data_ptr() for g in grads]
    return len(set(pointers)) < len(pointers)


def _version_check_behind_a_norm_0(program, run):
    """torch's 0-norm returns no gradient, yet torch's engine still runs the nodes behind it (with
    no gradient), and each checks its saved tensors: one changed in place raises there. minigrad's
    engine skips a node that receives no gradient, so it does not raise (autograd/engine.py)."""
    return (run.error_at == "ending" and "modified by an inplace operation" in str(run.error)
            and any(step.op == "norm" and step.options["p"] == 0 for step in program.steps))


def _float32_divided_by_a_tiny_number(program, run):
    """float32 rounding (about 1e-7 of a value) grows a thousandfold through ``/ 0.001``: a
    gradient that cancels to 0 in torch may come out as 1e-4 here, beyond the float32 tolerance."""
    divides = any(step.op in ("inplace", "arith", "method_arith") and step.options.get("method", step.options.get("name"))
                  in ("div", "div_") and any(isinstance(a, float) and 0 < abs(a) < 0.01
                                             for a in (*step.options.get("args", ()), step.options.get("other")))
                  for step in program.steps)
    return divides and any(getattr(leaf, "dtype", None) == torch.float32 for leaf in run.leaves)


def _rounding_residue_meets_a_singular_gradient(program, run):
    """sqrt, log or reciprocal of an exact 0 has an infinite derivative there, so the gradient
    arriving at it decides: a residue of rounding (1 − 3 · softmax: torch's vectorised exp and
    numpy's differ in the last bit, in float32 and float64 alike) gives ±inf in one library, an
    exact 0 gives 0 · ∞ = NaN in the other; the sign of a zero does the same (0 · −1 is −0.0 in
    BLAS's product, +0.0 in numpy's sum from 0). Where torch's gradients hold NaN or ±inf, such
    programs are not compared."""
    if not run.nonfinite_grads:
        return False
    return any(step.op == "unary" and step.options["name"] in ("sqrt", "log", "reciprocal")
               and step.operands[0] in run.made_with_zeros for step in program.steps)


KNOWN_DIVERGENCES = [
    Known("torch bug: two leaves' .grad share one memory location after backward through stack (torch's "
          "gradients then add up wrongly; minigrad's are right)", "gradients", _torch_leaves_share_a_grad_buffer),
    Known("not a minigrad bug: a rounding residue against an exact 0 where sqrt/log/reciprocal's derivative "
          "is infinite (±inf in one library, NaN in the other)", "gradients", _rounding_residue_meets_a_singular_gradient),
    Known("deliberate: which of tied positions topk returns (and sends the gradient to)", "gradients", _topk_among_ties),
    Known("not a minigrad bug: float32 rounding amplified by a division by a tiny number (gradients that cancel)",
          "gradients", _float32_divided_by_a_tiny_number),
    Known("deliberate: an in-place op between strided views whose elements meet: torch computes in its kernel's "
          "order, minigrad refuses", "step", _strided_views_that_meet),
    Known("a setitem with repeated indices through an expand()ed view: which write survives (deprecated in torch)",
          "step", _setitem_with_repeated_aliases),
    Known("not a minigrad bug: torch's float32 batch statistics of a constant channel are rounding noise", "step",
          _float32_batch_statistics_of_a_constant_channel),
    Known("y.mul_(y) / y.div_(y): torch's backward refuses (it saved y, now modified); minigrad keeps a copy of "
          "the old y and gives the right gradient", "step", _inplace_with_itself),
    Known("not a minigrad bug: torch's nll_loss backward refuses a non-contiguous 4-D input",
          "step", _nll_loss2d_of_a_strided_input),
    Known("an in-place op on a view made before its base required grad: torch calls it a leaf until its grad_fn "
          "is read", "torch_error", _a_view_torch_calls_a_leaf),
    Known("not a minigrad bug: torch's scatter/scatter_add backward fails when src is larger than index",
          "torch_error", _scatter_from_a_larger_src),
    Known("not a minigrad bug: torch's batch_norm with 0 channels and a weight or bias fails in torch",
          "torch_error", _batch_norm_of_no_channels),
    Known("not a minigrad bug: torch's F.linear of a 1-D input made under no_grad is a view it then refuses to change "
          "in place with grad", "torch_error", _in_place_on_linear_of_a_vector_made_under_no_grad),
    Known("the sign of a zero: F.linear with 0 input features and a -0.0 bias (torch: -0.0, minigrad: +0.0)",
          "step", _linear_with_no_input_features),
    Known("the sign of a zero: a matrix product with a -0.0 factor (BLAS's sum of zero terms is -0.0, numpy's +0.0)",
          "step", _product_with_a_negative_zero),
    Known("minigrad bug (no error where torch raises): a node behind a 0-norm (which sends no gradient) is skipped, "
          "so its saved-tensor version check does not run", "torch_error", _version_check_behind_a_norm_0),
]


# -- running and comparing --------------------------------------------------------------------------------


def run_torch(program):
    """torch's run, noting whether some resulting gradient holds NaN or inf. (A hook on every
    intermediate value would see more, but torch 2.14 crashed (segfault) registering one on a
    value deep inside a long program, once in ~10,000 programs.)"""
    zeros = set()  # the values that held an exact 0 when they were made (before any later in-place op)

    def note_zeros(run):
        value = run.env[-1]
        if isinstance(value, torch.Tensor) and value.is_floating_point() and bool((value == 0).any()):
            zeros.add(len(run.env) - 1)

    run = execute(torch, program, on_step=note_zeros)
    run.made_with_zeros = zeros | {i for i, leaf in enumerate(program.leaves) if (np.asarray(leaf) == 0).any()}
    grads = [leaf.grad for leaf in run.leaves if leaf.is_leaf and leaf.grad is not None] + [g for g in run.grads if g is not None]
    run.nonfinite_grads = any(not bool(torch.isfinite(g).all()) for g in grads)
    return run


def leaf_grad(tensor):
    """``.grad`` of a leaf; None for a leaf that became a node (an in-place op with grad on it)."""
    return tensor.grad if tensor.is_leaf else None


def grad_or_zeros(tensor, grad):
    if grad is not None:
        return as_numpy(grad)
    return np.zeros(tuple(tensor.shape), as_numpy(tensor).dtype)


def compare_runs(program, mg, th):
    if th.error is not None and mg.error is None:
        known = [k.bug for k in KNOWN_DIVERGENCES if k.stage == "torch_error" and k.applies(program, th)]
        if known:
            event(f"torch's error not compared: {known[0]}")
            return
    if th.error is not None or mg.error is not None:
        assert (mg.error is None) == (th.error is None) and mg.error_at == th.error_at, (
            f"torch raised {th.error!r} at step {th.error_at}; minigrad raised {mg.error!r} at step {mg.error_at}"
        )
        event(f"both raised: {type(th.error).__name__}")
    for i, (m, t) in enumerate(zip(mg.env, th.env)):
        assert dtype_name(m) == dtype_name(t), f"env[{i}]: dtype {m.dtype} != torch's {t.dtype}"
        assert m.requires_grad == t.requires_grad, f"env[{i}]: requires_grad {m.requires_grad} != torch's {t.requires_grad}"
        try:
            assert_same_values(as_numpy(m), as_numpy(t), f"value env[{i}]")
        except AssertionError:
            if not rounding_before_a_jump(program, i, mg, th):
                raise
            event("not compared: rounding before a discontinuous op or a 0 / 0")
            return
    for i, (m, t) in enumerate(zip(mg.buffers, th.buffers)):
        assert_same_values(as_numpy(m), as_numpy(t), f"buffer {i} (running statistics)")
    if th.error is not None:
        return
    known = [k.bug for k in KNOWN_DIVERGENCES if k.stage == "gradients" and k.applies(program, th)]
    if known:
        event(f"gradients not compared: {known[0]}")
        return
    if any(zero_against_rounding(as_numpy(m), as_numpy(t)) for m, t in zip(mg.env, th.env)):
        event("gradients not compared: a value is 0 in one library, a rounding residue in the other (abs, relu, "
              "max... have a jump in their gradient there)")
        return
    for i, (m, t) in enumerate(zip(mg.leaves, th.leaves)):
        assert_same_values(grad_or_zeros(m, leaf_grad(m)), grad_or_zeros(t, leaf_grad(t)), f"gradient of leaf {i}")
    for i, (m, t) in enumerate(zip(mg.grads, th.grads)):
        leaf = th.leaves[program.ending.wrt[i]]
        assert_same_values(grad_or_zeros(leaf, m), grad_or_zeros(leaf, t), f"autograd.grad result {i}")


def jumps(step):
    """Whether the op's value jumps where its input crosses a point (a count of nonzero entries,
    all/any, round, an order): rounding in the input then changes it by a whole step."""
    return (step.op == "norm" and step.options["p"] == 0 or step.op in ("all_any", "round")
            or step.op == "sort" and step.options["name"] == "argsort")


def zero_against_rounding(m, t):
    """Some entry is exactly 0 in one library and a rounding residue (|v| ≤ 1e-12 · scale in
    float64, 1e-6 · scale in float32) in the other: a sum that cancels, in another order."""
    m, t = np.asarray(m), np.asarray(t)
    if m.shape != t.shape or t.dtype.kind != "f":
        return False
    residue = 1e-12 if t.dtype == np.float64 else 1e-6
    m, t = m.astype(np.float64), t.astype(np.float64)
    finite = np.isfinite(t)
    scale = 1.0 + (np.abs(t[finite]).max() if finite.any() else 0.0)
    return bool((((m == 0) != (t == 0)) & (np.abs(m - t) <= residue * scale)).any())


def rounding_before_a_jump(program, i, mg, th):
    """``env[i]`` (which differs) comes from inputs that differ between the libraries in the last
    bits, fed to an op that ``jumps`` (torch's 3 + 2.2e-16 - 3 is 2.2e-16, minigrad's 0: norm(p=0)
    counts 1 against 0) or where one side has an exact 0 and the other a residue (x / x: 1 against
    NaN): summation order, not a divergence of the op."""
    position = i - len(program.leaves)
    if not 0 <= position < len(program.steps):
        return False
    step = program.steps[position]
    inputs = [step.operands[0]] + [v.index for v in step.options.values() if isinstance(v, Ref)]
    pairs = [(as_numpy(mg.env[k]), as_numpy(th.env[k])) for k in inputs]
    pairs = [(m, t) for m, t in pairs if m.shape == t.shape and m.dtype.kind == "f" and not np.array_equal(m, t, equal_nan=True)]
    return bool(pairs) and (jumps(step) or any(zero_against_rounding(m, t) for m, t in pairs))


def check_program(program):
    note(repr(program))
    event(f"ending: {program.ending.kind}")
    th = run_torch(program)
    mg = execute(minigrad, program)
    compare_runs(program, mg, th)


# -- the tests --------------------------------------------------------------------------------------------


@settings(deadline=None, **example_budget())
@given(program=programs(known=KNOWN_DIVERGENCES))
def test_random_programs(program):
    check_program(program)


@settings(deadline=None, **example_budget())
@given(program=programs(known=KNOWN_DIVERGENCES, min_steps=6, max_steps=8))
def test_long_random_programs(program):
    check_program(program)


def test_markers_are_plain_data():
    """The markers the interpreter resolves print what they hold (falsifying examples read well)."""
    assert "Leaf([1.0]" in repr(Leaf(np.array([1.0]))) and "Const([1]" in repr(Const(np.array([1]))) and Ref(3).index == 3
