"""minigrad.utils.data against torch.utils.data: the same batches, dtypes and errors."""

import numpy as np
import pytest
import torch
import torch.utils.data
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.utils.data import DataLoader, Dataset, TensorDataset, default_collate


def as_numpy(value):
    """A batch of either library as nested lists of numpy arrays, for comparing."""
    if isinstance(value, (minigrad.Tensor, torch.Tensor)):
        return np.asarray(value)
    if isinstance(value, dict):
        return {k: as_numpy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_numpy(v) for v in value]
    return value


def assert_same_batch(mine, theirs):
    """Same structure, same values, and the same dtypes (minigrad.float64 ↔ torch.float64)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, minigrad.Tensor), f"expected a minigrad tensor, got {type(mine).__name__}"
        assert str(mine.dtype).removeprefix("minigrad.") == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    elif isinstance(theirs, dict):
        assert mine.keys() == theirs.keys()
        for key in theirs:
            assert_same_batch(mine[key], theirs[key])
    elif isinstance(theirs, (list, tuple)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs)
        for m, t in zip(mine, theirs):
            assert_same_batch(m, t)
    else:
        assert mine == theirs


class Samples(Dataset):
    """A map-style dataset whose items are built by a function of the index."""

    def __init__(self, n, make):
        self.n, self.make = n, make

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return self.make(i)


# -- default_collate -----------------------------------------------------------------------------------

FIELD_KINDS = st.sampled_from(["float32", "float64", "int64", "uint8", "bool", "int", "float", "pybool", "np.float32", "str"])


def make_field(kind, shape, rng):
    if kind in ("float32", "float64"):
        return rng.standard_normal(shape).astype(kind)
    if kind in ("int64", "uint8"):
        return rng.integers(0, 200, shape).astype(kind)
    if kind == "bool":
        return rng.random(shape) < 0.5
    if kind == "int":
        return int(rng.integers(-5, 5))
    if kind == "float":
        return float(rng.standard_normal())
    if kind == "pybool":
        return bool(rng.random() < 0.5)
    if kind == "np.float32":
        return np.float32(rng.standard_normal())
    return f"s{rng.integers(10)}"


@settings(deadline=None, max_examples=30)
@given(
    kinds=st.lists(FIELD_KINDS, min_size=1, max_size=4),
    shape=st.lists(st.integers(0, 3), max_size=3).map(tuple),
    batch=st.integers(1, 5),
    container=st.sampled_from(["tuple", "list", "dict"]),
    seed=st.integers(0, 2**16),
)
def test_default_collate_matches_torch(kinds, shape, batch, container, seed):
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(batch):
        fields = [make_field(kind, shape, rng) for kind in kinds]
        samples.append({f"f{i}": f for i, f in enumerate(fields)} if container == "dict" else (tuple(fields) if container == "tuple" else fields))
    assert_same_batch(default_collate(samples), torch.utils.data.default_collate(samples))


def test_collate_takes_minigrad_and_torch_tensors_and_numbers():
    samples = [(minigrad.ones(2, 2) * i, torch.full((3,), float(i)), i, 0.5 * i) for i in range(4)]
    images, torch_images, labels, weights = default_collate(samples)
    assert images.shape == (4, 2, 2) and images.dtype == minigrad.float32
    assert isinstance(torch_images, minigrad.Tensor) and torch_images.dtype == minigrad.float32
    np.testing.assert_array_equal(torch_images.numpy()[:, 0], [0, 1, 2, 3])
    assert labels.dtype == minigrad.int64 and labels.tolist() == [0, 1, 2, 3]
    assert weights.dtype == minigrad.float64  # Python floats collate to float64, as torch's default_collate


def test_collate_errors_match_torch():
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([(1, 2), (1,)])


def test_torchvision_style_dataset():
    """Items as ToTensor() gives them (torch float tensors) with int labels."""
    dataset = Samples(10, lambda i: (torch.full((3, 4, 4), i / 10), i % 3))
    images, labels = next(iter(DataLoader(dataset, batch_size=4)))
    assert isinstance(images, minigrad.Tensor) and images.shape == (4, 3, 4, 4) and images.dtype == minigrad.float32
    np.testing.assert_allclose(images.numpy()[:, 0, 0, 0], np.float32([0, 0.1, 0.2, 0.3]))
    assert labels.dtype == minigrad.int64 and labels.tolist() == [0, 1, 2, 0]


# -- DataLoader ----------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=30)
@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans())
@example(n=0, batch_size=3, drop_last=False)
@example(n=12, batch_size=4, drop_last=True)
@example(n=13, batch_size=4, drop_last=True)
def test_unshuffled_batches_match_torch(n, batch_size, drop_last):
    make = lambda i: (np.full((2, 3), i, np.float32), i, {"w": 0.5 * i})  # noqa: E731
    mine = DataLoader(Samples(n, make), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(Samples(n, make), batch_size=batch_size, drop_last=drop_last)
    assert len(mine) == len(theirs)
    mine_batches, their_batches = list(mine), list(theirs)
    assert len(mine_batches) == len(their_batches) == len(theirs)
    for m, t in zip(mine_batches, their_batches):
        assert_same_batch(m, t)


@settings(deadline=None, max_examples=20)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_tensor_dataset_matches_torch(n, batch_size, drop_last):
    rng = np.random.default_rng(n)
    x, y = rng.standard_normal((n, 3, 2)), rng.integers(0, 10, n)
    mine = DataLoader(TensorDataset(minigrad.tensor(x), minigrad.tensor(y)), batch_size=batch_size, drop_last=drop_last)
    theirs = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)), batch_size=batch_size, drop_last=drop_last
    )
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        assert_same_batch(m, t)
    # the batched fast path gives what fetching sample by sample and collating gives
    dataset = TensorDataset(minigrad.tensor(x), minigrad.tensor(y))
    fast = DataLoader(dataset, batch_size=batch_size)
    slow = DataLoader(dataset, batch_size=batch_size, collate_fn=default_collate)
    for f, s in zip(fast, slow, strict=True):
        assert isinstance(f, list) and [t.dtype for t in f] == [t.dtype for t in s]
        for a, b in zip(f, s):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert len(dataset) == n


def shuffled_orders(loader, epochs):
    return [np.concatenate([batch[0].numpy() for batch in loader]) for _ in range(epochs)]


def test_shuffle_is_a_fresh_permutation_each_epoch_and_reproducible():
    dataset = TensorDataset(minigrad.arange(50), minigrad.zeros(50))
    minigrad.manual_seed(7)
    first = shuffled_orders(DataLoader(dataset, batch_size=8, shuffle=True), 3)
    for order in first:
        assert sorted(order.tolist()) == list(range(50))  # every sample exactly once per epoch
    assert not np.array_equal(first[0], first[1]) and not np.array_equal(first[0], np.arange(50))
    minigrad.manual_seed(7)
    again = shuffled_orders(DataLoader(dataset, batch_size=8, shuffle=True), 3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def test_shuffle_with_a_generator_ignores_the_global_seed():
    dataset = TensorDataset(minigrad.arange(20))
    orders = []
    for global_seed in (1, 2):
        minigrad.manual_seed(global_seed)
        generator = minigrad.Generator().manual_seed(3)
        orders.append(shuffled_orders(DataLoader(dataset, batch_size=5, shuffle=True, generator=generator), 2))
    for a, b in zip(*orders):
        np.testing.assert_array_equal(a, b)
    # restoring the generator's state replays the same epoch (what resuming a run relies on)
    generator = minigrad.Generator().manual_seed(3)
    loader = DataLoader(dataset, batch_size=5, shuffle=True, generator=generator)
    shuffled_orders(loader, 1)
    state = generator.get_state()
    second = shuffled_orders(loader, 1)[0]
    generator.set_state(state)
    np.testing.assert_array_equal(shuffled_orders(loader, 1)[0], second)


def test_unbatched_loading():
    loader = DataLoader(Samples(3, lambda i: (np.float32(i), np.ones(2) * i)), batch_size=None)
    theirs = torch.utils.data.DataLoader(Samples(3, lambda i: (np.float32(i), np.ones(2) * i)), batch_size=None)
    assert len(loader) == len(theirs) == 3
    for (m_scalar, m_array), (t_scalar, t_array) in zip(loader, theirs, strict=True):
        assert m_scalar == t_scalar
        assert isinstance(m_array, minigrad.Tensor)
        np.testing.assert_array_equal(m_array.numpy(), t_array.numpy())


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_bad_batch_size_raises_like_torch(batch_size):
    message = f"batch_size should be a positive integer value, but got batch_size={batch_size}"
    if not isinstance(batch_size, bool):  # torch takes True as 1; minigrad refuses it
        with pytest.raises(ValueError, match=message):
            torch.utils.data.DataLoader(list(range(5)), batch_size=batch_size)
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        DataLoader(list(range(5)), batch_size=batch_size)


def test_other_errors():
    with pytest.raises(ValueError, match=r"Size mismatch between tensors: their first dimensions are \[3, 4\]"):
        TensorDataset(minigrad.zeros(3), minigrad.zeros(4))
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(list(range(5)), batch_size=None, drop_last=True)
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]
