"""``Dropout``: zero each element with probability p during training (scaling the rest by
1/(1−p)); the identity after ``model.eval()``. ``Dropout2d``: the same for whole channels."""

from .. import functional as F
from ..module import Module


class _DropoutNd(Module):
    """What the dropout layers share (torch's ``_DropoutNd``): p, inplace, their check and repr."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero each channel (a whole feature map of (N, C, H, W)) with probability p during training,
    scaling the rest by 1/(1−p); the identity after ``model.eval()``."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)
