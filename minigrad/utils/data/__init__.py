"""Feeding a model, as ``torch.utils.data``: datasets, samplers, collating and the ``DataLoader``.

    dataset.py      Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset, random_split
    sampler.py      SequentialSampler, RandomSampler, BatchSampler, ... : which indices, in which order
    collate.py      default_collate, default_convert: samples → one batch
    dataloader.py   DataLoader: sampler → batches of indices → fetched and collated batches
    fetch.py        fetching one batch, the same in the main process and in a worker
    worker.py       what a worker process runs (num_workers > 0), get_worker_info

minigrad's random stream is not torch's: with the same seed a shuffle, ``RandomSampler`` or
``random_split`` gives a different (but always the same) order than torch's.
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler
from .worker import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "WorkerInfo",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
