"""minigrad.utils.data against torch.utils.data: the same batches, dtypes and errors.

Collating, the single-process DataLoader, its argument errors, datasets and samplers; loading in
worker processes is tested in test_data_workers.py.
"""

import collections
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from minigrad.utils import data
from minigrad.utils.data import DataLoader, Dataset, TensorDataset, default_collate, default_convert


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
    for mine, theirs in zip(loader, theirs, strict=True):
        assert_same_batch(mine, theirs)  # a tuple sample becomes a list of 0-d and 1-d tensors, as torch


@pytest.mark.parametrize("batch_size", [0, -1, 1.5, True])
def test_bad_batch_size_raises_like_torch(batch_size):
    message = f"batch_size should be a positive integer value, but got batch_size={batch_size}"
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
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


# -- default_collate / default_convert: containers -----------------------------------------------------

Point = collections.namedtuple("Point", ["x", "y"])

SAMPLES_TO_CONVERT = [
    3,
    2.5,
    "text",
    np.float32(1.5),
    np.arange(3, dtype=np.int32),
    np.array(["a", "b"]),  # strings stay a numpy array
    (np.ones(2), 1),  # a tuple becomes a list
    [np.ones(2, np.float32), "x"],
    {"image": np.zeros((2, 2), np.uint8), "label": 4},
    Point(np.float64(1), np.ones(1)),  # a namedtuple keeps its type
]


@pytest.mark.parametrize("sample", SAMPLES_TO_CONVERT, ids=lambda s: type(s).__name__)
def test_default_convert_matches_torch(sample):
    mine, theirs = default_convert(sample), torch.utils.data.default_convert(sample)
    if isinstance(theirs, np.ndarray):
        assert mine is sample
    elif isinstance(theirs, Point):
        assert type(mine) is Point
        assert_same_batch(list(mine), list(theirs))
    else:
        assert_same_batch(mine, theirs)


def test_collate_namedtuples_python_number_mixes_and_bad_arrays_as_torch():
    batch = [Point(np.float32(i), i) for i in range(3)]
    mine, theirs = default_collate(batch), torch.utils.data.default_collate(batch)
    assert type(mine) is Point
    assert_same_batch(list(mine), list(theirs))
    for numbers in ([1, 2.5], [True, False], [True, 2]):  # torch.tensor's dtype inference
        assert_same_batch(default_collate(numbers), torch.utils.data.default_collate(numbers))
    samples = [(torch.tensor([1, 2]), torch.tensor([3], dtype=torch.uint8))] * 2  # torch tensors keep their dtype
    assert_same_batch(default_collate(samples), torch.utils.data.default_collate(samples))
    for bad in ([np.array(["a"]), np.array(["b"])], [np.array([object()]), np.array([object()])]):
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
            torch.utils.data.default_collate(bad)
        with pytest.raises(TypeError, match="default_collate: batch must contain tensors"):
            default_collate(bad)


# -- DataLoader: samplers, batch samplers, attributes ---------------------------------------------------


def test_custom_sampler_and_batch_sampler_match_torch():
    dataset = Samples(10, lambda i: (np.full(2, i, np.float32), i))
    for kwargs in (
        dict(sampler=[9, 3, 3, 0, 5], batch_size=2),
        dict(sampler=[9, 3, 3, 0, 5], batch_size=2, drop_last=True),
        dict(batch_sampler=[[1, 2, 3], [0], [7, 7]]),
        dict(sampler=[4, 1], batch_size=None),
    ):
        mine, theirs = DataLoader(dataset, **kwargs), torch.utils.data.DataLoader(dataset, **kwargs)
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs, strict=True):
            assert_same_batch(m, t)
    loader = DataLoader(dataset, batch_size=3, shuffle=True)
    assert isinstance(loader.sampler, data.RandomSampler) and isinstance(loader.batch_sampler, data.BatchSampler)
    assert (loader.batch_size, loader.drop_last, loader.num_workers, loader.prefetch_factor) == (3, False, 0, None)
    assert DataLoader(dataset, batch_sampler=[[0]]).batch_size is None


def test_torch_subset_of_a_dataset_loads():
    """examples/train_cifar.py limits torchvision's CIFAR-10 with torch's own Subset."""
    subset = torch.utils.data.Subset(Samples(10, lambda i: (np.full(3, i, np.float32), i)), [8, 2, 5])
    images, labels = next(iter(DataLoader(subset, batch_size=3)))
    assert labels.tolist() == [8, 2, 5] and images.shape == (3, 3)


def test_pin_memory_is_accepted_and_changes_nothing():
    dataset = TensorDataset(minigrad.arange(6))
    pinned = [b[0].tolist() for b in DataLoader(dataset, batch_size=4, pin_memory=True, pin_memory_device="cuda")]
    assert pinned == [[0, 1, 2, 3], [4, 5]]


class TorchStream(torch.utils.data.IterableDataset):
    """An iterable dataset both libraries accept (minigrad recognises torch's IterableDataset)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None)])
def test_iterable_dataset_matches_torch(kwargs):
    mine, theirs = DataLoader(TorchStream(7), **kwargs), torch.utils.data.DataLoader(TorchStream(7), **kwargs)
    assert len(mine) == len(theirs)
    for m, t in zip(mine, theirs, strict=True):
        assert_same_batch(m, t)


def test_own_iterable_dataset_and_chaining():
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter([1, 2, 3])

    assert [b.tolist() for b in DataLoader(Stream() + Stream(), batch_size=4)] == [[1, 2, 3, 1], [2, 3]]
    with pytest.raises(TypeError, match="has no len"):
        len(DataLoader(Stream()))


# -- DataLoader argument errors, against torch's -----------------------------------------------------


def make_stream():
    return TorchStream(4)


ARGUMENT_ERRORS = [  # (dataset maker, kwargs, the part of torch's message both must contain)
    (list, dict(num_workers=-1), "num_workers option should be non-negative"),
    (list, dict(timeout=-1), "timeout option should be non-negative"),
    (list, dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing"),
    (list, dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
    (list, dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (list, dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with multi-process loading"),
    (list, dict(num_workers=1, multiprocessing_context="nope"), "multiprocessing_context option should specify a valid start method"),
    (list, dict(num_workers=1, multiprocessing_context=3), "multiprocessing_context option should be a valid context object"),
    (list, dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (list, dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"),
    (list, dict(batch_sampler=[[0]], shuffle=True), "batch_sampler option is mutually exclusive"),
    (list, dict(batch_sampler=[[0]], sampler=[0]), "batch_sampler option is mutually exclusive"),
    (list, dict(batch_sampler=[[0]], drop_last=True), "batch_sampler option is mutually exclusive"),
    (list, dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching and is mutually exclusive with drop_last"),
    (list, dict(drop_last=1), "drop_last should be a boolean value, but got drop_last=1"),
    (list, dict(shuffle=True), "num_samples should be a positive integer value, but got num_samples=0"),  # empty dataset
    (make_stream, dict(shuffle=True), "DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle=True"),
    (make_stream, dict(sampler=[0]), "DataLoader with IterableDataset: expected unspecified sampler option"),
    (make_stream, dict(batch_sampler=[[0]]), "DataLoader with IterableDataset: expected unspecified batch_sampler option"),
]


@pytest.mark.parametrize("make_dataset, kwargs, key", ARGUMENT_ERRORS, ids=[str(e[1]) for e in ARGUMENT_ERRORS])
def test_argument_errors_match_torch(make_dataset, kwargs, key):
    with pytest.raises(Exception) as theirs:
        torch.utils.data.DataLoader(make_dataset(), **kwargs)
    with pytest.raises(Exception) as mine:
        DataLoader(make_dataset(), **kwargs)
    assert type(mine.value) is type(theirs.value)
    assert key in str(theirs.value) and key in str(mine.value)


def test_frozen_attributes_and_timeout_without_workers_match_torch():
    for loader in (DataLoader([1, 2]), torch.utils.data.DataLoader([1, 2])):
        with pytest.raises(ValueError, match="batch_size attribute should not be set after DataLoader is initialized"):
            loader.batch_size = 3
        loader.num_workers = 0  # the others may change
    for make in (DataLoader, torch.utils.data.DataLoader):
        with pytest.raises(AssertionError, match="_SingleProcessDataLoaderIter requires timeout == 0"):
            iter(make([1, 2], timeout=1))


# -- datasets -----------------------------------------------------------------------------------------


def test_subset_and_concat_match_torch():
    base = list(range(10, 20))
    for mine, theirs in (
        (data.Subset(base, [3, 1, 4]), torch.utils.data.Subset(base, [3, 1, 4])),
        (data.ConcatDataset([base[:3], base[3:7], [], base[7:]]), torch.utils.data.ConcatDataset([base[:3], base[3:7], [], base[7:]])),
    ):
        assert len(mine) == len(theirs)
        assert [mine[i] for i in range(-len(mine), len(mine))] == [theirs[i] for i in range(-len(theirs), len(theirs))]
        assert mine.__getitems__([0, 2]) == theirs.__getitems__([0, 2]) if hasattr(theirs, "__getitems__") else True
    assert data.ConcatDataset([base, base]).cumulative_sizes == [10, 20]
    assert len(Samples(2, str) + Samples(3, str)) == 5  # Dataset + Dataset is a ConcatDataset
    for bad_index, make in ((-11, data.ConcatDataset), (-11, torch.utils.data.ConcatDataset)):
        with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
            make([base])[bad_index]
    for make in (data.ConcatDataset, torch.utils.data.ConcatDataset):
        with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
            make([])
        with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
            make([base, TorchStream(2)])
    with pytest.raises(NotImplementedError, match="overrides __getitem__ but not __getitems__"):
        type("Mine", (data.Subset,), {"__getitem__": lambda self, i: 0})(base, [0])


@pytest.mark.parametrize("n, lengths", [(10, [3, 7]), (10, [0.3, 0.3, 0.4]), (7, [0.5, 0.5]), (11, [0.2, 0.2, 0.6]), (0, [0, 0])])
def test_random_split_sizes_and_coverage_match_torch(n, lengths):
    mine = data.random_split(range(n), lengths, generator=minigrad.Generator().manual_seed(0))
    theirs = torch.utils.data.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in mine] == [len(s) for s in theirs]
    picked = [i for subset in mine for i in subset]
    assert sorted(picked) == list(range(n))  # every index once: disjoint and covering
    again = data.random_split(range(n), lengths, generator=minigrad.Generator().manual_seed(0))
    assert [list(s) for s in again] == [list(s) for s in mine]


def test_random_split_errors_and_warnings_match_torch():
    for split in (data.random_split, torch.utils.data.random_split):
        with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
            split(range(5), [2, 2])
        with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
            split(range(5), [1.5, -0.5])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            split(range(1), [0.5, 0.5])
        assert any("Length of split at index 1 is 0" in str(w.message) for w in caught)


# -- samplers -----------------------------------------------------------------------------------------


def test_sequential_and_batch_samplers_match_torch():
    assert list(data.SequentialSampler(range(4))) == list(torch.utils.data.SequentialSampler(range(4)))
    for n, size, drop_last in ((10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False), (0, 2, False)):
        mine = data.BatchSampler(range(n), size, drop_last)
        theirs = torch.utils.data.BatchSampler(range(n), size, drop_last)
        assert list(mine) == list(theirs) and len(mine) == len(theirs)


def test_random_samplers_cover_and_reshuffle():
    sampler = data.RandomSampler(range(30), generator=minigrad.Generator().manual_seed(1))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(30)) and first != second
    more = list(data.RandomSampler(range(4), num_samples=10))  # two whole permutations, then part of a third
    assert len(more) == 10 and sorted(more[:4]) == sorted(more[4:8]) == [0, 1, 2, 3] and len(set(more[8:])) == 2
    drawn = list(data.RandomSampler(range(3), replacement=True, num_samples=50))
    assert len(drawn) == 50 and set(drawn) <= {0, 1, 2}
    subset = list(data.SubsetRandomSampler([5, 7, 9]))
    assert sorted(subset) == [5, 7, 9]
    heavy = list(data.WeightedRandomSampler([0.0, 1.0, 3.0], 40))
    assert len(heavy) == 40 and 0 not in heavy
    distinct = list(data.WeightedRandomSampler([1.0, 0.0, 2.0, 5.0], 4, replacement=False))
    assert sorted(distinct) == [0, 1, 2, 3] and distinct[-1] == 1  # a zero weight comes last


def test_seeded_random_samplers_are_reproducible():
    def orders(seed):
        generator = minigrad.Generator().manual_seed(seed)
        return [list(data.RandomSampler(range(20), generator=generator)), list(data.SubsetRandomSampler(range(20), generator))]

    assert orders(3) == orders(3) and orders(3) != orders(4)
    minigrad.manual_seed(5)
    first = list(data.RandomSampler(range(20)))  # without a generator: seeded from the global one
    minigrad.manual_seed(5)
    assert list(data.RandomSampler(range(20))) == first


SAMPLER_ERRORS = [
    ("RandomSampler", (range(3),), dict(replacement=1)),
    ("RandomSampler", (range(3),), dict(num_samples=0)),
    ("RandomSampler", ([],), dict()),
    ("WeightedRandomSampler", ([1.0, 2.0], 0), dict()),
    ("WeightedRandomSampler", ([1.0, 2.0], 2), dict(replacement=0)),
    ("WeightedRandomSampler", ([[1.0, 2.0]], 2), dict()),
    ("BatchSampler", (range(3), 0, False), dict()),
    ("BatchSampler", (range(3), 2, None), dict()),
]


@pytest.mark.parametrize("name, args, kwargs", SAMPLER_ERRORS)
def test_sampler_errors_match_torch(name, args, kwargs):
    with pytest.raises(Exception) as theirs:
        getattr(torch.utils.data, name)(*args, **kwargs)
    with pytest.raises(Exception) as mine:
        getattr(data, name)(*args, **kwargs)
    assert type(mine.value) is type(theirs.value) and str(mine.value) == str(theirs.value)


WEIGHT_ERRORS = [([1.0, -1.0], 1, True), ([1.0, -1.0], 2, True), ([1.0, np.inf], 2, True), ([0.0, 0.0], 1, True), ([1.0, 1.0], 3, False)]


@pytest.mark.parametrize("weights, num_samples, replacement", WEIGHT_ERRORS)
def test_weighted_sampler_draw_errors_match_torch(weights, num_samples, replacement):
    with pytest.raises(RuntimeError) as theirs:
        list(torch.utils.data.WeightedRandomSampler(weights, num_samples, replacement))
    with pytest.raises(RuntimeError) as mine:
        list(data.WeightedRandomSampler(weights, num_samples, replacement))
    assert str(mine.value) == str(theirs.value)
