"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each is a context manager and a decorator, as in torch. Recording is one global switch read by
``Function.apply``: when it is off, results are plain tensors with no ``grad_fn``.
"""

import functools

_grad_enabled = True


def is_grad_enabled():
    return _grad_enabled


class set_grad_enabled:
    """Turn recording on or off: at once when called, and back again when used as a context."""

    def __init__(self, mode):
        global _grad_enabled
        self.previous = _grad_enabled
        self.mode = bool(mode)
        _grad_enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradModeContext:
    """Base of no_grad/enable_grad: the mode changes on entry, not on construction."""

    mode = None

    def __enter__(self):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = self.mode

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self.previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Ops inside do not record the graph (evaluation, optimizer updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True
