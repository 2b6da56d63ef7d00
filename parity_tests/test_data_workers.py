"""minigrad.utils.data with num_workers > 0: batches really loaded in worker processes.

The same batches, in the same order, as loading in the main process; worker_init_fn, seeds and
get_worker_info as torch's; worker errors raised in the main process with torch's wording; no
worker process outlives its iterator. Starting workers takes time: few tests, two workers each.
"""

import os
import random
import time

import numpy as np
import pytest
import torch
import torch.utils.data

import minigrad
from minigrad.utils import data
from minigrad.utils.data import DataLoader, get_worker_info


class Samples(data.Dataset):
    """Sample i: (a float32 vector of i, i, the pid and worker id that fetched it)."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        info = get_worker_info()
        return np.full(3, i, np.float32), i, {"pid": os.getpid(), "worker": -1 if info is None else info.id}


def plain(value):
    """A batch as plain lists and numbers, without the pids and worker ids (which differ)."""
    if isinstance(value, minigrad.Tensor):
        return value.tolist()
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items() if key not in ("pid", "worker")}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def values(batches):
    return [plain(batch) for batch in batches]


def is_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


CONFIGS = {
    "plain": dict(batch_size=4),
    "shuffle+drop_last": dict(batch_size=4, shuffle=True, drop_last=True),
    "collate_fn": dict(batch_size=5, shuffle=True, collate_fn=lambda samples: [s[1] * 10 for s in samples]),
    "batch_sampler": dict(batch_sampler=[[3, 1], [0, 2, 22], [7], [8, 9, 10, 11]]),
    "unbatched": dict(batch_size=None, sampler=[5, 0, 9]),
    "in_order=False": dict(batch_size=3, in_order=False),
}


@pytest.mark.parametrize("kwargs", CONFIGS.values(), ids=CONFIGS.keys())
def test_workers_give_the_batches_of_the_main_process(kwargs):
    def two_epochs(num_workers):
        generator = minigrad.Generator().manual_seed(11)
        loader = DataLoader(Samples(), num_workers=num_workers, generator=generator, **kwargs)
        return [list(loader) for _ in range(2)]

    alone, with_workers = two_epochs(0), two_epochs(2)
    for epoch_alone, epoch_workers in zip(alone, with_workers, strict=True):
        if kwargs.get("in_order", True):
            assert values(epoch_workers) == values(epoch_alone)
        else:  # the same batches, in the order they were ready
            assert sorted(map(str, values(epoch_workers))) == sorted(map(str, values(epoch_alone)))
    if kwargs.get("shuffle"):
        assert values(alone[0]) != values(alone[1])  # a new order each epoch, the same with workers
    if kwargs.get("batch_size") == 4 and "collate_fn" not in kwargs:
        fetched_by = {w for batch in with_workers[0] for w in batch[2]["worker"].tolist()}
        assert fetched_by == {0, 1} and set(alone[0][0][2]["pid"].tolist()) == {os.getpid()}


class Seeds(data.Dataset):
    """What a worker sees: its info, the value worker_init_fn left, and its random streams."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        info = get_worker_info()
        return {
            "id": info.id,
            "num_workers": info.num_workers,
            "seed": info.seed,
            "in_a_worker": os.getpid() != MAIN_PID and info.dataset is self,  # this process's copy
            "init": INIT_SEEN.get("worker_id", -1),
            "python": random.random(),
            "numpy": float(np.random.rand()),
            "minigrad": float(minigrad.rand(1).item()),
        }


MAIN_PID = os.getpid()
INIT_SEEN = {}


def remember_worker_id(worker_id):
    INIT_SEEN["worker_id"] = worker_id  # set in the worker's memory only


def test_worker_init_fn_worker_info_and_seeds():
    assert get_worker_info() is None  # in the main process
    generator = minigrad.Generator().manual_seed(0)
    loader = DataLoader(Seeds(), batch_size=1, num_workers=2, worker_init_fn=remember_worker_id, generator=generator)
    batches = list(loader)
    assert [b["id"].item() for b in batches] == [0, 1, 0, 1]  # round-robin, in order
    assert [b["init"].item() for b in batches] == [0, 1, 0, 1]
    assert all(b["num_workers"].item() == 2 and b["in_a_worker"].item() for b in batches)
    seeds = [b["seed"].item() for b in batches]
    assert seeds[1] == seeds[0] + 1 and seeds[2] == seeds[0]  # base_seed + worker_id, as torch
    for stream in ("python", "numpy", "minigrad"):  # each worker seeded differently, each stream differently
        draws = [b[stream].item() for b in batches]
        assert draws[0] != draws[1] and draws[0] != draws[2]
    again = list(DataLoader(Seeds(), batch_size=1, num_workers=2, generator=minigrad.Generator().manual_seed(0)))
    assert [b["numpy"].item() for b in again] == [b["numpy"].item() for b in batches]  # seeded: reproducible
    assert INIT_SEEN == {}


class Failing(data.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise ValueError(f"sample {i} is broken")
        return i


def error_of(loader, error_type):
    """The error iterating ``loader`` raises, without its traceback: the traceback's frames would
    keep the iterator (and its worker processes) alive until the garbage collector runs."""
    try:
        list(loader)
    except error_type as error:
        error.__traceback__ = None
        return error
    raise AssertionError(f"no {error_type.__name__} raised")


def test_a_worker_error_is_raised_in_the_main_process_as_torch_words_it():
    theirs = error_of(torch.utils.data.DataLoader(Failing(), batch_size=2, num_workers=2), ValueError)
    mine = error_of(DataLoader(Failing(), batch_size=2, num_workers=2), ValueError)
    for message in (str(theirs), str(mine)):  # batch [4, 5] is task 2: worker 0's second
        assert message.startswith("Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent call last):")
        assert message.rstrip().endswith("ValueError: sample 5 is broken")
        assert "in __getitem__" in message
    failing_init = DataLoader(Failing(), batch_size=2, num_workers=2, worker_init_fn=lambda worker_id: 1 / (worker_id - 1))
    assert "Caught ZeroDivisionError in DataLoader worker process 1" in str(error_of(failing_init, ZeroDivisionError))


class Slow(data.Dataset):
    def __len__(self):
        return 100

    def __getitem__(self, i):
        if i == 3:
            time.sleep(1.0)
        return i


class Dying(data.Dataset):
    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 7:
            os._exit(1)  # a worker dying without a word
        return i


def test_timeout_and_a_dead_worker_raise_as_torch():
    error = error_of(DataLoader(Slow(), batch_size=1, num_workers=2, timeout=0.3), RuntimeError)
    assert str(error) == "DataLoader timed out after 0.3 seconds"
    loader = iter(DataLoader(Dying(), batch_size=1, sampler=[0, 7, 1], num_workers=2))
    next(loader)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"):
        next(loader)


def test_breaking_early_leaves_no_worker_alive():
    iterator = iter(DataLoader(Samples(), batch_size=2, num_workers=2))
    pids = set(next(iterator)[2]["pid"].tolist()) | set(next(iterator)[2]["pid"].tolist())
    assert len(pids) == 2 and os.getpid() not in pids
    for _ in iterator:
        break
    del iterator  # what leaving a `for` loop early does to its iterator
    assert all(is_gone(pid) for pid in pids)
    finished = DataLoader(Samples(), batch_size=8, num_workers=2)
    pids = {pid for batch in finished for pid in batch[2]["pid"].tolist()}
    assert all(is_gone(pid) for pid in pids)  # a finished pass ends its workers


def test_persistent_workers_are_kept_between_epochs():
    loader = DataLoader(Samples(10), batch_size=3, num_workers=2, persistent_workers=True, prefetch_factor=1)
    epochs = []
    for epoch in range(3):
        batches = []
        for batch in loader:
            batches.append(batch)
            if epoch == 1 and len(batches) == 2:
                break  # a broken epoch: its late batches must not leak into the next
        epochs.append(batches)
    pids = [{pid for batch in epoch for pid in batch[2]["pid"].tolist()} for epoch in epochs]
    assert pids[0] == pids[1] == pids[2] and len(pids[0]) == 2
    single = list(DataLoader(Samples(10), batch_size=3))
    assert values(epochs[0]) == values(epochs[2]) == values(single) and values(epochs[1]) == values(single[:2])
    del loader, epochs, batches, batch
    import gc

    gc.collect()
    assert all(is_gone(pid) for pid in pids[0])


class Stream(data.IterableDataset):
    """0..n-1; with ``shard``, each worker yields only its own part (the torch docs' recipe)."""

    def __init__(self, n, shard):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class TorchStream(torch.utils.data.IterableDataset):
    def __init__(self, n, shard):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = torch.utils.data.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


@pytest.mark.parametrize("shard", [False, True])
def test_iterable_dataset_in_workers_matches_torch(shard):
    mine = [b.tolist() for b in DataLoader(Stream(7, shard), batch_size=2, num_workers=2)]
    theirs = [b.tolist() for b in torch.utils.data.DataLoader(TorchStream(7, shard), batch_size=2, num_workers=2)]
    assert mine == theirs  # unsharded: every worker yields the whole stream, interleaved batch by batch


def test_multiprocessing_context_is_respected():
    import multiprocessing

    loader = DataLoader(Samples(4), batch_size=2, num_workers=2, multiprocessing_context="fork")
    assert loader.multiprocessing_context is multiprocessing.get_context("fork")
    assert values(loader) == values(DataLoader(Samples(4), batch_size=2))
