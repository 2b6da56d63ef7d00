"""Whether ops record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each is a context manager and a decorator, as in torch. Recording is a switch read by
``Function.apply`` (through ``is_grad_enabled()``): when it is off, results are plain tensors with
no ``grad_fn``.

The switch is per thread, as torch's: a ``no_grad`` in one thread (an evaluation thread, or
``optimizer.step()``, which runs under ``no_grad``) leaves recording on in every other thread, and
a new thread starts with recording on, whatever the thread that started it is doing.
"""

import functools
import threading


class _Mode(threading.local):
    """This thread's grad mode. The class attribute is what a thread sees until it sets its own."""

    enabled = True


_mode = _Mode()


def is_grad_enabled():
    """Whether ops in this thread record the graph."""
    return _mode.enabled


def _set(mode):
    _mode.enabled = bool(mode)


def _decorate(fn, make_context):
    """``fn`` running inside a fresh ``make_context()`` on every call."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with make_context():
            return fn(*args, **kwargs)

    return wrapper


class set_grad_enabled:
    """Turn recording on or off: at once when called, and back again when used as a context.

    As a decorator (``@set_grad_enabled(False)``) it changes nothing until the function runs.
    """

    def __init__(self, mode):
        self.previous = _mode.enabled
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.previous)
        return False

    def __call__(self, fn):
        _set(self.previous)  # the constructor switched the mode; decorating must not
        return _decorate(fn, lambda: set_grad_enabled(self.mode))


class _GradModeContext:
    """Base of no_grad/enable_grad: the mode changes on entry, not on construction.

    Usable as ``with no_grad():``, ``@no_grad()`` and ``@no_grad``."""

    mode = None

    def __new__(cls, fn=None):
        if fn is not None:  # @no_grad without parentheses: decorate fn directly
            return _decorate(fn, cls)
        return super().__new__(cls)

    def __enter__(self):
        self.previous = _mode.enabled
        _set(self.mode)

    def __exit__(self, *exc):
        _set(self.previous)
        return False

    def __call__(self, fn):
        return _decorate(fn, type(self))


class no_grad(_GradModeContext):
    """Ops inside do not record the graph (evaluation, optimizer updates)."""

    mode = False


class enable_grad(_GradModeContext):
    """Turn recording back on inside a ``no_grad`` block."""

    mode = True
