"""Fetchers: turn what the sampler gave (an index, or a list of them) into a batch.

The same fetcher runs in the main process (``num_workers=0``) and inside each worker process.
"""

from .collate import default_collate
from .dataset import TensorDataset


class MapFetcher:
    """For a map-style dataset: ``collate_fn([dataset[i] for i in indices])``."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn

    def fetch(self, index):
        if not self.auto_collation:  # batch_size=None: one sample, converted
            return self.collate_fn(self.dataset[index])
        if self.collate_fn is default_collate and isinstance(self.dataset, TensorDataset):
            return list(self.dataset._get_batch(index))  # fast path; a list, as default_collate gives
        getitems = getattr(self.dataset, "__getitems__", None)
        samples = getitems(index) if callable(getitems) else [self.dataset[i] for i in index]
        return self.collate_fn(samples)


class IterableFetcher:
    """For an iterable dataset: the next ``len(index)`` samples of its iterator, collated.

    The indices themselves mean nothing here (they are ``None``s): only their number counts.
    Raises StopIteration when the stream is done (or when only a short batch is left and
    ``drop_last``)."""

    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.samples = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.samples))
        batch = []
        for _ in index:
            try:
                batch.append(next(self.samples))
            except StopIteration:
                self.ended = True
                break
        if len(batch) == 0 or (self.drop_last and len(batch) < len(index)):
            raise StopIteration
        return self.collate_fn(batch)


def make_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    kind = IterableFetcher if is_iterable else MapFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)
