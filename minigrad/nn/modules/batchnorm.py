"""``BatchNorm1d`` and ``BatchNorm2d``: batch normalization layers, as ``torch.nn``'s.

Each channel is normalised to mean 0 and variance 1, then scaled by ``weight`` and shifted by
``bias`` (learned, one per channel, when ``affine``). In training mode the batch's own mean and
variance are used and the running estimates (buffers ``running_mean``, ``running_var``,
``num_batches_tracked``) are updated; after ``model.eval()`` the running estimates are used.

    momentum=0.1    running = 0.9 · running + 0.1 · batch statistic
    momentum=None   running = the plain average of every batch seen (1/k weight on batch k)
    track_running_stats=False   no running estimates: batch statistics in eval mode too

The op and its derivative live in ``minigrad/ops/normalization.py``.
"""

import numpy as np

from ... import dtypes
from ..._interop import check_device
from ...autograd.grad_mode import no_grad
from ...creation import tensor
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter


class _NormBase(Module):
    """Parameters and buffers of a batch-norm layer, registered as torch registers them (the
    state_dict keys weight, bias, running_mean, running_var, num_batches_tracked)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        check_device(device)
        numpy_dtype = (dtypes.to_dtype(dtype) or dtypes.get_default_dtype()).numpy
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.empty(num_features, numpy_dtype))
            if bias:
                self.bias = Parameter(np.empty(num_features, numpy_dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", tensor(np.zeros(num_features, numpy_dtype)))
            self.register_buffer("running_var", tensor(np.ones(num_features, numpy_dtype)))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """The running estimates reset; weight = 1 and bias = 0 (the layer starts as x̂ itself)."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum  # the weight of this batch in the running estimates
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a plain average: batch k gets weight 1/k
                factor = 1.0 / float(self.num_batches_tracked)
        # batch statistics in training, and in eval mode when there are no running estimates
        use_batch_statistics = self.training or (self.running_mean is None and self.running_var is None)
        # the running estimates are passed only where they are used or updated
        passed = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if passed else None,
            self.running_var if passed else None,
            self.weight,
            self.bias,
            use_batch_statistics,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L): statistics per channel over N (and L)."""

    def _check_input_dim(self, input):
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W): statistics per channel over N, H and W."""

    def _check_input_dim(self, input):
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")
