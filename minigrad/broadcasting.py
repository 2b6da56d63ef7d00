"""The shape that operands broadcast to, as numpy and torch broadcast (shared by the engine and the ops)."""

import functools


def broadcast_shape(*shapes):
    """The shape that ``shapes`` broadcast to: aligned at the right, each axis takes the size
    that is not 1 (all such sizes must agree).

    Two sizes that clash raise torch's RuntimeError, naming the first clash from the right:
    "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"."""
    return functools.reduce(_broadcast_two, shapes, ())


def _broadcast_two(a, b):
    ndim = max(len(a), len(b))
    a, b = (1,) * (ndim - len(a)) + tuple(a), (1,) * (ndim - len(b)) + tuple(b)
    for axis in reversed(range(ndim)):
        if a[axis] != b[axis] and a[axis] != 1 and b[axis] != 1:
            raise RuntimeError(
                f"The size of tensor a ({a[axis]}) must match the size of tensor b ({b[axis]}) at "
                f"non-singleton dimension {axis}"
            )
    return tuple(n if m == 1 else m for n, m in zip(a, b))


def broadcasts_to(shape, target):
    """Whether broadcasting stretches ``shape`` to exactly ``target`` (no axis of ``target`` grows)."""
    try:
        return broadcast_shape(shape, target) == tuple(target)
    except RuntimeError:
        return False
