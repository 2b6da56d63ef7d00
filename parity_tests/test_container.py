"""minigrad/nn/modules/container.py against torch: Sequential and ModuleList indexing
(negative, slices), len, iteration, append / insert / extend / pop / del (with renumbering),
the names their children give to parameters, forward, and repr (ModuleList compresses runs
of identical children as torch does)."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad


def layers(nn):
    return [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 3), nn.Tanh(), nn.Linear(3, 1)]


def names(model):
    return [n for n, _ in model.named_parameters()]


def reprs(seq):
    return [repr(m) for m in seq]


def test_sequential_positional_and_named():
    m, t = minigrad.nn.Sequential(*layers(minigrad.nn)), torch.nn.Sequential(*layers(torch.nn))
    assert names(m) == names(t) and repr(m) == repr(t) and len(m) == len(t) == 5
    named = lambda nn: nn.Sequential(OrderedDict([("fc1", nn.Linear(2, 3)), ("act", nn.ReLU()), ("fc2", nn.Linear(3, 1))]))
    m, t = named(minigrad.nn), named(torch.nn)
    assert names(m) == names(t) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert repr(m) == repr(t) and m.fc1 is m[0]


@settings(deadline=None, max_examples=30)
@given(st.integers(-5, 4), st.integers(-6, 6), st.integers(-6, 6), st.sampled_from([None, 1, 2, -1]))
def test_sequential_indexing_and_slicing(index, start, stop, step):
    m, t = minigrad.nn.Sequential(*layers(minigrad.nn)), torch.nn.Sequential(*layers(torch.nn))
    assert repr(m[index]) == repr(t[index])
    m_slice, t_slice = m[start:stop:step], t[start:stop:step]
    assert type(m_slice) is minigrad.nn.Sequential
    assert repr(m_slice) == repr(t_slice) and names(m_slice) == names(t_slice)
    assert all(a is b for a, b in zip(m_slice, list(m)[start:stop:step]))  # the same modules, not copies


def test_sequential_out_of_range_and_mutation():
    m, t = minigrad.nn.Sequential(*layers(minigrad.nn)), torch.nn.Sequential(*layers(torch.nn))
    for seq in (m, t):
        with pytest.raises(IndexError, match="index 5 is out of range"):
            seq[5]
        with pytest.raises(IndexError, match="index -6 is out of range"):
            seq[-6]
    for seq, nn in ((m, minigrad.nn), (t, torch.nn)):
        seq.append(nn.Sigmoid())
        seq.insert(1, nn.Identity())
        seq.extend([nn.ReLU(), nn.Flatten()])
        del seq[2]
        del seq[-2:]
        seq[0] = nn.Linear(2, 3, bias=False)
        seq.pop(1)
    assert repr(m) == repr(t) and names(m) == names(t) and list(m._modules) == list(t._modules)


def test_sequential_forward_is_the_composition():
    m = minigrad.nn.Sequential(*layers(minigrad.nn)).double()
    x = minigrad.randn(4, 2, dtype=minigrad.float64)
    expected = x
    for layer in m:
        expected = layer(expected)
    assert np.array_equal(m(x).detach().numpy(), expected.detach().numpy())
    assert minigrad.nn.Sequential()(x) is x


def test_module_list():
    m = minigrad.nn.ModuleList(layers(minigrad.nn))
    t = torch.nn.ModuleList(layers(torch.nn))
    assert names(m) == names(t) and len(m) == 5 and repr(m[-1]) == repr(t[-1])
    assert type(m[1:3]) is minigrad.nn.ModuleList and reprs(m[1:3]) == reprs(t[1:3])
    for seq, nn in ((m, minigrad.nn), (t, torch.nn)):
        seq.append(nn.Linear(1, 1))
        seq.extend([nn.ReLU(), nn.ReLU()])
        seq += [nn.Sigmoid()]
        seq.insert(0, nn.Tanh())
        del seq[1]
        seq[2] = nn.Identity()
    assert repr(m) == repr(t) and names(m) == names(t)
    assert reprs(m + m) == reprs(t + t) and len(m + m) == 2 * len(m)
    with pytest.raises(IndexError, match="index 20 is out of range"):
        m[20]
    with pytest.raises(TypeError, match="ModuleList.extend should be called with an iterable"):
        m.extend(3)
    with pytest.raises(NotImplementedError):
        m(minigrad.ones(1))


def nested(nn):
    block = lambda: nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.ReLU())
    return nn.Sequential(
        OrderedDict(
            stem=nn.Conv2d(1, 3, 3, stride=2, bias=False, padding_mode="reflect", padding=1),
            blocks=nn.ModuleList([block(), block(), block(), nn.Linear(2, 2), nn.Linear(2, 2)]),
            empty=nn.ModuleList(),
            head=nn.Sequential(nn.Flatten(), nn.Dropout(0.25), nn.Linear(12, 10), nn.LogSoftmax(dim=1)),
            loss=nn.CrossEntropyLoss(),
        )
    )


def test_nested_repr_equals_torchs():
    """Runs of identical ModuleList children print as ``(0-2): 3 x ...`` in torch; so here."""
    m, t = nested(minigrad.nn), nested(torch.nn)
    assert repr(m) == repr(t)
    assert "(0-2): 3 x Sequential(" in repr(m)
    assert names(m) == names(t)
