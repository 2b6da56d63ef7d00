"""``gradcheck``: compare an op's analytic gradient with central finite differences.

For each input x and each of its elements xⱼ:

    numeric  ∂f/∂xⱼ ≈ (f(x + eps·eⱼ) − f(x − eps·eⱼ)) / (2 eps)      (all outputs, dotted with v)
    analytic ∂f/∂xⱼ = backward of f with upstream gradient v

where v is a fixed random upstream gradient, so every output element is exercised with a
different weight (a plain ``.sum()`` would hide transposed or permuted gradients).
"""

import numpy as np

from . import function
from .grad_mode import no_grad


class GradcheckError(RuntimeError):
    """Raised when analytic and numeric gradients disagree; the message says where."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, seed=0):
    """True when ``fn``'s backward matches finite differences for every input that requires grad.

    ``inputs`` is a tensor or a tuple of them (and other arguments passed through); the inputs
    that require grad must be float64, as finite differences in float32 are too coarse.
    """
    Tensor = function.Tensor
    inputs = inputs if isinstance(inputs, tuple) else (inputs,)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them did")
    for i in checked:
        if inputs[i].dtype.name != "float64":
            raise ValueError(
                f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs (.double()) for finite differences"
            )

    outputs = _outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    upstream = [rng.standard_normal(out.shape) for out in outputs]

    differentiable = [(out, v) for out, v in zip(outputs, upstream) if out.requires_grad]
    analytic_grads = [None] * len(checked)
    if differentiable:
        from . import grad

        analytic_grads = grad(
            [o for o, _ in differentiable], [inputs[i] for i in checked], [v for _, v in differentiable], allow_unused=True
        )

    for i, g in zip(checked, analytic_grads):
        x = inputs[i]
        analytic = np.zeros(x.shape) if g is None else g._array
        numeric = _numeric_gradient(fn, inputs, i, upstream, eps)
        bad = ~np.isclose(analytic, numeric, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            where = tuple(int(j) for j in np.argwhere(bad)[0])
            which = "output 0" if len(outputs) == 1 else f"outputs 0..{len(outputs) - 1} (weighted by v)"
            message = (
                f"Jacobian mismatch for {which} with respect to input {i} at element {where}: "
                f"numerical {numeric[where]:.10g} vs analytical {analytic[where]:.10g} "
                f"({int(bad.sum())} of {bad.size} elements differ beyond atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _outputs(result):
    return list(result) if isinstance(result, (tuple, list)) else [result]


def _numeric_gradient(fn, inputs, index, upstream, eps):
    """Central differences of Σ v·f(inputs) with respect to inputs[index], element by element."""
    x = inputs[index]._array
    grad = np.zeros(x.shape)
    flat = x.reshape(-1)  # a view: writing it moves the input
    if not np.shares_memory(flat, x):
        raise ValueError("gradcheck needs contiguous inputs")
    with no_grad():
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = _weighted_sum(fn(*inputs), upstream)
            flat[j] = original - eps
            minus = _weighted_sum(fn(*inputs), upstream)
            flat[j] = original
            grad.reshape(-1)[j] = (plus - minus) / (2 * eps)
    return grad


def _weighted_sum(result, upstream):
    return sum(float(np.sum(out._array.astype(np.float64) * v)) for out, v in zip(_outputs(result), upstream))
