"""What runs inside a DataLoader worker process (``num_workers > 0``), as torch's ``_utils/worker.py``.

    main process                                      worker process k
    ─────────────                                     ────────────────
    index_queue[k].put((task, indices))    ──────▶    batch = fetch(indices)
    result = result_queue.get()            ◀──────    result_queue.put((task, pickled batch))

Each worker reads tasks from its own index queue, fetches and collates the batch, and puts it on
the one result queue shared by all workers. ``None`` on its index queue tells it to exit.
An exception in a worker travels back as an ``ExceptionWrapper`` and is raised again in the main
process, naming the worker and carrying the original traceback.
"""

import os
import pickle
import queue
import random as py_random
import sys
import traceback
from dataclasses import dataclass

import numpy as np

from ... import random
from .fetch import make_fetcher

#: how often (seconds) a waiting worker checks that the main process lives and still wants it
STATUS_CHECK_INTERVAL = 0.25

_worker_info = None


@dataclass(frozen=True)
class WorkerInfo:
    """Who this worker is: ``id`` (0..num_workers-1), ``num_workers``, the ``seed`` it was seeded
    with, and ``dataset``, this process's own copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info():
    """In a DataLoader worker process, its ``WorkerInfo``; in the main process, ``None``.

    An ``IterableDataset`` uses it to give each worker its own share of the stream; a
    ``worker_init_fn`` to set up each worker differently."""
    return _worker_info


@dataclass(frozen=True)
class ResumeIteration:
    """Sent to persistent workers at the start of a new epoch; each answers with it when ready."""


@dataclass(frozen=True)
class IterableDatasetStopIteration:
    """A worker's answer when its copy of an IterableDataset is exhausted."""

    worker_id: int


class KeyErrorMessage(str):
    """A KeyError prints repr() of its argument; this keeps a multi-line message readable."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, made to travel to the main process and be raised there.

    Raised again as the same type with the message
    ``Caught ValueError in DataLoader worker process 1.\\nOriginal Traceback (most recent call last): ...``
    (torch's wording), or as RuntimeError when that type cannot be rebuilt from one message."""

    def __init__(self, where):
        exc_type, exc_value, exc_traceback = sys.exc_info()
        self.exc_name = exc_type.__name__
        self.exc_type = exc_type if _picklable(exc_type) else None  # e.g. a class defined in a function
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc_value, exc_traceback))
        self.where = where

    def reraise(self):
        message = f"Caught {self.exc_name} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        try:
            exception = (self.exc_type or RuntimeError)(message)
        except Exception:
            raise RuntimeError(message) from None
        raise exception


def _picklable(obj):
    try:
        pickle.dumps(obj)
        return True
    except Exception:
        return False


def seed_worker(base_seed, worker_id):
    """Seed every random stream of this worker from ``base_seed + worker_id``, as torch does:
    Python's ``random``, minigrad's global generator (and torch's, when the dataset code has
    imported torch), and numpy's legacy global one, which gets four 32-bit words hashed from
    (worker_id, base_seed) by numpy's SeedSequence (the same words torch's ``_generate_state``
    computes) so that numpy's stream does not coincide with the others'."""
    seed = base_seed + worker_id
    py_random.seed(seed)
    random.manual_seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "manual_seed"):
        torch.manual_seed(seed)
    np.random.seed(np.random.SeedSequence([worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]).generate_state(4))
    return seed


def _use_one_thread():
    """Workers run side by side: each computes on one thread (torch's workers do the same)."""
    import minigrad  # here: minigrad is fully imported by the time a worker runs

    minigrad.set_num_threads(1)
    torch = sys.modules.get("torch")
    if torch is not None and hasattr(torch, "set_num_threads"):
        torch.set_num_threads(1)


def _pack(data, worker_id):
    """The bytes of ``data`` for the result queue (pickled here, in the worker, so that a batch
    that cannot be pickled surfaces as an error instead of being lost in the queue's thread)."""
    try:
        return pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps(ExceptionWrapper(where=f"in DataLoader worker process {worker_id}"))


def worker_loop(
    is_iterable, dataset, index_queue, result_queue, done_event, auto_collation, collate_fn, drop_last,
    base_seed, init_fn, worker_id, num_workers,
):  # fmt: skip
    """The body of worker process ``worker_id``: fetch the batches asked for until told to stop."""
    global _worker_info
    where = f"in DataLoader worker process {worker_id}"
    try:
        _use_one_thread()
        seed = seed_worker(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where)  # reported as the answer to the first task
        exhausted = False  # this worker's copy of an IterableDataset is done, for this epoch
        parent = os.getppid()
        while os.getppid() == parent:  # a worker whose main process died stops
            try:
                message = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                if done_event.is_set():  # shut down, and the None that says so may never come
                    break  # (a queue collected with its iterator in one garbage cycle sends nothing more)
                continue
            if isinstance(message, ResumeIteration):  # a new epoch, persistent workers
                result_queue.put((message, None))
                exhausted = False
                fetcher = make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last)
                continue
            if message is None:
                break
            if done_event.is_set() or exhausted:
                continue  # shutting down, or nothing left to give: skip the task
            task, index = message
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except Exception as error:
                    if is_iterable and isinstance(error, StopIteration):
                        data, exhausted = IterableDatasetStopIteration(worker_id), True
                    else:
                        data = ExceptionWrapper(where)
            result_queue.put((task, _pack(data, worker_id)))
            del data, index, message  # free the batch before waiting for the next task
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C
    finally:
        _worker_info = None
    if done_event.is_set():  # the main process stopped reading: do not wait to flush results
        result_queue.cancel_join_thread()
        result_queue.close()
