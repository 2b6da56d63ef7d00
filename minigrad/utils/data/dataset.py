"""Datasets, as in ``torch.utils.data``.

A *map-style* dataset is anything with ``__len__`` and ``__getitem__(i)``; an *iterable-style*
dataset (``IterableDataset``) is anything with ``__iter__``, for streams read in order. The
classes here build datasets out of others: ``TensorDataset`` (rows of tensors), ``Subset`` (some
indices of another), ``ConcatDataset`` (one after another), ``ChainDataset`` (streams one after
another) and ``random_split`` (disjoint random subsets).
"""

import bisect
import itertools
import math
import warnings

import numpy as np

from ... import random
from ...tensor import Tensor
from .collate import _as_array


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style dataset: subclass it and define ``__iter__()``.

    With ``num_workers > 0`` every worker process iterates its own copy of the dataset, so each
    sample comes once per worker unless ``__iter__`` splits the work, e.g. by
    ``get_worker_info().id`` (as in torch)."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __len__(self):  # a stream has no length unless a subclass knows it
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other):
        return ChainDataset([self, other])


def is_iterable_dataset(dataset):
    """Whether ``dataset`` is iterable-style: minigrad's ``IterableDataset`` or torch's."""
    return isinstance(dataset, IterableDataset) or any(
        cls.__name__ == "IterableDataset" and cls.__module__.startswith("torch") for cls in type(dataset).__mro__
    )


class TensorDataset(Dataset):
    """Sample ``i`` is ``tuple(t[i] for t in tensors)``: rows of tensors sharing their first dimension."""

    def __init__(self, *tensors):
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between tensors: their first dimensions are {sizes}; they must all be equal")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _get_batch(self, indices):
        """A whole batch at once: one fancy index per tensor instead of one sample at a time.

        Gives exactly what ``default_collate([self[i] for i in indices])`` gives, without a
        Python loop over the samples."""
        return tuple(Tensor._wrap(_as_array(t)[np.asarray(indices, dtype=np.int64)]) for t in self.tensors)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``: ``Subset(d, idx)[i] == d[idx[i]]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. "
                "When subclassing Subset and overriding __getitem__, you must also override "
                "__getitems__ to ensure DataLoader works correctly with your custom logic. "
                "A simple implementation:\n\n"
                "def __getitems__(self, indices):\n"
                "    return [self.__getitem__(idx) for idx in indices]"
            )

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        """A batch's samples; the DataLoader calls this, so a parent's batched fetch is used."""
        parent_getitems = getattr(self.dataset, "__getitems__", None)
        if callable(parent_getitems):
            return parent_getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after another: index ``i`` falls into the first dataset whose
    cumulative size exceeds it (found by bisection on ``cumulative_sizes``)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for dataset in self.datasets:
            if is_iterable_dataset(dataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another, chained lazily."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for dataset in self.datasets:
            if not is_iterable_dataset(dataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self):
        total = 0
        for dataset in self.datasets:
            if not is_iterable_dataset(dataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(dataset)
        return total


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into disjoint random ``Subset``s of the given ``lengths``.

    ``lengths`` are sizes that sum to ``len(dataset)``, or fractions that sum to 1: then each
    size is ⌊fraction · N⌋ and the remainder is dealt out one by one, round-robin, from the
    first split. The indices are one permutation from ``generator`` (or the global generator,
    ``minigrad.manual_seed``), cut into consecutive pieces. minigrad's random stream is not
    torch's, so the same seed picks different (equally random) subsets than torch does.
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(len(dataset) * fraction))
        for i in range(len(dataset) - sum(sizes)):  # the remainder, round-robin
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = random.permutation(sum(lengths), generator).tolist()
    ends = itertools.accumulate(lengths)
    return [Subset(dataset, indices[end - length : end]) for end, length in zip(ends, lengths)]
