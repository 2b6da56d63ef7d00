"""``minigrad.backends.kernels``: switch the fast kernels on or off, as ``torch.backends.mkldnn``.

    minigrad.backends.kernels.enabled = False
    with minigrad.backends.kernels.flags(enabled=False): ...

(The same module as ``minigrad.kernels``; see its docstring.)"""

from .. import kernels

__all__ = ["kernels"]
