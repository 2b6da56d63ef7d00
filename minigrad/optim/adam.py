"""``Adam`` and ``AdamW``: steps scaled per coordinate by running gradient statistics.

For each parameter p with gradient g, at step t = 1, 2, ... (the formulas and order of
torch's ``_single_tensor_adam``, which torch.optim.Adam runs on the CPU):

    g ← −g                                    if maximize
    p ← p − lr · weight_decay · p             AdamW: decay decoupled from the gradient
    g ← g + weight_decay · p                  Adam: L2 penalty folded into the gradient
    m ← m + (1 − β₁) · (g − m)                first moment, a running mean of g   (torch's lerp)
    v ← β₂ · v + (1 − β₂) · g²                second moment, a running mean of g²
    v̂ ← max(v̂, v)                            amsgrad: never let the denominator shrink
    m and v start at 0, so early averages are too small by (1 − βᵗ); dividing corrects that:
    p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)       (v̂ in place of v with amsgrad)

Floats still differ from torch's in the last bit here and there: torch's CPU kernels fuse
``a + b·c`` into one rounding (FMA, in lerp and addcmul) and take a vectorised square root
that is not always correctly rounded; numpy rounds each step. Where v ≈ 0 the step divides
by ≈ ε, so those last bits grow over the steps (float32 tests allow rtol 1e-5).
"""

import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .optimizer import Optimizer


def _lerp_(start, end, weight):
    """start ← start + weight·(end − start), in place, computed as torch's lerp does."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


class Adam(Optimizer):
    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
    ):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(
            lr=lr,
            betas=tuple(betas),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _state_for(self, p, amsgrad):
        """The parameter's state, created at its first step: step count 0, moments 0."""
        state = self.state[p]
        if len(state) == 0:
            state["step"] = Tensor._wrap(np.array(0.0, np.float32))  # a float32 tensor, as torch keeps it
            state["exp_avg"] = Tensor._wrap(np.zeros_like(p._array))
            state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._array))
            if amsgrad:
                state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._array))
        return state

    @no_grad()
    def step(self, closure=None):
        """Update every parameter that has a gradient; returns ``closure()``'s loss if given."""
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._state_for(p, amsgrad)
                g = -p.grad._array if group["maximize"] else p.grad._array
                state["step"]._array += 1
                step = float(state["step"]._array)

                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p._array *= 1 - lr * weight_decay
                    else:
                        g = g + weight_decay * p._array

                m, v = state["exp_avg"]._array, state["exp_avg_sq"]._array
                _lerp_(m, g, 1 - beta1)  # torch: exp_avg.lerp_(grad, 1 - beta1)
                v *= beta2  # torch: exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                v += (1 - beta2) * g * g

                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                step_size = lr / bias_correction1
                if amsgrad:
                    v_max = state["max_exp_avg_sq"]._array
                    np.maximum(v_max, v, out=v_max)
                    denom = np.sqrt(v_max) / bias_correction2_sqrt + eps
                else:
                    denom = np.sqrt(v) / bias_correction2_sqrt + eps
                p._array += (-step_size * m) / denom  # torch: param.addcdiv_(exp_avg, denom, value=-step_size)
                p._version_counter.value += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p ← p·(1 − lr·wd) before the
    Adam step, instead of adding wd·p to the gradient. Default weight_decay 1e-2."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False):
        super().__init__(
            params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True
        )
