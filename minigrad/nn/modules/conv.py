"""``Conv2d``: a bank of learned 2-D filters slid over an image batch, as ``torch.nn.Conv2d``.

Shapes: input (N, C_in, H, W) → output (N, C_out, H_out, W_out) with, per axis,
H_out = ⌊(H + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1.
The weight is (C_out, C_in / groups, kH, kW) and the bias (C_out,).

``padding_mode`` says what the padding holds: 'zeros' is done inside ``conv2d``; 'reflect',
'replicate' and 'circular' pad explicitly first (``minigrad.ops.padding.pad``) and then
convolve without padding.
"""

from ..._interop import check_device
from ...ops._arguments import int_pair
from ...ops.padding import pad as _pad
from .. import functional as F
from ..module import Module
from .linear import _add_weight_and_bias, _reset_weight_and_bias


def _pair(value, name):
    """2 → (2, 2); (2, 3) → (2, 3). A sequence of another length is kept as given, as torch's
    layers keep it: ``F.conv2d`` names it when the layer runs."""
    return int_pair(value, name, "Conv2d") or tuple(value)


class Conv2d(Module):
    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_device(device)
        kernel_size, stride, dilation = _pair(kernel_size, "kernel_size"), _pair(stride, "stride"), _pair(dilation, "dilation")
        padding = padding if isinstance(padding, str) else _pair(padding, "padding")
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            valid_strings = {"same", "valid"}
            if padding not in valid_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_modes:
            raise ValueError(f"padding_mode must be one of {valid_modes}, but got padding_mode='{padding_mode}'")

        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's amounts (left, right, top, bottom), for the non-zero padding modes
        if padding == "same":  # total d·(k−1) per axis, the extra one (if odd) after
            totals = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
            self._reversed_padding_repeated_twice = [t for total in reversed(totals) for t in (total // 2, total - total // 2)]
        elif padding == "valid":
            self._reversed_padding_repeated_twice = [0, 0, 0, 0]
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]

        _add_weight_and_bias(self, (out_channels, in_channels // groups, *kernel_size), bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        """torch's default, as Linear's: W ~ U(±1/√fan_in), b ~ U(±1/√fan_in), fan_in = C_in/groups · kH · kW."""
        _reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input):
        if self.padding_mode != "zeros":
            padded = _pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return F.conv2d(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text
