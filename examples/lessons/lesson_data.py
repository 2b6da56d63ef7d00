"""Offline stand-ins for the lessons' data, made from scikit-learn's bundled handwritten digits.

    make_picture(path)        one PNG photo-like picture (the lessons' "dog.png"): a digit, 48×40 RGB
    make_image_folder(root)   root/train/<class>/*.png and root/test/<class>/*.png, ten classes "0".."9",
                              in torchvision's ImageFolder layout (the lessons' CIFAR-10: 32×32 RGB)

Both are written once and left alone when they exist; nothing is downloaded. The images are the
8×8 digits blown up with nearest-neighbour blocks and tinted per class, so a small CNN learns them.
"""

import os

import numpy as np
from PIL import Image

TRAIN_PER_CLASS, TEST_PER_CLASS = 16, 8


def _digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images * (255 / 16)).astype(np.uint8), digits.target  # (1797, 8, 8) grey, labels 0..9


def _rgb(grey, label, height, width):
    """A grey 8×8 digit as an (height, width, 3) uint8 picture, tinted by its class."""
    rows = np.arange(height) * 8 // height
    cols = np.arange(width) * 8 // width
    big = grey[rows][:, cols].astype(np.float32)  # nearest-neighbour blow-up
    tint = np.array([0.4 + 0.06 * label, 1.0 - 0.05 * label, 0.5 + 0.05 * (label % 3)], np.float32)
    return (big[:, :, None] * tint).clip(0, 255).astype(np.uint8)


def make_picture(path, index=1000):
    """Write one digit (the ``index``-th of scikit-learn's set) as a 48×40 RGB PNG; return its label."""
    images, labels = _digits()
    if not os.path.exists(path):
        Image.fromarray(_rgb(images[index], labels[index], 40, 48)).save(path)
    return int(labels[index])


def make_image_folder(root):
    """Write the train and test folders under ``root`` (16 + 8 images a class) unless they exist."""
    images, labels = _digits()
    if os.path.isdir(os.path.join(root, "test")):
        return root
    for split, start, count in (("train", 0, TRAIN_PER_CLASS), ("test", TRAIN_PER_CLASS, TEST_PER_CLASS)):
        for label in range(10):
            folder = os.path.join(root, split, str(label))
            os.makedirs(folder, exist_ok=True)
            for k, i in enumerate(np.flatnonzero(labels == label)[start : start + count]):
                Image.fromarray(_rgb(images[i], label, 32, 32)).save(os.path.join(folder, f"{k:03d}.png"))
    return root
