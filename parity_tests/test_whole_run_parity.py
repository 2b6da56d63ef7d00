"""Whole-run parity: the tutorial network trained by minigrad and by torch, step for step.

Both start from the same weights (torch's initialisation, copied into minigrad) and see the same
batches in the same order. Unit parity tests check each op once; here every op's small error
meets every other's, through the momentum buffers, over many steps.

1. A few SGD-with-momentum steps: every step's loss and the final parameters agree to ~1e-9
   relative in float64, ~1e-4 in float32.
2. CORRECTNESS, not a benchmark: on real data (scikit-learn's digits, shaped like CIFAR) minigrad
   learns: ≥ 90 % test accuracy after two epochs, within 2 points of torch trained the same way.
"""

import os
import sys

import numpy as np
import pytest
import torch

import minigrad
import minigrad.optim

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
sys.path.insert(0, EXAMPLES)
from datasets import digits_arrays  # noqa: E402
from test_tutorial_cnn import twin_models  # noqa: E402  (the tutorial network in both, same weights)


@pytest.fixture(scope="module")
def digits():
    return digits_arrays()


class Trainer:
    """One library's model, loss and SGD optimizer, stepped on numpy batches."""

    def __init__(self, lib, model, lr, momentum):
        self.lib, self.model = lib, model
        self.loss_fn = lib.nn.CrossEntropyLoss()
        self.optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=momentum)

    def step(self, images, labels):
        loss = self.loss_fn(self.model(self.lib.from_numpy(images)), self.lib.from_numpy(labels))
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def accuracy(self, images, labels):
        with self.lib.no_grad():
            predicted = np.asarray(self.model(self.lib.from_numpy(images)).argmax(1))
        return float((predicted == labels).mean())

    def parameters(self):
        return {name: p.detach().numpy().copy() for name, p in self.model.named_parameters()}


def batches(images, labels, batch_size, epochs, seed):
    """The same shuffled batches for both libraries (a numpy permutation per epoch)."""
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            index = order[start : start + batch_size]
            yield images[index], labels[index]


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 1e-4)])
def test_sgd_steps_match_torch(digits, dtype, rtol):
    images, labels = digits[0][:40].astype(dtype), digits[1][:40]
    minigrad_model, torch_model = twin_models(dtype)
    theirs = Trainer(torch, torch_model, lr=0.01, momentum=0.9)
    mine = Trainer(minigrad, minigrad_model, lr=0.01, momentum=0.9)
    initial = theirs.parameters()

    steps = list(batches(images, labels, batch_size=8, epochs=1, seed=0))  # K = 5 steps
    their_losses = [theirs.step(x, y) for x, y in steps]
    my_losses = [mine.step(x, y) for x, y in steps]
    np.testing.assert_allclose(my_losses, their_losses, rtol=rtol, err_msg="per-step losses")

    mine_final, theirs_final = mine.parameters(), theirs.parameters()
    assert mine_final.keys() == theirs_final.keys()
    for name, expected in theirs_final.items():
        assert not np.array_equal(expected, initial[name]), f"{name} did not train"
        actual = mine_final[name]
        assert actual.dtype == expected.dtype
        scale = np.abs(expected).max()  # entries near 0 are compared at the tensor's scale
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=name)


def test_minigrad_learns_digits_as_well_as_torch(digits):
    """CORRECTNESS test (not a benchmark): two epochs on 1,500 real images, batch 16, lr 0.01."""
    train_x, train_y, test_x, test_y = digits
    minigrad_model, torch_model = twin_models(np.float32)
    theirs = Trainer(torch, torch_model, lr=0.01, momentum=0.9)
    mine = Trainer(minigrad, minigrad_model, lr=0.01, momentum=0.9)
    for x, y in batches(train_x, train_y, batch_size=16, epochs=2, seed=0):
        theirs.step(x, y)
        mine.step(x, y)
    my_accuracy, their_accuracy = mine.accuracy(test_x, test_y), theirs.accuracy(test_x, test_y)
    assert my_accuracy >= 0.90, f"minigrad reached only {my_accuracy:.1%} test accuracy (torch: {their_accuracy:.1%})"
    assert abs(my_accuracy - their_accuracy) <= 0.02, f"minigrad {my_accuracy:.1%} vs torch {their_accuracy:.1%}"
