"""minigrad/ops/loss.py against torch: l1_loss, mse_loss, nll_loss and cross_entropy.

Values and every input gradient (input; target for l1/mse and for probability targets; the
class weights for probability targets) in float64 and float32, over hypothesis-drawn shapes
(C), (N, C), (N, C, d1) and (N, C, d1, d2), reductions, class weights, ignore_index present
and absent among the targets, label smoothing and both kinds of target; gradcheck in float64;
the grad_fn names torch shows; torch's errors (type and key message).
"""

import re
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
import minigrad.nn.functional as F
from harness import check_gradcheck, check_parity, check_under_upstream
from strategies import DTYPES, arrays, broadcastable_shapes, positive_arrays

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def same_grad_fn(mg_out, t_out):
    assert mg_out.grad_fn.name() == t_out.grad_fn.name()


# -- l1_loss and mse_loss --------------------------------------------------------------------------


@st.composite
def regression_cases(draw, dtypes=DTYPES):
    """(input, target, reduction) with shapes that broadcast together (usually equal)."""
    dtype = draw(dtypes)
    shape = draw(st.sampled_from([(3,), (2, 3), (2, 1, 4)]) | broadcastable_shapes(2, max_dims=3).map(lambda s: s[0]))
    target_shape = draw(st.just(shape) | broadcastable_shapes(2, max_dims=3).map(lambda s: s[1]))
    try:
        np.broadcast_shapes(shape, target_shape)
    except ValueError:
        target_shape = shape
    x = draw(arrays(shape, dtype, -5, 5))
    target = draw(st.just(x.copy()) | arrays(target_shape, dtype, -5, 5))  # input == target: L1's gradient is 0
    return x, target, draw(REDUCTIONS)


@pytest.mark.filterwarnings("ignore:Using a target size")
@settings(deadline=None)
@given(regression_cases(), st.sampled_from(["l1_loss", "mse_loss"]))
@example((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), "mean"), "l1_loss")
@example((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 5.0]), "mean"), "mse_loss")
@example((np.array([1.0, -2.0, 0.0]), np.array([1.0, -2.0, 0.0]), "sum"), "l1_loss")  # input == target
def test_regression_losses_match_torch(case, name):
    x, target, reduction = case
    mg_out = check_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction), lambda a, b: getattr(TF, name)(a, b, reduction=reduction), x, target)
    t_out = getattr(TF, name)(torch.tensor(x, requires_grad=True), torch.tensor(target), reduction=reduction)
    same_grad_fn(mg_out, t_out)


def test_tutorial_numbers():
    x, target = minigrad.tensor([1.0, 2.0, 3.0]), minigrad.tensor([1.0, 2.0, 5.0])
    assert round(F.l1_loss(x, target).item(), 4) == 0.6667 and F.l1_loss(x, target, reduction="sum").item() == 2.0
    assert round(F.mse_loss(x, target).item(), 4) == 1.3333 and F.mse_loss(x, target, reduction="sum").item() == 4.0
    logits = minigrad.tensor([[0.1, 0.2, 0.3]])
    assert round(F.cross_entropy(logits, minigrad.tensor([1])).item(), 4) == 1.1019


def test_l1_gradient_is_zero_where_input_equals_target():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.l1_loss(x, minigrad.tensor([1.0, 0.0, 3.0]), reduction="sum").backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


@settings(deadline=None, max_examples=15)
@given(regression_cases(dtypes=st.just(np.float64)), st.sampled_from(["l1_loss", "mse_loss"]))
def test_regression_losses_gradcheck(case, name):
    x, target, reduction = case
    if name == "l1_loss":  # |x − t| has a kink at x = t: keep every difference away from it
        target = np.broadcast_to(target, np.broadcast_shapes(x.shape, target.shape)).copy()
        x = np.broadcast_to(x, target.shape).copy()
        x = np.asarray(np.where(np.abs(x - target) < 0.1, target + 0.5, x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_gradcheck(lambda a, b: getattr(F, name)(a, b, reduction=reduction), x, target)


@pytest.mark.filterwarnings("ignore:Using a target size")
def test_broadcasting_warns_like_torch_and_bad_shapes_raise():
    for lib, functional in ((torch, TF), (minigrad, F)):
        for name in ("l1_loss", "mse_loss"):
            with pytest.warns(UserWarning, match="Using a target size .* that is different to the input size"):
                getattr(functional, name)(lib.tensor([1.0, 2.0, 3.0]), lib.tensor([[1.0, 2.0, 5.0]]))
            with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(2\) at non-singleton dimension 0"):
                getattr(functional, name)(lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1.0, 2.0]))


def test_mixed_dtypes_promote_like_torch():
    for name in ("l1_loss", "mse_loss"):
        for a, b in ((np.float32, np.float64), (np.float32, np.int64), (np.int64, np.float32)):
            x, target = np.array([1, 2, 3], a), np.array([1, 2, 5], b)
            mg = getattr(F, name)(minigrad.tensor(x), minigrad.tensor(target))
            t = getattr(TF, name)(torch.tensor(x), torch.tensor(target))
            assert str(mg.dtype).removeprefix("minigrad.") == str(t.dtype).removeprefix("torch.")
            np.testing.assert_allclose(mg.numpy(), t.numpy(), rtol=1e-6)
    ints = np.array([1, 2, 3]), np.array([1, 2, 5])
    for reduction in ("sum", "none"):  # L1 on integers works without a mean
        mg, t = (F.l1_loss(*map(minigrad.tensor, ints), reduction=reduction), TF.l1_loss(*map(torch.tensor, ints), reduction=reduction))
        assert mg.tolist() == t.tolist() and mg.dtype == minigrad.int64


REGRESSION_ERRORS = [
    ("l1_loss", np.int64, "mean", RuntimeError, r"mean\(\): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long"),
    ("mse_loss", np.int64, "mean", NotImplementedError, "\"mse_cpu\" not implemented for 'Long'"),
    ("mse_loss", np.int64, "sum", NotImplementedError, "\"mse_cpu\" not implemented for 'Long'"),
    ("l1_loss", np.float64, "avg", ValueError, "avg is not a valid value for reduction"),
    ("mse_loss", np.float64, "avg", ValueError, "avg is not a valid value for reduction"),
]  # fmt: skip


@pytest.mark.parametrize("name, dtype, reduction, error, message", REGRESSION_ERRORS)
def test_regression_errors_match_torch(name, dtype, reduction, error, message):
    x, target = np.array([1, 2, 3], dtype), np.array([1, 2, 5], dtype)
    for lib, functional in ((torch, TF), (minigrad, F)):
        with pytest.raises(error, match=message):
            getattr(functional, name)(lib.tensor(x), lib.tensor(target), reduction=reduction)


# -- nll_loss and cross_entropy --------------------------------------------------------------------


@st.composite
def classification_cases(draw, dtypes=DTYPES, probability_targets=True, logit_range=10.0):
    """(scores, target, weight or None, keyword arguments) for nll_loss / cross_entropy."""
    dtype = draw(dtypes)
    num_classes, batch = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    positions = draw(st.sampled_from([None, (), (3,), (2, 2)]))  # None: one unbatched sample (C)
    if positions is None:
        input_shape, target_shape = (num_classes,), ()
    else:
        input_shape, target_shape = (batch, num_classes, *positions), (batch, *positions)
    scores = draw(arrays(input_shape, dtype, -logit_range, logit_range))
    weight = draw(st.none() | positive_arrays((num_classes,), dtype, 0.1, 2.0))
    kwargs = dict(reduction=draw(REDUCTIONS))
    if probability_targets and draw(st.booleans()):
        target = draw(arrays(input_shape, dtype, 0.0, 1.0))  # torch does not require rows summing to 1
        kwargs["ignore_index"] = draw(st.sampled_from([-100, -1]))
    else:
        # ignore_index is either no class (−100) or one of them, which may or may not be drawn
        ignore_index = draw(st.sampled_from([-100, *range(num_classes)]))
        classes = st.integers(0, num_classes - 1) | st.just(ignore_index)
        target = draw(hnp.arrays(np.int64, target_shape, elements=classes))
        kwargs["ignore_index"] = ignore_index
    if probability_targets:
        kwargs["label_smoothing"] = draw(st.sampled_from([0.0, 0.0, 0.1, 1.0]) | st.floats(0.0, 1.0))
    return scores, target, weight, kwargs


def run_classification(name, case, dtype_check=True):
    scores, target, weight, kwargs = case
    probabilities = target.dtype.kind == "f"
    mg_out = check_parity(
        lambda x, t, w: getattr(F, name)(x, t, w, **kwargs),
        lambda x, t, w: getattr(TF, name)(x, t, w, **kwargs),
        scores,
        target,
        weight,
        requires_grad=[True, probabilities, probabilities],
    )
    t_out = getattr(TF, name)(torch.tensor(scores, requires_grad=True), torch.tensor(target), None if weight is None else torch.tensor(weight), **kwargs)
    same_grad_fn(mg_out, t_out)


TUTORIAL = (np.array([[0.1, 0.2, 0.3]]), np.array([1]), None, dict(reduction="mean"))
HUGE_LOGITS = (np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0], [1e4, -5e3, 0.35]]), np.array([2, 1, 1]), None, dict(reduction="mean"))
ALL_IGNORED = (np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([-100, -100]), None, dict(reduction="mean", label_smoothing=0.2))
IGNORED_IN_RANGE = (np.arange(12.0).reshape(2, 3, 2) / 7, np.array([[1, 2], [2, 0]]), np.array([0.5, 1.0, 2.0]), dict(ignore_index=2, reduction="mean", label_smoothing=0.3))


@settings(deadline=None, max_examples=60)
@given(classification_cases())
@example(TUTORIAL)
@example(HUGE_LOGITS)
@example((HUGE_LOGITS[0].astype(np.float32), *HUGE_LOGITS[1:]))
@example(ALL_IGNORED)
@example(IGNORED_IN_RANGE)
@example((np.array([[2.0, -1.0, 0.5]]), np.array([[0.2, 0.3, 0.5]]), np.array([1.0, 2.0, 0.5]), dict(reduction="mean", label_smoothing=0.1)))
def test_cross_entropy_matches_torch(case):
    run_classification("cross_entropy", case)


@settings(deadline=None)
@given(classification_cases(probability_targets=False))
@example((np.log(np.array([[0.2, 0.3, 0.5]])), np.array([1]), None, dict(reduction="mean")))
@example((ALL_IGNORED[0], ALL_IGNORED[1], None, dict(reduction="mean")))
@example((ALL_IGNORED[0], ALL_IGNORED[1], np.array([1.0, 2.0]), dict(reduction="sum")))
def test_nll_loss_matches_torch(case):
    run_classification("nll_loss", case)


def test_pinned_values():
    assert np.isclose(F.cross_entropy(minigrad.tensor([[1e4, -5e3, 0.35]]), minigrad.tensor([1])).item(), 15000.0)
    assert np.isnan(F.cross_entropy(minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([-100])).item())
    assert F.nll_loss(minigrad.tensor([[1.0, 2.0]]), minigrad.tensor([-100]), reduction="sum").item() == 0.0


@settings(deadline=None, max_examples=15)
@given(classification_cases(dtypes=st.just(np.float64), logit_range=3.0), st.sampled_from(["cross_entropy", "nll_loss"]))
def test_classification_gradcheck(case, name):
    scores, target, weight, kwargs = case
    if name == "nll_loss":
        kwargs = {k: v for k, v in kwargs.items() if k != "label_smoothing"}
        if target.dtype.kind == "f":
            return
    if target.dtype.kind == "f":  # probability targets: the target and the weights get gradients too
        if weight is None:
            check_gradcheck(lambda x, t: getattr(F, name)(x, t, **kwargs), scores, target)
        else:
            check_gradcheck(lambda x, t, w: getattr(F, name)(x, t, w, **kwargs), scores, target, weight)
    else:
        assume(kwargs["reduction"] != "mean" or (target != kwargs["ignore_index"]).any())  # else the loss is nan
        target_t, weight_t = minigrad.tensor(target), None if weight is None else minigrad.tensor(weight)
        check_gradcheck(lambda x: getattr(F, name)(x, target_t, weight_t, **kwargs), scores)


def test_empty_batch_like_torch():
    for name in ("nll_loss", "cross_entropy"):
        for reduction in ("mean", "sum", "none"):
            run_classification(name, (np.zeros((0, 3)), np.zeros(0, np.int64), None, dict(reduction=reduction)))


def test_unbatched_input_with_a_one_element_target_and_byte_targets():
    scores = np.array([0.3, -1.0, 2.0])
    for name in ("nll_loss", "cross_entropy"):
        for reduction in ("mean", "none"):
            # values only: torch's own backward fails for a (C) input with a (1,) target
            check_parity(lambda x, t: getattr(F, name)(x, t, reduction=reduction), lambda x, t: getattr(TF, name)(x, t, reduction=reduction), scores, np.array([2]), requires_grad=False)
        run_classification(name, (scores[None], np.array([2], np.uint8), None, dict(reduction="sum")))


def test_probability_targets_promote_dtypes_like_torch():
    rng = np.random.default_rng(0)
    for x_dtype, t_dtype, w_dtype in ((np.float32, np.float64, None), (np.float64, np.float32, np.float32), (np.float32, np.float32, np.float64)):
        x, t = rng.standard_normal((3, 4)).astype(x_dtype), rng.uniform(size=(3, 4)).astype(t_dtype)
        w = None if w_dtype is None else rng.uniform(0.5, 1.0, 4).astype(w_dtype)
        mg = F.cross_entropy(minigrad.tensor(x, requires_grad=True), minigrad.tensor(t), None if w is None else minigrad.tensor(w))
        expected = TF.cross_entropy(torch.tensor(x), torch.tensor(t), None if w is None else torch.tensor(w))
        assert str(mg.dtype).removeprefix("minigrad.") == str(expected.dtype).removeprefix("torch.")
        np.testing.assert_allclose(mg.item(), expected.item(), rtol=1e-6)
        mg.backward()


def test_logits_of_minus_infinity_for_other_classes_are_harmless_with_index_targets():
    scores = np.array([[0.0, -np.inf, 1.0], [2.0, 0.5, -np.inf]])
    run_classification("cross_entropy", (scores, np.array([0, 1]), None, dict(reduction="mean")))


def classification_error(name, scores, target, weight=None, **kwargs):
    """The exception each library raises for these arguments, as (type, message)."""
    raised = []
    for lib, functional in ((torch, TF), (minigrad, F)):
        args = [lib.tensor(scores), lib.tensor(target)]
        if isinstance(weight, dict):  # a weight that requires grad
            args.append(lib.tensor(weight["values"], requires_grad=True))
        else:
            args.append(None if weight is None else lib.tensor(weight))
        with pytest.raises(Exception) as info:
            getattr(functional, name)(*args, **kwargs)
        raised.append(info.value)
    return raised


X = np.zeros((3, 5), np.float32)
Y = np.array([1, 0, 4])
CLASSIFICATION_ERRORS = [
    # (function names, scores, target, weight, keyword arguments, key part of torch's message)
    ("both", X, np.array([1, 5, 0]), None, {}, "Target 5 is out of bounds."),
    ("both", X, np.array([1, -1, 0]), None, {}, "Target -1 is out of bounds."),
    ("both", np.zeros(5, np.float32), np.array(7), None, {}, "Target 7 is out of bounds."),
    ("both", X, Y.astype(np.float32), None, {}, "expected target dtype to be Long or Byte, but got Float"),
    ("both", X, Y.astype(np.int32), None, {}, "expected target dtype to be Long or Byte, but got Int"),
    ("both", np.zeros((4, 5), np.float32), Y, None, {}, r"Expected input batch_size \(4\) to match target batch_size \(3\)."),
    ("both", np.zeros((4, 5, 2), np.float32), np.zeros((3, 2), np.int64), None, {}, r"Expected input batch_size \(4\) to match target batch_size \(3\)."),
    ("both", X, Y, None, dict(reduction="avg"), "avg is not a valid value for reduction"),
    ("both", X, Y, np.ones(3, np.float32), {}, r"weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: \[3\]"),
    ("both", X, Y, np.ones(5, np.float64), {}, "expected scalar type Float but found Double"),
    ("both", X, Y, dict(values=np.ones(5, np.float32)), {}, "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'"),
    ("both", np.zeros((3, 5, 2), np.float32), np.zeros((3, 4), np.int64), None, {}, r"Expected target size \[3, 2\], got \[3, 4\]"),
    ("both", X, np.zeros((3, 2), np.int64), None, {}, "0D or 1D target tensor expected, multi-target not supported"),
    ("both", np.zeros(5, np.float32), np.zeros(2, np.int64), None, {}, "For 1D input, 1D target must have size 1, but got target size: 2"),
    ("both", X.astype(np.int64), Y, None, {}, "not implemented for 'Long'"),
    ("nll_loss", np.zeros((), np.float32), np.zeros((), np.int64), None, {}, r"Expected 1 or more dimensions \(got 0\)"),
    ("nll_loss", X, np.full((3, 5), 0.2, np.float32), None, {}, "0D or 1D target tensor expected, multi-target not supported"),
    ("cross_entropy", X, Y, None, dict(label_smoothing=1.1), "label_smoothing must be between 0.0 and 1.0. Got: 1.1"),
    ("cross_entropy", X, np.full((3, 5), 0.2, np.float32), None, dict(ignore_index=0), "ignore_index is not supported for floating point target"),
    ("cross_entropy", X, np.zeros((3, 5), np.int64), None, {}, "Expected floating point type for target with class probabilities, got Long"),
    ("cross_entropy", X, np.full((3, 5), 0.2, np.float32), np.ones(3, np.float32), {}, r"cross_entropy: weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: \[3\]"),
    ("cross_entropy", X, np.full((2, 5), 0.2, np.float32), None, {}, r"Expected input batch_size \(3\) to match target batch_size \(2\)."),
    ("cross_entropy", np.zeros((3, 5, 2), np.float32), np.zeros((3, 2), np.float32), None, {}, "expected target dtype to be Long or Byte, but got Float"),
]  # fmt: skip


@pytest.mark.parametrize("names, scores, target, weight, kwargs, message", CLASSIFICATION_ERRORS)
def test_classification_errors_match_torch(names, scores, target, weight, kwargs, message):
    for name in ("nll_loss", "cross_entropy") if names == "both" else (names,):
        torch_error, minigrad_error = classification_error(name, scores, target, weight, **kwargs)
        assert type(minigrad_error) is type(torch_error), (name, torch_error, minigrad_error)
        assert re.search(message, str(torch_error)), (name, str(torch_error))
        assert re.search(message, str(minigrad_error)), (name, str(minigrad_error))


def test_negative_label_smoothing_raises_where_torch_silently_ignores_it():
    # torch only checks label_smoothing <= 1 and treats a negative value as 0; minigrad refuses it
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0. Got: -0.1"):
        F.cross_entropy(minigrad.tensor(X), minigrad.tensor(Y), label_smoothing=-0.1)


# -- dtypes, NaN and saved tensors ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_0d_target_promotes_as_a_full_tensor(name, reduction):
    """torch broadcasts input and target first: float32 input, 0-d float64 target → float64."""
    fn = lambda lib: lambda a, b: getattr(lib.nn.functional, name)(a, b, reduction=reduction)  # noqa: E731
    check_parity(fn(minigrad), fn(torch), np.array([1.0, 2.5, -1.0], np.float32), np.array(2.0))
    check_parity(fn(minigrad), fn(torch), np.array(2.0), np.array([1.0, 2.5, -1.0], np.float32))


@pytest.mark.parametrize("upstream", [1.0, np.nan])
@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_l1_loss_at_nan_and_ties(reduction, upstream):
    """sign(NaN) = sign(0) = 0 in l1's gradient; a NaN grad stays NaN (a product, as torch's)."""
    x = np.array([np.nan, 1.0, 2.0, np.inf, -np.inf, 0.0])
    target = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
    check_under_upstream(lambda library, t: library.nn.functional.l1_loss(t, library.tensor(target), reduction=reduction),
                         x, upstream=upstream, exact=True)


def _raises_or_runs(loss):
    try:
        loss.sum().backward()
        return "ran"
    except RuntimeError as error:
        assert "modified by an inplace operation" in str(error)
        return "raised"


LOSS_CASES = {
    "mse input": lambda F, x, t, w: (F.mse_loss(x, t), x),
    "mse target": lambda F, x, t, w: (F.mse_loss(x, t, reduction="none"), t),
    "l1 input": lambda F, x, t, w: (F.l1_loss(x, t), x),
    "cross_entropy weight": lambda F, x, t, w: (F.cross_entropy(x, t.long().clamp(0, 2), weight=w), w),
    "cross_entropy logits": lambda F, x, t, w: (F.cross_entropy(x, t.long().clamp(0, 2)), x),
    "nll input": lambda F, x, t, w: (F.nll_loss(x, t.long().clamp(0, 2)), x),
    "probabilities target": lambda F, x, t, w: (F.cross_entropy(x, t * 1), None),
}


@pytest.mark.parametrize("requires_grad", [True, False])
@pytest.mark.parametrize("case", LOSS_CASES)
def test_changed_saved_tensor_raises_where_torch_does(case, requires_grad):
    """mse saves input and target, nll input, target and weight (cross_entropy: target and
    weight); l1 saves neither. Where torch does not raise, minigrad must not either."""
    outcomes = []
    for library in (minigrad, torch):
        x = library.tensor([[0.5, 1.0, 2.0], [1.5, -1.0, 0.0]], requires_grad=True) * 1
        t = library.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]][0], requires_grad=requires_grad) * 1
        if case == "probabilities target":
            t = library.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], requires_grad=requires_grad)
            x = x if requires_grad else x.detach()
            loss, changed = LOSS_CASES[case](library.nn.functional, x, t, None)
            changed = t
        else:
            if case.startswith("mse") or case.startswith("l1"):
                t = library.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]], requires_grad=requires_grad) * 1
            else:
                t = library.tensor([0, 2])
            w = library.tensor([1.0, 2.0, 0.5])
            loss, changed = LOSS_CASES[case](library.nn.functional, x, t, w)
        with library.no_grad():
            changed.add_(1)
        outcomes.append(_raises_or_runs(loss) if loss.requires_grad else "no graph")
    assert outcomes[0] == outcomes[1]


def test_cross_entropy_probability_targets_of_zero_sum_to_negative_zero():
    """torch negates the whole sum, −(Σ target · log p), so a reduced loss of all-zero terms is
    −0.0 (one class: log p = 0); summing negated per-row losses would give +0.0 (the fuzzer's find)."""
    for reduction in ("mean", "sum", "none"):
        for smoothing in (0.0, 0.2):
            mine, torchs = (
                lib.nn.functional.cross_entropy(lib.tensor([[0.5], [2.0]]), lib.tensor([[0.0], [0.0]]),
                                                reduction=reduction, label_smoothing=smoothing).numpy()
                for lib in (minigrad, torch)
            )
            np.testing.assert_array_equal(np.signbit(mine), np.signbit(torchs))


def test_unbatched_zero_loss_is_positive_zero():
    """One unbatched sample (a 1-D input): torch's kernel sums into zero, 0 − w · log p, so a zero
    loss is +0.0 (batched: −0.0). The long fuzz run's find: 1 / loss was −inf, torch +inf."""
    for name in ("cross_entropy", "nll_loss"):
        for reduction in ("none", "sum", "mean"):
            mine, torchs = (
                getattr(lib.nn.functional, name)(lib.zeros(1), lib.tensor(0), reduction=reduction).numpy()
                for lib in (minigrad, torch)
            )
            assert np.signbit(mine) == np.signbit(torchs), (name, reduction)


@pytest.mark.parametrize("shape, options", [
    ((4, 3), {}), ((4, 3), {"reduction": "sum"}), ((4, 3), {"reduction": "none"}), ((4, 3), {"weight": [1.0, 2.0, 0.5]}),
    ((4, 3), {"ignore_index": 1}), ((3,), {}), ((2, 3, 4, 4), {}),
], ids=str)  # (not 3-D input with reduction='none': torch's nll_loss views it as 4-D around NllLoss2DBackward0, ours is one node)
def test_cross_entropy_graph_is_torchs_log_softmax_then_nll_loss(shape, options):
    """Class-index targets: torch's cross_entropy is nll_loss(log_softmax(input)), two nodes a
    learner sees in loss.grad_fn.next_functions and in a drawn graph; minigrad builds the same."""
    logits = np.random.default_rng(0).standard_normal(shape)
    classes = np.random.default_rng(1).integers(0, 3, shape[:1] + shape[2:] if len(shape) > 1 else ())
    chains = []
    for lib, functional in ((minigrad, F), (torch, TF)):
        kwargs = {k: lib.tensor(v, dtype=lib.float64) if k == "weight" else v for k, v in options.items()}
        loss = functional.cross_entropy(lib.tensor(logits, requires_grad=True), lib.tensor(classes), **kwargs)
        node, chain = loss.grad_fn, []
        while node.next_functions:  # down to the logits' AccumulateGrad
            chain.append(node.name())
            node = node.next_functions[0][0]
        chains.append(chain)
    assert chains[0] == chains[1]
