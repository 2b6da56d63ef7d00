"""Hypothesis strategies shared by the parity tests: shapes, broadcastable shape pairs, dtypes
and array values that include zeros, ties and large magnitudes."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

DTYPES = st.sampled_from([np.float64, np.float32])


def shapes(min_dims=0, max_dims=4, min_side=1, max_side=5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=1, max_side=5):
    """Tuples of shapes that numpy (and torch) broadcast together."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda result: result.input_shapes)


def values(low=-10.0, high=10.0):
    """Floats in [low, high], with exact zeros, ±1 and repeated values (ties) drawn often."""
    special = [v for v in (0.0, 1.0, -1.0, 0.5) if low <= v <= high]
    return st.one_of(
        st.floats(low, high, allow_nan=False, allow_infinity=False, width=32),
        st.sampled_from(special or [low]),
    )


def arrays(shape, dtype=np.float64, low=-10.0, high=10.0, elements=None):
    """A float array of ``shape``; its values include zeros and ties (see ``values``)."""
    return hnp.arrays(dtype, shape, elements=elements if elements is not None else values(low, high))


def positive_arrays(shape, dtype=np.float64, low=0.1, high=10.0):
    """Strictly positive values (for log, sqrt and division)."""
    low, high = float(np.float32(low)), float(np.float32(high))  # width-32 floats need float32-exact bounds
    return hnp.arrays(dtype, shape, elements=st.floats(low, high, allow_nan=False, width=32))


def distinct_arrays(shape, dtype=np.float64, low=-10.0, high=10.0):
    """Values with no ties (for ops whose gradient at a tie is a convention, not a derivative)."""
    size = int(np.prod(shape))
    step = (high - low) / max(size, 1)

    def make(seed):  # a shuffled even grid, each value nudged by less than a tenth of the spacing
        grid = np.random.default_rng(seed).permutation(size).reshape(shape) * step + low
        return np.asarray(grid + np.random.default_rng(seed + 1).uniform(0, 0.1 * step, shape), dtype=dtype)

    return st.integers(0, 2**32 - 1).map(make)


def prime_factors(n):
    """The prime factors of n, with repeats, smallest first (to deal out as axis sizes)."""
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors
