"""``MaxPool2d``: the largest value of each kernel_size window, as ``torch.nn.MaxPool2d``;
``AvgPool2d``: the mean of each window; ``AdaptiveAvgPool2d``: the mean of each of a fixed
number of windows, whatever the input's size.

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


class AvgPool2d(Module):
    """The mean of each kernel_size window (stride defaults to kernel_size). Zero padding counts
    in each window's divisor unless ``count_include_pad=False``; ``divisor_override`` replaces it."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(
            input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """(N, C, H, W) → (N, C, *output_size): the mean of each of Ho × Wo windows that tile the plane
    (window i spans rows ⌊i·H/Ho⌋ to ⌈(i+1)·H/Ho⌉). A None in output_size keeps that input size;
    ``AdaptiveAvgPool2d(1)`` is the global average pool of ResNet-style networks."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"
