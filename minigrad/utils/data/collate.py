"""Collating: turning a list of samples into one batch, as ``torch.utils.data.default_collate``.

    samples  [(image₀, label₀), (image₁, label₁), ...]        image: (3, 32, 32) array, label: int
    batch    [images, labels]                                   images: (B, 3, 32, 32), labels: (B,) int64

Samples may hold numpy arrays, minigrad tensors, torch CPU tensors (a torchvision dataset with
``transforms.ToTensor()`` works as it is: they become minigrad tensors of the same dtype), Python
numbers, strings, or dicts / tuples / lists / namedtuples of those.
"""

import collections.abc
import copy

import numpy as np

from ... import dtypes
from ..._interop import is_torch_tensor
from ...tensor import Tensor

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def _as_array(value):
    """A numpy array holding ``value`` (a minigrad tensor, torch tensor or numpy array)."""
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if is_torch_tensor(value):  # np.asarray shares the CPU tensor's memory
        return np.asarray(value.detach().cpu())
    return np.asarray(value)


def _is_tensor(value):
    return isinstance(value, Tensor) or is_torch_tensor(value)


def _holds_text_or_objects(array):
    """numpy arrays of strings, bytes or Python objects: torch cannot make tensors of them."""
    return array.dtype.kind in "SUO"


def _stack(arrays):
    """``torch.stack`` of equal-shaped arrays along a new first dimension: (B, *S)."""
    for i, array in enumerate(arrays):
        if array.shape != arrays[0].shape:
            raise RuntimeError(
                "stack expects each tensor to be equal size, but got "
                f"{list(arrays[0].shape)} at entry 0 and {list(array.shape)} at entry {i}"
            )
    return Tensor._wrap(np.stack(arrays))


def _python_numbers(batch):
    """``torch.tensor(batch)`` of Python ints/bools: bool if all are bools, else int64, or the
    default float dtype if a float hides among them (torch infers the same)."""
    if all(isinstance(x, bool) for x in batch):
        return Tensor._wrap(np.array(batch, dtype=np.bool_))
    if any(isinstance(x, float) for x in batch):
        return Tensor._wrap(np.array(batch, dtype=dtypes.get_default_dtype().numpy))
    return Tensor._wrap(np.array(batch, dtype=np.int64))


def default_collate(batch):
    """Stack a list of samples into a batch, field by field, as ``torch.utils.data.default_collate``.

    tensors / arrays (each of shape S)  →  one tensor of shape (B, *S), their dtype kept
    Python ints / bools                 →  an int64 / bool tensor of shape (B,)
    Python floats                       →  a float64 tensor of shape (B,)   (torch's choice)
    numpy scalars                       →  a (B,) tensor of their dtype
    strings                             →  left as they are (the sequence of them)
    dicts                               →  the same keys, each field collated on its own
    namedtuples                         →  the same namedtuple type, each field collated
    tuples / lists                      →  a list (as torch), each field collated
    """
    first = batch[0]
    if _is_tensor(first):
        return _stack([_as_array(x) for x in batch])
    if isinstance(first, np.ndarray):
        if _holds_text_or_objects(first):
            raise TypeError(_ERROR.format(first.dtype))
        return _stack([np.asarray(x) for x in batch])
    if isinstance(first, (np.bool_, np.number, np.object_)):  # numpy scalars keep their dtype
        return Tensor._wrap(np.array(batch))
    if isinstance(first, float):
        return Tensor._wrap(np.array(batch, dtype=np.float64))
    if isinstance(first, int):
        return _python_numbers(batch)
    if isinstance(first, (str, bytes)):
        return batch  # strings stay as they are: the list (or tuple) of them
    if isinstance(first, collections.abc.Mapping):
        return _same_mapping(first, {key: default_collate([sample[key] for sample in batch]) for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(field) for field in zip(*batch)]  # [(x₀, y₀), (x₁, y₁)] → [(x₀, x₁), (y₀, y₁)]
        if isinstance(first, tuple):
            return fields  # a tuple sample gives a list batch, as torch's (for backward compatibility)
        return _same_sequence(first, fields)
    raise TypeError(_ERROR.format(type(first)))


def _same_mapping(example, values):
    """``values`` (a dict) in the mapping type of ``example`` where that type can be rebuilt."""
    try:
        if isinstance(example, collections.abc.MutableMapping):
            clone = copy.copy(example)
            clone.update(values)
            return clone
        return type(example)(values)
    except TypeError:
        return values


def _same_sequence(example, values):
    """``values`` (a list) in the sequence type of ``example`` where that type can be rebuilt."""
    try:
        if isinstance(example, collections.abc.MutableSequence):
            clone = copy.copy(example)
            for i, value in enumerate(values):
                clone[i] = value
            return clone
        return type(example)(values)
    except TypeError:
        return values


def default_convert(data):
    """Without batching (``batch_size=None``): numpy arrays and scalars become tensors, torch
    tensors become minigrad tensors, containers are converted inside; the rest stays as it is
    (torch's ``default_convert``; a tuple becomes a list, as there)."""
    if isinstance(data, Tensor):
        return data
    if is_torch_tensor(data):
        return Tensor._wrap(_as_array(data))
    if isinstance(data, np.ndarray):
        return data if _holds_text_or_objects(data) else Tensor._wrap(np.array(data))
    if isinstance(data, (np.bool_, np.number)):
        return Tensor._wrap(np.array(data))  # a 0-d tensor
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(d) for d in data])
    return data
