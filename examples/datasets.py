"""The two datasets ``train_cifar.py`` trains on, both as 3×32×32 images normalised to [-1, 1].

    cifar10   the tutorial's data: 50,000 + 10,000 colour photos in 10 classes (torchvision,
              downloaded once into ``data_dir/cifar-10-batches-py``)
    digits    scikit-learn's bundled handwritten digits: 1,797 real 8×8 grey images of 0–9,
              no download needed. Each pixel is blown up to a 4×4 block (8×8 → 32×32) and the
              grey channel is copied three times, so the SAME network runs on it unchanged.
              The last 297 images are the test set, the first 1,500 the training set.

Both normalise as the tutorial does: ``(x - 0.5) / 0.5`` per channel, x in [0, 1].
"""

import os

import numpy as np

DIGITS_TEST_SIZE = 297
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_CLASSES = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class DatasetUnavailable(Exception):
    """The data is not on disk and could not be downloaded; the message says how to get it."""


def digits_arrays():
    """``(train_images, train_labels, test_images, test_labels)`` as numpy arrays.

    images: (N, 3, 32, 32) float32 in [-1, 1]; labels: (N,) int64 in 0..9."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = digits.images.astype(np.float32) / 16.0  # (N, 8, 8), grey levels 0..16 → [0, 1]
    images = images.repeat(4, axis=1).repeat(4, axis=2)  # (N, 32, 32): each pixel a 4×4 block
    images = np.repeat(images[:, None], 3, axis=1)  # (N, 3, 32, 32): grey → three equal channels
    images = (images - 0.5) / 0.5  # as transforms.Normalize((0.5,)*3, (0.5,)*3)
    labels = digits.target.astype(np.int64)
    split = len(images) - DIGITS_TEST_SIZE
    return images[:split], labels[:split], images[split:], labels[split:]


def cifar10(data_dir, train):
    """torchvision's CIFAR-10 with the tutorial's transform; raises ``DatasetUnavailable`` when
    the files are missing and cannot be downloaded (an offline machine)."""
    import torchvision
    from torchvision import transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    try:
        return torchvision.datasets.CIFAR10(data_dir, train=train, download=True, transform=transform)
    except (OSError, RuntimeError) as error:  # urllib's URLError is an OSError; a bad archive a RuntimeError
        raise DatasetUnavailable(
            f"CIFAR-10 is not in {os.path.join(data_dir, CIFAR10_FOLDER)!r} and could not be downloaded "
            f"({error}).\nTo get it: run this script once on a machine that is online (torchvision downloads "
            f"it into --data-dir), or copy the {CIFAR10_FOLDER!r} folder (from "
            "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz) into --data-dir. "
            "To train without it, use --dataset digits."
        ) from error
