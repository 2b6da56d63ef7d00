"""Utilities outside the autograd core: ``minigrad.utils.data`` (datasets and batching) and
``minigrad.utils.hooks`` (``RemovableHandle``, what every ``register_*hook`` returns).

``minigrad.utils.tensorboard`` (``SummaryWriter``) needs the optional tensorboard package, so it
is not imported here: ``from minigrad.utils.tensorboard import SummaryWriter``.
"""

from . import data, hooks
