"""``minigrad.nn``: modules, layers, losses and initialisation, as in ``torch.nn``."""

from . import functional
