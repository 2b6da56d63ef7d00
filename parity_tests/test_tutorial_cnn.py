"""The tutorial CNN (CIFAR-10 sized) built as nn.Sequential in minigrad and in torch:

    Conv2d(3,32,5,padding=2) → MaxPool2d(2) → Conv2d(32,32,5,padding=2) → MaxPool2d(2) →
    Conv2d(32,64,5,padding=2) → MaxPool2d(2) → Flatten → Linear(1024,64) → Linear(64,10)

torch's weights are copied into minigrad with load_state_dict; on random batches the logits,
the CrossEntropyLoss and every parameter's gradient must match torch's (float64 tightly,
float32 to ~1e-4), and a few SGD / Adam training steps must move both models alike.
print(model) must give torch's text."""

import os
import sys

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.optim
from harness import assert_close
from test_optimizer import STEP_TOLERANCES

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
from tutorial_model import tutorial_cnn  # noqa: E402

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

TORCH_TEXT = """Sequential(
  (0): Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (1): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (2): Conv2d(32, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (4): Conv2d(32, 64, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (5): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=1024, out_features=64, bias=True)
  (8): Linear(in_features=64, out_features=10, bias=True)
)"""


def twin_models(dtype, seed=0):
    """(minigrad, torch): torch's model, initialised from ``seed``, and a minigrad copy holding
    the same weights."""
    torch.manual_seed(seed)
    t = tutorial_cnn(torch.nn).to(TORCH_DTYPES[np.dtype(dtype)])
    m = tutorial_cnn(minigrad.nn).to(dtype)
    result = m.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    return m, t


def random_batch(batch, dtype, seed):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 3, 32, 32)).astype(dtype), rng.integers(0, 10, batch)


def forward_backward(m, t, images, labels):
    m_loss = minigrad.nn.CrossEntropyLoss()(m(minigrad.tensor(images)), minigrad.tensor(labels))
    t_loss = torch.nn.CrossEntropyLoss()(t(torch.tensor(images)), torch.tensor(labels))
    m_loss.backward()
    t_loss.backward()
    return m_loss, t_loss


def test_print_model_equals_torchs_text():
    assert repr(tutorial_cnn(minigrad.nn)) == repr(tutorial_cnn(torch.nn)) == TORCH_TEXT
    m, t = tutorial_cnn(minigrad.nn), tutorial_cnn(torch.nn)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == [(k, tuple(v.shape)) for k, v in t.state_dict().items()]


@settings(deadline=None, max_examples=6)
@given(st.sampled_from([np.float64, np.float32]), st.integers(1, 8), st.integers(0, 2**16))
def test_logits_loss_and_every_gradient_match_torch(dtype, batch, seed):
    m, t = twin_models(dtype)
    images, labels = random_batch(batch, dtype, seed)
    assert_close(m(minigrad.tensor(images)).detach().numpy(), t(torch.tensor(images)).detach().numpy(), dtype, "logits")
    m_loss, t_loss = forward_backward(m, t, images, labels)
    assert m_loss.grad_fn.name() == t_loss.grad_fn.name()
    assert_close(m_loss.item(), t_loss.item(), dtype, "cross-entropy loss")
    t_params = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert p.grad.dtype == p.dtype
        assert_close(p.grad.numpy(), t_params[name].grad.numpy(), dtype, f"gradient of {name}")


def test_training_steps_match_torch():
    """Three steps of SGD with momentum then three of Adam, both models fed the same batches."""
    dtype = np.float64
    m, t = twin_models(dtype)
    for make in (
        lambda lib, params: lib.optim.SGD(params, lr=0.05, momentum=0.9, weight_decay=1e-4),
        lambda lib, params: lib.optim.Adam(params, lr=1e-3),
    ):
        m_opt, t_opt = make(minigrad, m.parameters()), make(torch, t.parameters())
        for step in range(3):
            images, labels = random_batch(4, dtype, seed=step)
            m_opt.zero_grad()
            t_opt.zero_grad()
            forward_backward(m, t, images, labels)
            m_opt.step()
            t_opt.step()
        t_params = dict(t.named_parameters())
        for name, p in m.named_parameters():
            assert_close(p.detach().numpy(), t_params[name].detach().numpy(), dtype, f"{name} after training", **STEP_TOLERANCES[np.dtype(dtype)])
