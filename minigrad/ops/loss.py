"""The losses: l1_loss and mse_loss (regression), nll_loss and cross_entropy (classification).

Every loss first computes one loss per element (per sample, for classification), then reduces:

    reduction='none'   the losses as they are        ∂L/∂lossᵢ = gradᵢ
    reduction='sum'    Σᵢ lossᵢ                      ∂L/∂lossᵢ = grad
    reduction='mean'   Σᵢ lossᵢ / D                  ∂L/∂lossᵢ = grad / D

D is the number of losses, except for class-index targets, where it is the total class weight
of the samples that count (see ``nll_loss``). Each op's backward is then "∂L/∂lossᵢ times
∂lossᵢ/∂input", written out in its docstring.
"""

import math
import numbers
import warnings

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ._arguments import broadcast_shape
from .softmax import LogSoftmax, log_softmax_array
from .unary import sign

_REDUCTIONS = ("none", "mean", "sum")


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction (use 'none', 'mean' or 'sum')")


def _regression_dtype(input, target):
    """input and target's common dtype. torch broadcasts them to one shape before comparing them,
    so a 0-d target counts as a full tensor: float32 input, 0-d float64 target → float64."""
    return dtypes.promote_types(input.dtype, target.dtype)


def negated_picks(class_weight, picked, input_ndim):
    """−w[yᵢ] · input[i, yᵢ] per row; for one unbatched sample (a 1-D input) torch's kernel sums
    into zero instead, 0 − w · x, so that a zero loss there is +0.0, not −0.0."""
    return 0 - class_weight * picked if input_ndim == 1 else -class_weight * picked


def _reduce(losses, reduction, normaliser=None):
    """Reduce the losses: as they are, Σ, or Σ / normaliser (the number of losses by default)."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return np.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):  # no losses at all: 0 / 0 = nan, as torch
        return np.asarray(total / (losses.size if normaliser is None else normaliser))


def _grad_per_loss(grad, shape, reduction, normaliser=None):
    """∂L/∂lossᵢ for each of the losses (of ``shape``) that ``_reduce`` reduced."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        with np.errstate(invalid="ignore", divide="ignore"):
            grad = grad / (math.prod(shape) if normaliser is None else normaliser)
    return np.broadcast_to(grad, shape)


# -- regression: l1_loss and mse_loss --------------------------------------------------------------


class L1Loss(Function):
    """out = reduce(|input − target|)
    ∂L/∂input = grad · sign(input − target) / D      ∂L/∂target = −∂L/∂input
    where the losses are |input − target| per element (target broadcasts against input); 'mean': D = their number

    sign(0) = sign(NaN) = 0: where input equals target (or either is NaN) the gradient is
    grad · 0, as in torch (a product: a NaN grad stays NaN).
    """

    promotes_dtypes = True

    @classmethod
    def promoted_dtype(cls, input, target):
        return _regression_dtype(input, target)

    def forward(self, input, target, reduction):
        # torch builds l1_loss from abs, then mean or sum: its graph ends in one of these nodes
        self.backward_name = {"mean": "MeanBackward0", "sum": "SumBackward0", "none": "AbsBackward0"}[reduction]
        self.reduction = reduction
        difference = input - target  # broadcasts input against target
        self.save_for_backward(sign(difference))
        return _reduce(np.abs(difference), reduction)

    def backward(self, grad):
        (signs,) = self.saved_tensors
        grad_input = _grad_per_loss(grad, signs.shape, self.reduction) * signs
        return grad_input, (-grad_input if self.needs_input_grad[1] else None)


class MSELoss(Function):
    """out = reduce((input − target)²)
    ∂L/∂input = grad · 2 (input − target) / D       ∂L/∂target = −∂L/∂input
    where the losses are (input − target)² per element (target broadcasts against input); 'mean': D = their number

    input and target are saved (as torch saves them) and their difference recomputed in backward.
    """

    backward_name = "MseLossBackward0"
    promotes_dtypes = True

    @classmethod
    def promoted_dtype(cls, input, target):
        return _regression_dtype(input, target)

    def forward(self, input, target, reduction):
        self.reduction = reduction
        self.save_for_backward(input, target)
        difference = input - target  # broadcasts input against target
        return _reduce(difference * difference, reduction)

    def backward(self, grad):
        input, target = self.saved_tensors
        difference = input - target
        grad_input = _grad_per_loss(grad, difference.shape, self.reduction) * (2 * difference)
        return grad_input, (-grad_input if self.needs_input_grad[1] else None)


def _check_broadcast(input, target):
    """Targets broadcast against inputs, as in torch, which warns because it is usually a mistake."""
    if input.shape == target.shape:
        return
    try:
        broadcast_shape(input.shape, target.shape)
    except RuntimeError as error:
        raise RuntimeError(
            f"{error}: input of shape {list(input.shape)} and target of shape {list(target.shape)} do not "
            "broadcast; give them the same shape"
        ) from None
    warnings.warn(
        f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
        "This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
        UserWarning,
        stacklevel=3,
    )


def l1_loss(input, target, reduction="mean"):
    """Mean (or sum, or each) of |input − target|; ``target`` broadcasts against ``input``."""
    _check_broadcast(input, target)
    _check_reduction(reduction)
    dtype = _regression_dtype(input._array, target._array)
    if reduction == "mean" and dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
            f"Got: {dtypes.from_numpy_dtype(dtype).torch_name} (convert input and target with .float())"
        )
    return L1Loss.apply(input, target, reduction=reduction)


def mse_loss(input, target, reduction="mean"):
    """Mean (or sum, or each) of (input − target)²; ``target`` broadcasts against ``input``."""
    _check_broadcast(input, target)
    _check_reduction(reduction)
    dtype = _regression_dtype(input._array, target._array)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"mse_cpu\" not implemented for '{dtypes.from_numpy_dtype(dtype).torch_name}' "
            "(convert input and target with .float())"
        )
    return MSELoss.apply(input, target, reduction=reduction)


# -- classification: nll_loss and cross_entropy ----------------------------------------------------
#
# input (C), (N, C) or (N, C, d1, ..., dk): C class scores for each sample (and each position
# d1..dk). Class-index targets have the input's shape without C: (), (N) or (N, d1, ..., dk).
# Both ops move the class axis last and flatten the rest into M rows: scores (M, C),
# targets (M,). Row i's loss is computed from row i alone; losses go back to the target's shape.


def _rows(x):
    """(N, C, d1, ..., dk) → (M, C) with M = N·d1⋯dk: the class axis last, the others flattened."""
    if x.ndim == 1:
        return x[None, :]  # one unbatched sample
    if x.ndim == 2:
        return x  # (N, C): already one row per sample
    num_rows, num_classes = x.shape[0] * math.prod(x.shape[2:]), x.shape[1]
    return np.moveaxis(x, 1, -1).reshape(num_rows, num_classes)


def _rows_back(rows, input_shape):
    """(M, C) → the input's layout (N, C, d1, ..., dk), undoing ``_rows``."""
    if len(input_shape) == 1:
        return rows[0]
    if len(input_shape) == 2:
        return rows
    n, classes, *positions = input_shape
    return np.moveaxis(rows.reshape(n, *positions, classes), -1, 1)


def _each_row(classes):
    """0, 1, ..., M − 1: with ``classes``, indexes each row's entry at its target class,
    ``rows[_each_row(classes), classes]`` = rows[i, yᵢ] for every row i."""
    return np.arange(len(classes))


def _num_classes(input_shape):
    return input_shape[0] if len(input_shape) == 1 else input_shape[1]


def _losses_shape(input_shape):
    """One loss per row, shaped like the class-index target: (), (N) or (N, d1, ..., dk)."""
    return () if len(input_shape) == 1 else (input_shape[0], *input_shape[2:])


def _index_target_rows(target, weight, ignore_index, dtype):
    """For class-index targets, per row: the class (0 where ignored), its weight w[yᵢ]
    (0 where ignored) and whether the row counts."""
    target = target.reshape(-1).astype(np.int64)  # (M,)
    counts = target != ignore_index
    classes = np.where(counts, target, 0)
    class_weight = weight[classes] if weight is not None else np.ones(len(classes), dtype)
    return classes, np.where(counts, class_weight, 0).astype(dtype, copy=False), counts


class NLLLoss(Function):
    """out = reduce(lossᵢ),  lossᵢ = −w[yᵢ] · input[i, yᵢ]   (input holds log-probabilities)
    ∂L/∂input[i, c] = −gradᵢ · w[yᵢ] / D where c = yᵢ, and 0 for every other class
    where row i = one sample (and position d1..dk), yᵢ = its target class;
          w = the class weights (1 if not given);
          'mean': D = Σᵢ w[yᵢ] over the rows that count (so with no weights, their number)

    Rows whose target is ``ignore_index`` have loss 0 and get no gradient.
    """

    def forward(self, input, target, weight, ignore_index, reduction):
        self.backward_name = self.torch_name(input.ndim, reduction)
        self.input_shape, self.reduction = input.shape, reduction
        scores = _rows(input)  # (M, C)
        classes, class_weight, counts = _index_target_rows(target, weight, ignore_index, input.dtype)
        picked = scores[_each_row(classes), classes]  # input[i, yᵢ]
        losses = np.where(counts, negated_picks(class_weight, picked, input.ndim), 0).astype(input.dtype, copy=False)
        self.total_weight = class_weight.sum()  # D
        # input, target and weight are saved as torch saves them: changing one in place breaks backward
        self.save_for_backward(classes, class_weight, counts, input, target, weight)
        return _reduce(losses.reshape(_losses_shape(input.shape)), reduction, self.total_weight)

    def backward(self, grad):
        classes, class_weight, counts, *_ = self.saved_tensors
        grad_loss = _grad_per_loss(grad, _losses_shape(self.input_shape), self.reduction, self.total_weight)
        grad_loss = np.where(counts, grad_loss.reshape(-1), 0)  # ignored rows: no gradient at all
        grad_scores = np.zeros((len(classes), _num_classes(self.input_shape)), grad.dtype)  # (M, C)
        grad_scores[_each_row(classes), classes] = -class_weight * grad_loss
        return _rows_back(grad_scores, self.input_shape), None, None

    @staticmethod
    def torch_name(input_ndim, reduction):
        """torch's grad_fn name: NllLoss2d handles (N, C, H, W); other spatial shapes are reshaped."""
        if input_ndim <= 2:
            return "NllLossBackward0"
        if input_ndim != 4 and reduction == "none":
            return "ViewBackward0"
        return "NllLoss2DBackward0"


class CrossEntropy(Function):
    """out = reduce(lossᵢ),  lossᵢ = −Σ_c q[i, c] · log softmax(input)[i, c]
    ∂L/∂input[i]     = gradᵢ / D · (softmax(input)[i] · Σ_c q[i, c] − q[i])
    ∂L/∂target[i, c] = −gradᵢ / D · (1 − ε) · w[c] · log softmax(input)[i, c]   (probability targets)
    ∂L/∂w[c]         = −Σᵢ gradᵢ / D · t[i, c] · log softmax(input)[i, c]       (probability targets)
    where row i = one sample (and position d1..dk), C = the number of classes, ε = label_smoothing;
          w = the class weights (1 if not given);
          q[i] = row i's target distribution, weighted and smoothed:
          class-index targets yᵢ:   q[i, c] = (1 − ε) · w[yᵢ] · [c = yᵢ] + ε/C · w[c]   (q[i] = 0 if ignored)
          probability targets:      q[i, c] = w[c] · t[i, c],   t = (1 − ε) · target + ε/C
          'mean': D = Σᵢ w[yᵢ] over the rows that count (class-index targets), or the number of rows

    The input gradient follows from log softmax(x)_c = x_c − log Σ_k e^{x_k}: its derivative
    along x_j is [c = j] − softmax(x)_j.

    log softmax subtracts each row's maximum first, so logits of 1e4 give finite losses.

    ``cross_entropy`` runs this op for label smoothing and for probability targets. Class-index
    targets without smoothing (the usual case) run as torch builds them, ``LogSoftmax`` then
    ``NLLLoss``: the same formula with ε = 0, in two nodes.
    """

    def forward(self, input, target, weight, ignore_index, reduction, label_smoothing, probabilities):
        self.input_shape, self.reduction, self.smoothing = input.shape, reduction, label_smoothing
        self.backward_name = self.torch_name(input.ndim, reduction, label_smoothing, probabilities)
        if probabilities:  # input, target and weight meet in one dtype
            dtype = np.result_type(input, target, *(() if weight is None else (weight,)))
            input, target = input.astype(dtype, copy=False), target.astype(dtype, copy=False)
            weight = None if weight is None else weight.astype(dtype, copy=False)
        dtype, eps = input.dtype, label_smoothing  # a Python float: numpy keeps the arrays' dtype
        log_p = log_softmax_array(_rows(input), axis=1)  # (M, C)
        num_rows, num_classes = log_p.shape
        class_weight_row = np.ones(num_classes, dtype) if weight is None else weight  # w, shape (C,)

        if probabilities:
            smoothed = (1 - eps) * _rows(target) + eps / num_classes  # t
            q = smoothed * class_weight_row
            losses = -(q * log_p).sum(axis=1)
            self.normaliser, counts = num_rows, None
            self.classes = None
            # torch builds this from products, and keeps a factor only for the other factor's gradient:
            # target when the input needs one, weight when the input or target does
            needs_input, needs_target = self.needs_input_grad[:2]
            kept = (target if needs_input else None), (weight if needs_input or needs_target else None)
            self.save_for_backward(log_p, q, smoothed, class_weight_row, counts, *kept)
            if reduction != "none":  # torch negates the whole sum, −(Σ q · log p) [/ M]: all-zero terms give −0.0
                total = -(q * log_p).sum()
                with np.errstate(invalid="ignore", divide="ignore"):  # no rows: 0 / 0 = nan, as torch
                    return np.asarray(total if reduction == "sum" else total / num_rows)
        else:
            classes, class_weight, counts = _index_target_rows(target, weight, ignore_index, dtype)
            # the picked log-probability alone, as torch does: a class with logit −inf elsewhere is harmless
            losses = negated_picks(class_weight, log_p[_each_row(classes), classes], input.ndim)
            self.classes, self.picked_weight = classes, (1 - eps) * class_weight  # q's share at the target class
            q = np.zeros_like(log_p)
            q[_each_row(classes), classes] = self.picked_weight
            self.smoothing_q = None
            if label_smoothing > 0:
                smooth = -(class_weight_row * log_p).sum(axis=1)  # −Σ_c w[c] · log p[i, c]
                losses = (1 - eps) * losses + (eps / num_classes) * smooth
                self.smoothing_q = (eps / num_classes) * class_weight_row * counts[:, None]  # q's smoothing share
                q += self.smoothing_q
            losses = np.where(counts, losses, 0).astype(dtype, copy=False)
            self.normaliser = class_weight.sum()
            self.save_for_backward(log_p, q, None, None, counts, target, weight)
        return _reduce(losses.reshape(_losses_shape(self.input_shape)), reduction, self.normaliser)

    def backward(self, grad):
        # target and weight are saved only for their versions (as torch saves them): changing one in place breaks backward
        log_p, q, smoothed, class_weight_row, counts, _, _ = self.saved_tensors
        grad_loss = _grad_per_loss(grad, _losses_shape(self.input_shape), self.reduction, self.normaliser)
        grad_loss = grad_loss.reshape(-1, 1)  # (M, 1)
        if counts is not None:
            grad_loss = np.where(counts[:, None], grad_loss, 0)  # ignored rows: no gradient at all
        grad_input = grad_target = grad_weight = None
        if self.needs_input_grad[0]:  # through log softmax: ∂L/∂x = g − softmax · Σ_c g, with g = ∂L/∂log p
            grad_log_p = self.grad_log_probabilities(grad_loss, q)  # (M, C)
            grad_input = grad_log_p - np.exp(log_p) * grad_log_p.sum(axis=1, keepdims=True)
            grad_input = _rows_back(grad_input, self.input_shape)
        if self.needs_input_grad[1]:
            grad_target = _rows_back(-grad_loss * (1 - self.smoothing) * class_weight_row * log_p, self.input_shape)
        if self.needs_input_grad[2]:
            grad_weight = -(grad_loss * smoothed * log_p).sum(axis=0)
        return grad_input, grad_target, grad_weight

    def grad_log_probabilities(self, grad_loss, q):
        """g = ∂L/∂log p = −∂L/∂lossᵢ · q[i], as torch's nodes compute it: nll_loss hands each row's
        gradient to its target class only (a NaN or ∞ gradient reaches no other class), while the
        smoothing term and probability targets multiply every class by its share of q."""
        if self.classes is None:  # probability targets
            return -grad_loss * q
        grad_log_p = np.zeros_like(q)
        grad_log_p[_each_row(self.classes), self.classes] = -grad_loss[:, 0] * self.picked_weight
        if self.smoothing_q is not None:
            grad_log_p -= grad_loss * self.smoothing_q
        return grad_log_p

    @staticmethod
    def torch_name(input_ndim, reduction, label_smoothing, probabilities):
        """torch's last node. torch builds cross_entropy from log_softmax and then: nll_loss for
        class-index targets (its "NllLossBackward0" or "NllLoss2DBackward0"), plus the smoothing
        term when ε > 0; −Σ target · log p (then ÷ M for 'mean') for probability targets."""
        if probabilities:
            return "DivBackward1" if reduction == "mean" else "NegBackward0"
        if label_smoothing > 0:
            return "AddBackward0"
        return NLLLoss.torch_name(input_ndim, reduction)


def _check_class_scores(input, function_name):
    if input.ndim == 0:
        raise ValueError(
            f"Expected 1 or more dimensions (got 0): {function_name} takes class scores of shape (C), (N, C) "
            "or (N, C, d1, ..., dk)"
        )
    if not input.dtype.is_floating_point:
        kernel = "nll_loss_out_frame" if function_name == "nll_loss" else "log_softmax_lastdim_kernel_impl"
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{input.dtype.torch_name}' "
            "(class scores must be floating point; convert them with .float())"
        )


def _check_weight(weight, num_classes, prefix=""):
    if weight is not None and tuple(weight.shape) != (num_classes,):
        raise RuntimeError(
            f"{prefix}weight tensor should be defined either for all {num_classes} classes or no classes but got "
            f"weight tensor of shape: {list(weight.shape)}"
        )


def _check_index_target(input, target, weight, ignore_index):
    """Raise torch's error for a class-index target that does not fit ``input``."""
    if input.ndim >= 2 and input.shape[0] != (target.shape[0] if target.ndim else 0):
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0] if target.ndim else 0})."
        )
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError(
            "0D or 1D target tensor expected, multi-target not supported "
            f"(input of shape {list(input.shape)} takes a target of shape {list(_losses_shape(input.shape))} "
            "holding class indices)"
        )
    if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    if input.ndim > 2 and tuple(target.shape) != _losses_shape(input.shape):
        raise RuntimeError(
            f"Expected target size {list(_losses_shape(input.shape))}, got {list(target.shape)} "
            "(the input's shape without its class axis 1)"
        )
    if target.dtype.numpy not in (np.dtype(np.int64), np.dtype(np.uint8)):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {target.dtype.torch_name} "
            "(class-index targets are integers; class probabilities have the input's shape)"
        )
    num_classes = _num_classes(input.shape)
    _check_weight(weight, num_classes)
    if weight is not None:
        if weight.dtype != input.dtype:
            raise RuntimeError(
                f"expected scalar type {input.dtype.torch_name} but found "
                f"{weight.dtype.torch_name} (weight must have the input's dtype, {input.dtype})"
            )
        if weight.requires_grad:
            raise RuntimeError(
                "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. "
                "This input cannot have requires_grad True."
            )
    classes = target._array.astype(np.int64)
    out_of_bounds = (classes != ignore_index) & ((classes < 0) | (classes >= num_classes))
    if out_of_bounds.any():
        raise IndexError(
            f"Target {classes[out_of_bounds].flat[0]} is out of bounds. Class indices must lie in "
            f"[0, {num_classes - 1}] for {num_classes} classes, or equal ignore_index ({ignore_index})."
        )


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of the target classes, given log-probabilities ``input``.

    ``input`` (C), (N, C) or (N, C, d1, ..., dk); ``target`` class indices of shape (), (N) or
    (N, d1, ..., dk); ``weight`` (C) rescales each class; targets equal to ``ignore_index`` count for nothing.
    """
    _check_reduction(reduction)
    _check_class_scores(input, "nll_loss")
    _check_index_target(input, target, weight, ignore_index)
    return NLLLoss.apply(input, target, weight, ignore_index=ignore_index, reduction=reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between softmax(``input``) and the targets, numerically stable: as torch,
    ``nll_loss(log_softmax(input))`` for class-index targets, one ``CrossEntropy`` op otherwise.

    ``input`` holds logits, (C), (N, C) or (N, C, d1, ..., dk). ``target`` is either class
    indices, shaped like the input without its class axis, or class probabilities, shaped like
    the input. ``label_smoothing`` ε mixes the targets with the uniform distribution: (1−ε)·target + ε/C.
    """
    _check_reduction(reduction)
    if not isinstance(label_smoothing, numbers.Real) or not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    _check_class_scores(input, "cross_entropy")
    probabilities = input.shape == target.shape  # torch's rule for telling the two kinds of target apart
    if probabilities:
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got "
                f"{target.dtype.torch_name} (class-index targets have the input's shape without C)"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_weight(weight, _num_classes(input.shape), prefix="cross_entropy: ")
    else:
        _check_index_target(input, target, weight, ignore_index)
        if label_smoothing == 0:
            # torch's graph for this, the usual case: log_softmax over the classes, then nll_loss
            # (NllLossBackward0 → LogSoftmaxBackward0). Their two backwards chain to CrossEntropy's
            # ∂L/∂input with ε = 0: (softmax(input) − one-hot of the target) · w[yᵢ] · gradᵢ / D
            log_probabilities = LogSoftmax.apply(input, dim=0 if input.ndim == 1 else 1)
            return NLLLoss.apply(log_probabilities, target, weight, ignore_index=ignore_index, reduction=reduction)
    return CrossEntropy.apply(
        input,
        target,
        weight,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=float(label_smoothing),
        probabilities=probabilities,
    )
