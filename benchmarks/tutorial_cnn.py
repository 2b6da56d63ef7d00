"""The tutorial's CNN (examples/tutorial_model.py), its weights, a batch and one SGD step, for either library.

Every function takes ``lib``: the ``minigrad`` module or the ``torch`` module. The two share an
API, so the same lines build, load and train the same network in either. This module imports
numpy and the network's definition only, never a library: one_library.py uses it in a process
that must import just the library it measures, and detail.py in the one with both.
"""

import sys
from pathlib import Path

import numpy as np

# the benchmarks run from a checkout: make ``import minigrad`` find the package, and
# ``import tutorial_model`` the network's one definition, in examples/
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
from tutorial_model import tutorial_cnn  # noqa: E402

IMAGE_SHAPE = (3, 32, 32)  # CIFAR-10-sized inputs
NUM_CLASSES = 10
LEARNING_RATE = 0.01


def load_same_weights(lib, model, seed, dtype):
    """Overwrite every parameter with values drawn from ``seed`` (torch's default init range).

    The values depend only on the seed and the parameter shapes, which the two libraries list in
    the same order, so a minigrad model and a torch model loaded with one seed are identical.
    """
    rng = np.random.default_rng(seed)
    fan_in = 1
    for p in model.parameters():  # weight, bias, weight, bias, ...
        if p.dim() > 1:
            fan_in = int(np.prod(p.shape[1:]))  # a bias uses its layer's weight's fan-in
        bound = 1 / np.sqrt(fan_in)
        values = rng.uniform(-bound, bound, tuple(p.shape)).astype(dtype)
        with lib.no_grad():
            p.copy_(lib.tensor(values))
    return model


def random_batch(batch, seed, dtype):
    """Images ~ N(0, 1) and integer class labels, as numpy arrays."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batch, *IMAGE_SHAPE)).astype(dtype)
    labels = rng.integers(0, NUM_CLASSES, batch)
    return images, labels


def sgd_step(lib, model, optimizer, images, labels):
    """One full training step: zero_grad, forward, cross-entropy loss, backward, step."""
    optimizer.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss
