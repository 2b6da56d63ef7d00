"""Samplers: which indices a DataLoader reads, in which order, as in ``torch.utils.data``.

    SequentialSampler(d)          0, 1, ..., N-1
    RandomSampler(d)              a fresh permutation of 0..N-1 every pass (or draws with replacement)
    SubsetRandomSampler(idx)      a fresh permutation of the given indices
    WeightedRandomSampler(w, n)   n indices, index i drawn with probability w[i] / Σw
    BatchSampler(s, B, drop)      the indices of sampler s in lists of B: [[0, 1, 2], [3, 4, 5], [6]]

Random samplers draw from the ``generator`` they are given (a ``minigrad.Generator``) or from the
global one (``minigrad.manual_seed``). minigrad's random stream is not torch's: the same seed gives
a different permutation than torch's, but always the same one.
"""

import itertools

import numpy as np

from ... import random


def draw_seed(generator=None):
    """A random int64 seed in [0, 2⁶³) from ``generator`` (or the global generator)."""
    return int(random.integers((), 0, 2**63 - 1, np.int64, generator))


class Sampler:
    """Base class: a sampler is iterable over indices (or lists of indices) and may have a length."""

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """Indices in random order: a permutation of 0..N-1 each pass (several, cut to ``num_samples``,
    when more are asked for), or ``num_samples`` independent draws with ``replacement``.

    Without a ``generator`` each pass seeds a fresh one from the global generator, as torch does."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if isinstance(self.num_samples, bool) or not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        generator = self.generator
        if generator is None:
            generator = random.Generator().manual_seed(draw_seed())
        if self.replacement:
            yield from random.integers((self.num_samples,), 0, n, np.int64, generator).tolist()
            return
        for _ in range(self.num_samples // n):
            yield from random.permutation(n, generator).tolist()
        yield from random.permutation(n, generator)[: self.num_samples % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a fresh random order each pass."""

    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in random.permutation(len(self.indices), self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices, index i drawn with probability ``weights[i] / sum(weights)``.

    Without replacement an index is drawn at most once; the draw is torch's exponential trick:
    key_i = E_i / w_i with E_i ~ Exp(1), and the ``num_samples`` smallest keys win (a zero
    weight gives key ∞: such indices come only after all others)."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = weights
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self):
        weights, n = self.weights, len(self.weights)
        negative_or_nan, infinite = (weights < 0) | np.isnan(weights), np.isinf(weights)
        if self.num_samples == 1 and (negative_or_nan | infinite).any():  # torch's one-sample path words it so
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if negative_or_nan.any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if infinite.any():
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        if not weights.sum() > 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > n:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        rng = random._rng(self.generator)
        if self.replacement:
            drawn = rng.choice(n, size=self.num_samples, replace=True, p=weights / weights.sum())
        else:
            with np.errstate(divide="ignore"):
                keys = rng.exponential(size=n) / weights
            drawn = np.argsort(keys, kind="stable")[: self.num_samples]
        yield from drawn.tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """The indices of ``sampler`` in lists of ``batch_size``; the last, shorter list is dropped
    when ``drop_last``. ``len`` is ⌈N / B⌉, or ⌊N / B⌋ with ``drop_last``."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if self.drop_last and len(batch) < self.batch_size:
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size


class _InfiniteConstantSampler(Sampler):
    """None, None, ... forever: the DataLoader's 'sampler' for an IterableDataset, which has no indices."""

    def __iter__(self):
        while True:
            yield None
