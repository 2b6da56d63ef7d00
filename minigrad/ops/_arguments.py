"""Reading the arguments of ops the way torch reads them: integers, (H, W) pairs, size lists,
and the shape that operands broadcast to. Shared by the ops, the tensor factories and the engine.
"""

import numpy as np

from ..broadcasting import broadcast_shape, broadcasts_to  # noqa: F401 (the ops import them from here)


def is_int(value):
    """A Python or numpy integer, not a bool (torch refuses ``True`` as a size or an index count)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def int_pair(value, name, function):
    """An int or a sequence of 1 or 2 ints as the pair (along H, along W), as torch's 2-D ops
    read kernel sizes, strides, paddings and dilations: 2 → (2, 2), (2, 3) → (2, 3).

    A sequence of ints of another length gives None: each op raises its own torch message.
    Anything else is torch's TypeError, naming ``function`` and the argument ``name``."""
    if type(value) is int:  # the common case, quickly
        return value, value
    if is_int(value):
        return int(value), int(value)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{function}(): argument '{name}' must be tuple of ints, not {type(value).__name__}")
    for position, v in enumerate(value):
        if not is_int(v):
            raise TypeError(
                f"{function}(): argument '{name}' must be tuple of ints, but found element of type "
                f"{type(v).__name__} at pos {position}"
            )
    if len(value) == 1:
        return int(value[0]), int(value[0])
    if len(value) == 2:
        return int(value[0]), int(value[1])
    return None


def size_arguments(args):
    """The sizes of ``f(2, 3)`` and of ``f((2, 3))`` (or a list, or a ``Size``) as one tuple, as torch accepts both."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)
