"""minigrad/nn/parameter.py: Parameter is a leaf tensor that requires grad, shares memory with
its data, prints as torch's, survives deepcopy/pickle as a Parameter, and ops on it return
plain tensors."""

import copy
import pickle

import numpy as np
import torch

import minigrad
from minigrad.nn import Parameter


def test_parameter_is_a_leaf_that_requires_grad():
    p = Parameter(minigrad.tensor([1.0, 2.0]))
    assert isinstance(p, minigrad.Tensor) and p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not Parameter(minigrad.tensor([1.0]), requires_grad=False).requires_grad


def test_parameter_shares_memory_with_its_data():
    data = minigrad.tensor([1.0, 2.0])
    p = Parameter(data)
    with minigrad.no_grad():
        p.mul_(3)
    assert data.tolist() == [3.0, 6.0]
    array = np.zeros(3)
    assert np.shares_memory(Parameter(array)._array, array)


def test_repr_matches_torch():
    values = [[0.5, -1.25], [3.0, 4.0]]
    assert repr(Parameter(minigrad.tensor(values))) == repr(torch.nn.Parameter(torch.tensor(values)))
    assert repr(Parameter(minigrad.tensor(values), requires_grad=False)) == repr(
        torch.nn.Parameter(torch.tensor(values), requires_grad=False)
    )


def test_ops_on_a_parameter_return_plain_tensors():
    p = Parameter(minigrad.tensor([1.0, 2.0]))
    out = p * 2
    assert type(out) is minigrad.Tensor and out.grad_fn is not None
    assert type(p.detach()) is minigrad.Tensor
    out.sum().backward()
    assert p.grad.tolist() == [2.0, 2.0]


def test_deepcopy_and_pickle_keep_the_type_and_copy_the_values():
    p = Parameter(minigrad.tensor([1.0, 2.0]))
    p.grad = minigrad.tensor([5.0, 5.0])
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is Parameter and clone.requires_grad
        assert clone.tolist() == [1.0, 2.0] and not np.shares_memory(clone._array, p._array)


def test_empty_parameter():
    assert Parameter().shape == torch.nn.Parameter().shape
