"""``MaxPool2d``: the largest value of each kernel_size window, as ``torch.nn.MaxPool2d``.

(N, C, H, W) → (N, C, H_out, W_out), H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
(⌈⌉ with ``ceil_mode``). The stride defaults to the kernel size: windows side by side.
"""

from .. import functional as F
from ..module import Module


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return F.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self):
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )
