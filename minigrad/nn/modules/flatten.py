"""``Flatten``: merge dimensions start_dim..end_dim into one (a reshape), as between the
convolutional and the linear part of a CNN: (N, C, H, W) → (N, C·H·W)."""

from .. import functional as F
from ..module import Module


class Flatten(Module):
    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return F.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
