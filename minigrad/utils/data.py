"""Feeding a model: ``Dataset``, ``TensorDataset``, ``DataLoader`` and ``default_collate``.

As in ``torch.utils.data``: a *map-style dataset* is anything with ``__len__`` and
``__getitem__(i)``; a ``DataLoader`` walks over its indices (in order, or in a fresh random order
each epoch when ``shuffle=True``), cuts them into batches, fetches the samples and *collates*
them: stacks each field of the samples along a new first dimension.

    samples  [(image₀, label₀), (image₁, label₁), ...]        image: (3, 32, 32) array, label: int
    batch    (images, labels)                                   images: (B, 3, 32, 32), labels: (B,) int64

Samples may hold numpy arrays, minigrad tensors, torch CPU tensors (a torchvision dataset with
``transforms.ToTensor()`` works as it is), Python numbers, or tuples/lists/dicts of those.
Shuffling draws from ``minigrad.manual_seed``'s global generator, or from the ``generator``
you pass, so a seeded run sees the same batches every time.
"""

import math
import numbers

import numpy as np

from .. import random
from .._interop import is_torch_tensor
from ..tensor import Tensor


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")


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
        return tuple(Tensor._wrap(_as_array(t)[indices]) for t in self.tensors)


def _as_array(value):
    """A numpy array holding ``value`` (a minigrad tensor, torch tensor or numpy array)."""
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if is_torch_tensor(value):  # np.asarray shares the CPU tensor's memory
        return np.asarray(value.detach().cpu())
    return np.asarray(value)


def _is_tensor_like(value):
    return isinstance(value, (Tensor, np.ndarray)) or is_torch_tensor(value)


def default_collate(batch):
    """Stack a list of samples into a batch, field by field, as ``torch.utils.data.default_collate``.

    arrays / tensors (each of shape S)  →  one tensor of shape (B, *S), their dtype kept
    Python ints / floats / bools        →  int64 / float64 / bool tensor of shape (B,)  (as torch)
    numpy scalars                       →  a (B,) tensor of their dtype
    strings                             →  left as they are (the sequence of them)
    tuples / lists / dicts of those     →  the same structure, each field collated on its own
    """
    first = batch[0]
    if _is_tensor_like(first):
        arrays = [_as_array(x) for x in batch]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(arrays[0].shape)} at entry 0 and "
                f"{list(next(a.shape for a in arrays if a.shape != arrays[0].shape))} at a later entry"
            )
        return Tensor._wrap(np.stack(arrays))  # (B, *S)
    if isinstance(first, np.generic):  # numpy scalars keep their dtype
        return Tensor._wrap(np.array(batch, dtype=first.dtype))
    if isinstance(first, bool):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch  # strings stay as they are: the list (or tuple) of them
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = zip(*batch)  # transpose: [(x₀, y₀), (x₁, y₁)] → [(x₀, x₁), (y₀, y₁)]
        return [default_collate(field) for field in fields]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(first)}"
    )


def default_convert(sample):
    """Without batching (``batch_size=None``): arrays become tensors, the rest stays as it is."""
    if _is_tensor_like(sample):
        return Tensor._wrap(_as_array(sample))
    if isinstance(sample, dict):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(value) for value in sample)
    return sample


class DataLoader:
    """Batches of a dataset: ``for images, labels in DataLoader(dataset, batch_size=64, shuffle=True)``.

    Each pass (each ``iter``) takes the indices 0..N-1 in order, or in a new random order when
    ``shuffle``, and yields ``collate_fn([dataset[i] for i in batch_indices])`` for each
    consecutive slice of ``batch_size`` indices; the last, smaller batch is dropped when
    ``drop_last``. ``len(loader)`` is the number of batches per pass: ⌈N / B⌉, or ⌊N / B⌋ with
    ``drop_last``. ``batch_size=None`` yields the samples one by one, unbatched (as torch).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, generator=None, collate_fn=None):
        if batch_size is not None and (
            isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0
        ):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.generator = generator
        self.collate_fn = collate_fn

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self):
        """The indices of one pass: 0..N-1, or a permutation drawn from the generator."""
        n = len(self.dataset)
        return random.permutation(n, self.generator) if self.shuffle else np.arange(n)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for index in order:
                yield default_convert(self.dataset[int(index)])
            return
        stop = len(self) * self.batch_size if self.drop_last else len(order)
        for start in range(0, stop, self.batch_size):
            yield self._fetch(order[start : start + self.batch_size])

    def _fetch(self, indices):
        if self.collate_fn is None and isinstance(self.dataset, TensorDataset):
            return list(self.dataset._get_batch(indices))  # fast path; a list, as default_collate gives
        samples = [self.dataset[int(i)] for i in indices]
        return (self.collate_fn or default_collate)(samples)
