"""``DataLoader``: batches of a dataset, read in the main process or in worker processes.

One pass (one ``iter(loader)``) is three steps, as in torch:

    sampler         which indices, in which order      SequentialSampler / RandomSampler (shuffle=True)
    batch_sampler   those indices in lists of B         BatchSampler(sampler, batch_size, drop_last)
    fetch+collate   one batch per list                  collate_fn([dataset[i] for i in indices])

With ``num_workers=0`` the main process fetches each batch when the loop asks for it. With
``num_workers=k`` the main process only hands out lists of indices, round-robin, to k worker
processes (``prefetch_factor`` lists in flight per worker); they fetch and collate while the model
trains, and the main process yields their batches back in the sampler's order.
"""

import atexit
import itertools
import math
import multiprocessing
import multiprocessing.context
import os
import pickle
import queue
import sys
import warnings

from .collate import default_collate, default_convert
from .dataset import is_iterable_dataset
from .fetch import make_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler, draw_seed
from .worker import ExceptionWrapper, IterableDatasetStopIteration, ResumeIteration, worker_loop

#: how often (seconds) the main process, waiting for a batch, checks that its workers still live
STATUS_CHECK_INTERVAL = 0.5

_python_is_exiting = False


def _note_python_exit():
    """At interpreter exit multiprocessing itself ends the (daemonic) workers; no shutdown then."""
    global _python_is_exiting
    _python_is_exiting = True


atexit.register(_note_python_exit)


def _default_context():
    """Start workers as torch does: the platform's default start method, which is 'fork' on
    Linux (cheap: the worker inherits the dataset instead of unpickling it). Python 3.14 makes
    'forkserver' the default there; minigrad keeps 'fork' unless a start method was set."""
    if sys.platform.startswith("linux") and multiprocessing.get_start_method(allow_none=True) is None:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _usable_cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


class DataLoader:
    """Batches of a dataset: ``for images, labels in DataLoader(dataset, batch_size=64, shuffle=True)``.

    torch's signature and rules. Each pass takes the indices of ``sampler`` (0..N-1 in order, or
    a new random order when ``shuffle``), cuts them into lists of ``batch_size`` (the last, shorter
    one dropped when ``drop_last``; or the lists of a custom ``batch_sampler``) and yields
    ``collate_fn([dataset[i] for i in indices])`` for each. ``len(loader)`` is the number of
    batches per pass: ⌈N / B⌉, or ⌊N / B⌋ with ``drop_last``. ``batch_size=None`` yields the
    samples one by one, unbatched (converted by ``default_convert``).

    ``num_workers > 0`` loads in that many worker processes (see ``worker.py``): the same batches
    in the same order as ``num_workers=0``. ``worker_init_fn(worker_id)`` runs first in each;
    ``get_worker_info()`` tells dataset code which worker it runs in. ``timeout`` (seconds) bounds
    the wait for a batch; ``persistent_workers`` keeps the workers from one pass to the next.

    ``pin_memory`` and ``pin_memory_device`` are accepted and do nothing: minigrad has only the CPU.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=None,
        sampler=None,
        batch_sampler=None,
        num_workers=0,
        collate_fn=None,
        pin_memory=False,
        drop_last=False,
        timeout=0,
        worker_init_fn=None,
        multiprocessing_context=None,
        generator=None,
        *,
        prefetch_factor=None,
        persistent_workers=False,
        pin_memory_device="",
        in_order=True,
    ):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError(
                "prefetch_factor option could only be specified in multiprocessing."
                "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None."
            )
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order
        self._is_iterable = is_iterable_dataset(dataset)

        if self._is_iterable:  # a stream has no indices: no sampler, no shuffling
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(
                    "DataLoader with IterableDataset: expected unspecified "
                    f"batch_sampler option, but got batch_sampler={batch_sampler}"
                )
        else:
            shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)  # checks batch_size and drop_last

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._IterableDataset_len_called = None  # len(loader) of an IterableDataset, to warn if exceeded
        self._iterator = None
        self._initialized = True
        self._check_worker_number_rationality()

    # -- torch's rules about the options ----------------------------------------------------------

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers == 0:
                raise ValueError(
                    "multiprocessing_context can only be used with multi-process loading "
                    f"(num_workers > 0), but got num_workers={self.num_workers}"
                )
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError(
                        f"multiprocessing_context option should specify a valid start method in {methods!r}, "
                        f"but got multiprocessing_context={context!r}"
                    )
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError(
                    "multiprocessing_context option should be a valid context object or a string "
                    f"specifying the start method, but got multiprocessing_context={context}"
                )
        self._multiprocessing_context = context

    def __setattr__(self, name, value):
        frozen = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")
        if getattr(self, "_initialized", False) and name in frozen:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def _check_worker_number_rationality(self):
        """Warn, as torch does, when asking for more workers than this process may use CPUs."""
        cpus = _usable_cpus()
        if self.num_workers > 0 and (cpus is None or self.num_workers > cpus):
            warnings.warn(
                f"This DataLoader will create {self.num_workers} worker processes in total. "
                f"Our suggested max number of worker in current system is {cpus}, which is smaller than what "
                "this DataLoader is going to create. Please be aware that excessive worker creation might get "
                "DataLoader running slow or even freeze, lower the worker number to avoid potential "
                "slowness/freeze if necessary.",
                stacklevel=3,
            )

    # -- iterating --------------------------------------------------------------------------------

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        """What each step draws: a list of indices (batched), or one index (batch_size=None)."""
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:  # one iterator, its workers kept
            if self._iterator is None:
                self._iterator = _MultiProcessLoaderIter(self)
            else:
                self._iterator._reset(self)
            return self._iterator
        if self.num_workers == 0:
            return _SingleProcessLoaderIter(self)
        return _MultiProcessLoaderIter(self)

    def __len__(self):
        if not self._is_iterable:
            return len(self._index_sampler)
        length = self._IterableDataset_len_called = len(self.dataset)
        if self.batch_size is not None:
            length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
        return length


class _BaseLoaderIter:
    """One pass over a DataLoader: what both iterators share."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._persistent_workers = loader.persistent_workers
        self._sampler_iter = iter(self._index_sampler)
        # drawn on every pass, with or without workers, so that a shuffling sampler sharing the
        # generator sees the same stream (and gives the same order) either way, as in torch
        self._base_seed = draw_seed(loader.generator)
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._index_sampler)

    def _reset(self, loader):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)  # StopIteration ends the pass

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if self._is_iterable and self._len_called is not None and self._num_yielded > self._len_called:
            message = (
                f"Length of IterableDataset {self._dataset} was reported to be {self._len_called} "
                f"(when accessing len(dataloader)), but {self._num_yielded} samples have been fetched. "
            )
            if self._num_workers > 0:
                message += (
                    "For multiprocessing data-loading, this could be caused by not properly configuring "
                    "the IterableDataset replica at each worker (see get_worker_info())."
                )
            warnings.warn(message, stacklevel=2)
        return data

    def __getstate__(self):
        raise NotImplementedError(f"{type(self).__name__} cannot be pickled")


class _SingleProcessLoaderIter(_BaseLoaderIter):
    """``num_workers=0``: the main process fetches each batch when the loop asks for it."""

    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:  # as torch: timeout bounds the wait for workers, and there are none
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0 (timeout needs num_workers > 0)")
        self._fetcher = make_fetcher(self._is_iterable, self._dataset, self._auto_collation, self._collate_fn, self._drop_last)

    def _next_data(self):
        return self._fetcher.fetch(self._next_index())


class _MultiProcessLoaderIter(_BaseLoaderIter):
    """``num_workers > 0``: batches fetched in worker processes, yielded in the sampler's order.

    Bookkeeping, as torch's: every list of indices sent out is task number ``send_idx`` (0, 1,
    2, ...), given to the workers round-robin; ``rcvd_idx`` is the task whose batch the loop gets
    next. Batches that arrive early wait in ``task_info`` until their turn. Each batch handed to
    the loop frees a slot, and the next list of indices goes out, so ``prefetch_factor`` tasks
    per worker are always in flight.

        task_info[t] = (worker_id,)          task t sent, its batch not back yet
                       (worker_id, batch)    its batch back, early, waiting for its turn
    """

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        context = loader.multiprocessing_context or _default_context()
        self._owner_pid = os.getpid()  # a forked child's copy of this iterator must not stop its workers
        self._shutdown = False
        self._workers, self._index_queues = [], []
        self._result_queue = context.Queue()
        self._done_event = context.Event()
        for worker_id in range(self._num_workers):
            index_queue = context.Queue()
            index_queue.cancel_join_thread()  # never block the main process's exit on it
            process = context.Process(
                target=worker_loop,
                args=(
                    self._is_iterable, self._dataset, index_queue, self._result_queue, self._done_event,
                    self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                    loader.worker_init_fn, worker_id, self._num_workers,
                ),
                daemon=True,  # ended by multiprocessing if the main process exits first
            )  # fmt: skip
            process.start()
            self._index_queues.append(index_queue)
            self._workers.append(process)
        self._reset(loader, first_pass=True)

    def _reset(self, loader, first_pass=False):
        super()._reset(loader)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers  # False: its IterableDataset copy ran out
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_cycle = itertools.cycle(range(self._num_workers))
        if not first_pass:  # persistent workers: start a new pass, dropping late batches of the last
            for index_queue in self._index_queues:
                index_queue.put(ResumeIteration())
            waiting = self._num_workers
            while waiting > 0:
                task, _ = self._get_data()
                if isinstance(task, ResumeIteration):
                    waiting -= 1
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        """Send the next list of indices to the next worker in turn that still has work."""
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):
            worker_id = next(self._worker_cycle)
            if not self._workers_status[worker_id]:
                continue
            if self._in_order or self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                break
        else:
            return  # no worker can take it
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _try_get_data(self, timeout):
        """(True, (task, batch)) from the result queue, or (False, None) after ``timeout`` seconds;
        raises when a worker died without a word (killed, crashed, os._exit)."""
        try:
            task, payload = self._result_queue.get(timeout=timeout)
        except queue.Empty:
            dead = [w for i, w in enumerate(self._workers) if self._workers_status[i] and not w.is_alive()]
            if dead:
                for i, w in enumerate(self._workers):
                    if w in dead:
                        self._mark_worker_done(i)
                pids = ", ".join(str(w.pid) for w in dead)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from None
            return False, None
        return True, (task, None if payload is None else pickle.loads(payload))

    def _get_data(self):
        if self._timeout > 0:
            received, data = self._try_get_data(self._timeout)
            if not received:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return data
        while True:
            received, data = self._try_get_data(STATUS_CHECK_INTERVAL)
            if received:
                return data

    def _next_data(self):
        while True:
            # skip the tasks that will never come back (their worker's IterableDataset ran out)
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._workers_status[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:  # nothing left in flight: the pass is over
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:  # it came early: here it is
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            task, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_done(data.worker_id)
                self._try_put_index()
                continue
            if task != self._rcvd_idx and self._in_order:
                self._task_info[task] += (data,)  # early: keep it for its turn
                continue
            worker_id = self._task_info.pop(task)[0]
            if task == self._rcvd_idx:
                self._rcvd_idx += 1
            return self._process_data(data, worker_id)

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()  # a slot is free: keep the workers busy
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _mark_worker_done(self, worker_id):
        """Tell one worker to exit (its stream ran out, or shutting down); it is joined later."""
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        """Stop every worker: set the done event, send each a ``None``, join, and terminate any
        that does not exit in time. Runs when the pass ends, when the iterator is garbage
        collected (a ``break`` out of the loop), and never twice."""
        if _python_is_exiting or self._shutdown or os.getpid() != self._owner_pid:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_done(worker_id)
            for process in self._workers:
                process.join(timeout=5.0)
            for index_queue in self._index_queues:
                index_queue.cancel_join_thread()
                index_queue.close()
        finally:
            for process in self._workers:
                if process.is_alive():
                    process.terminate()
                    process.join(timeout=5.0)

    def __del__(self):
        if hasattr(self, "_workers"):  # __init__ may have failed before starting any
            self._shutdown_workers()
