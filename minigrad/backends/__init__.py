"""``minigrad.backends.kernels``: switch the fast kernels on or off, as ``torch.backends.mkldnn``.

    minigrad.backends.kernels.enabled = False
    with minigrad.backends.kernels.flags(enabled=False): ...

(The same module as ``minigrad.kernels``; see its docstring.)"""

from .. import kernels

__all__ = ["kernels", "mps"]


class mps:
    """``torch.backends.mps``, Apple's GPU: minigrad never uses it (``minigrad.backends.mps.is_available()``)."""

    @staticmethod
    def is_available():
        return False

    @staticmethod
    def is_built():
        return False
