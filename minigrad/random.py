"""Random numbers: one global numpy generator, reset by ``minigrad.manual_seed``.

minigrad cannot reproduce torch's random streams (different algorithms); it reproduces its own:
the same seed gives the same numbers on every run.
"""

import numpy as np


class Generator:
    """``minigrad.Generator()``: an independent stream, as ``torch.Generator``."""

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))._seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


default_generator = Generator().manual_seed(0)


def manual_seed(seed):
    """Seed the global generator; returns it, as torch does."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator or default_generator).rng


def uniform(shape, low, high, dtype, generator=None):
    """U(low, high) samples drawn in float64, then cast."""
    return _rng(generator).uniform(low, high, size=shape).astype(dtype, copy=False)


def normal(shape, mean, std, dtype, generator=None):
    return _rng(generator).normal(mean, std, size=shape).astype(dtype, copy=False)


def integers(shape, low, high, dtype, generator=None):
    return _rng(generator).integers(low, high, size=shape).astype(dtype, copy=False)


def permutation(n, generator=None):
    return _rng(generator).permutation(n).astype(np.int64)
