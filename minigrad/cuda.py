"""``minigrad.cuda``: what ``torch.cuda`` answers on a machine without a GPU.

minigrad computes with numpy, on the CPU, so the usual device line picks the CPU:

    device = minigrad.device("cuda" if minigrad.cuda.is_available() else "cpu")

For a GPU, use the torch engine of examples/train_cifar.py (``--engine torch --device cuda``).
"""


def is_available():
    """False: minigrad has no GPU."""
    return False


def device_count():
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Nothing to seed (as torch.cuda.manual_seed without a GPU: it does nothing)."""


def manual_seed_all(seed):
    """Nothing to seed (as torch.cuda.manual_seed_all without a GPU: it does nothing)."""


def empty_cache():
    """Nothing to free (as torch.cuda.empty_cache without a GPU)."""
