"""minigrad/optim/optimizer.py against torch.optim.Optimizer: parameter groups and their
defaults, zero_grad, step(closure), state_dict in torch's format (loadable both ways) and
torch's errors. Also the helper the SGD and Adam tests use to run both libraries side by side."""

import copy

import numpy as np
import pytest
import torch

import minigrad
import minigrad.optim
from minigrad.nn import Parameter
from harness import assert_close

# step-by-step comparisons: float64 tight; float32 as the harness
STEP_TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-10, atol=1e-12), np.dtype(np.float32): dict(rtol=1e-5, atol=1e-6)}


def make_parameters(shapes, dtype, seed):
    """The same starting values as minigrad and torch Parameters."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
    return [Parameter(minigrad.tensor(v)) for v in values], [torch.nn.Parameter(torch.tensor(v)) for v in values]


def set_gradients(rng, m_params, t_params, dtype):
    for p, q in zip(m_params, t_params):
        g = rng.standard_normal(tuple(p.shape)).astype(dtype)
        p.grad, q.grad = minigrad.tensor(g), torch.tensor(g)


def assert_same_state(m_opt, t_opt, m_params, t_params, dtype, what):
    tolerances = STEP_TOLERANCES[np.dtype(dtype)]
    for i, (p, q) in enumerate(zip(m_params, t_params)):
        assert_close(p.detach().numpy(), q.detach().numpy(), dtype, f"{what}: parameter {i}", **tolerances)
        m_state, t_state = m_opt.state.get(p, {}), t_opt.state.get(q, {})
        assert sorted(m_state) == sorted(t_state), f"{what}: state keys of parameter {i}"
        for key, value in t_state.items():
            expected = value.numpy()
            assert_close(m_state[key].numpy(), expected, dtype, f"{what}: state {key!r} of parameter {i}", **tolerances)
            assert m_state[key].dtype.name == str(value.dtype).removeprefix("torch."), f"{what}: dtype of {key!r}"


def run_side_by_side(make_minigrad, make_torch, steps=5, dtype=np.float64, seed=0, shapes=((3, 4), (5,), ())):
    """Give both optimizers the same parameters and the same gradient sequence; compare the
    parameters and every state tensor after each step. Returns both optimizers and parameters."""
    m_params, t_params = make_parameters(shapes, dtype, seed)
    m_opt, t_opt = make_minigrad(m_params), make_torch(t_params)
    arrays = [p._array for p in m_params]
    rng = np.random.default_rng(seed + 1)
    for step in range(steps):
        set_gradients(rng, m_params, t_params, dtype)
        m_opt.step()
        t_opt.step()
        assert_same_state(m_opt, t_opt, m_params, t_params, dtype, f"after step {step + 1}")
    # updated in place: the same Parameter objects over the same numpy arrays
    assert all(p._array is a and not p.grad_fn for p, a in zip(m_params, arrays))
    return m_opt, t_opt, m_params, t_params


def to_torch_state(state_dict):
    """A minigrad optimizer state_dict with its tensors converted for torch."""
    return {
        "state": {i: {k: torch.from_numpy(v.numpy().copy()) for k, v in s.items()} for i, s in state_dict["state"].items()},
        "param_groups": state_dict["param_groups"],
    }


def check_state_dict_round_trip(make_minigrad, make_torch, dtype=np.float64):
    """Interrupt after 3 steps, save, load into fresh optimizers (minigrad → minigrad,
    minigrad → torch, torch → minigrad) and run 2 more: all must continue as the uninterrupted run."""
    m_opt, t_opt, m_params, t_params = run_side_by_side(make_minigrad, make_torch, steps=3, dtype=dtype)
    saved, saved_torch = m_opt.state_dict(), t_opt.state_dict()

    # the format: same indices, same state keys, our group options a subset of torch's
    assert list(saved["state"]) == list(saved_torch["state"])
    for m_group, t_group in zip(saved["param_groups"], saved_torch["param_groups"]):
        assert m_group["params"] == t_group["params"]
        assert all(m_group[k] == t_group[k] for k in m_group)

    copies = lambda params: [Parameter(minigrad.tensor(p.detach().numpy())) for p in params]
    resumed = make_minigrad(copies(m_params))
    resumed.load_state_dict(saved)
    from_torch_params = copies(m_params)
    from_torch = make_minigrad(from_torch_params)
    from_torch.load_state_dict(saved_torch)  # torch tensors straight in
    torch_resumed_params = [torch.nn.Parameter(q.detach().clone()) for q in t_params]
    torch_resumed = make_torch(torch_resumed_params)
    torch_resumed.load_state_dict(to_torch_state(saved))

    rng = np.random.default_rng(99)
    for step in range(2):
        set_gradients(rng, m_params, t_params, dtype)
        for group in (resumed.param_groups[0]["params"], from_torch_params):
            for p, original in zip(group, m_params):
                p.grad = minigrad.tensor(original.grad.numpy())
        for q, original in zip(torch_resumed_params, t_params):
            q.grad = original.grad.clone()
        for opt in (m_opt, t_opt, resumed, from_torch, torch_resumed):
            opt.step()
        what = f"resumed step {step + 1}"
        assert_same_state(resumed, t_opt, resumed.param_groups[0]["params"], t_params, dtype, what)
        assert_same_state(from_torch, t_opt, from_torch_params, t_params, dtype, what + " (from torch)")
        assert_same_state(m_opt, torch_resumed, m_params, torch_resumed_params, dtype, what + " (into torch)")
        for p, q in zip(resumed.param_groups[0]["params"], m_params):
            assert np.array_equal(p.detach().numpy(), q.detach().numpy())  # bit for bit within minigrad


# -- the base class -----------------------------------------------------------------------------


def test_param_groups_take_defaults_and_own_options():
    a, b, c = (Parameter(minigrad.ones(2)) for _ in range(3))
    opt = minigrad.optim.SGD([{"params": [a, b]}, {"params": c, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert all(g["momentum"] == 0.9 for g in opt.param_groups)
    assert opt.param_groups[1]["params"] == [c]
    opt.add_param_group({"params": [Parameter(minigrad.ones(1))], "momentum": 0.0})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.0
    assert opt.state_dict()["param_groups"][1]["params"] == [2] and opt.state_dict()["param_groups"][2]["params"] == [3]
    text = repr(opt)
    assert text.startswith("SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n") and text.endswith(")")


def test_named_parameters_are_accepted():
    model = minigrad.nn.Linear(2, 3)
    opt = minigrad.optim.SGD(model.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
    assert opt.param_groups[0]["params"] == [model.weight, model.bias] or all(
        p is q for p, q in zip(opt.param_groups[0]["params"], [model.weight, model.bias])
    )


def torch_and_minigrad_errors(make, error):
    messages = []
    for lib in (torch, minigrad):
        with pytest.raises(error) as caught:
            make(lib)
        messages.append(str(caught.value))
    return messages


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda lib: lib.optim.SGD([], lr=0.1), ValueError),
        (lambda lib: lib.optim.SGD(lib.nn.Parameter(lib.ones(2)), lr=0.1), TypeError),
        (lambda lib: lib.optim.SGD([{"params": {lib.nn.Parameter(lib.ones(2))}}], lr=0.1), TypeError),
        (lambda lib: lib.optim.SGD([lib.ones(2, requires_grad=True) * 2], lr=0.1), ValueError),
        (lambda lib: lib.optim.SGD([1.0], lr=0.1), TypeError),
        (lambda lib: lib.optim.SGD([{"params": [p]}, {"params": [p]}] if (p := lib.nn.Parameter(lib.ones(2))) is not None else 0, lr=0.1), ValueError),
        (lambda lib: lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1).add_param_group([1]), TypeError),
    ],
)
def test_errors_equal_torchs(make, error):
    expected, actual = torch_and_minigrad_errors(make, error)
    if "but got torch." in expected:  # a tensor's type name: minigrad's own spelling
        expected, actual = expected.split("but got")[0], actual.split("but got")[0]
    assert actual == expected.replace("torch.", "minigrad.")


def test_zero_grad_and_skipping_parameters_without_gradient():
    a, b = Parameter(minigrad.ones(2)), Parameter(minigrad.ones(2))
    opt = minigrad.optim.SGD([a, b], lr=0.5, momentum=0.9)
    a.grad = minigrad.tensor([1.0, 2.0])
    opt.step()
    assert a.tolist() == [0.5, 0.0] and b.tolist() == [1.0, 1.0] and b not in opt.state  # no grad: untouched
    grad = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is grad and a.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert a.grad is None


def test_step_with_closure_returns_the_loss_and_records():
    w = Parameter(minigrad.tensor([1.0, -2.0]))
    opt = minigrad.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with minigrad.no_grad():
        loss = opt.step(closure)  # the closure records its graph even under no_grad
    assert loss.item() == 5.0 and w.tolist() == [0.5, -1.0]


def test_load_state_dict_checks_group_sizes():
    params = [Parameter(minigrad.ones(2)) for _ in range(3)]
    saved = minigrad.optim.SGD(params[:2], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        minigrad.optim.SGD(params, lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        minigrad.optim.SGD([{"params": params[:1]}, {"params": params[1:2]}], lr=0.1).load_state_dict(saved)


@pytest.mark.parametrize("name, options", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01))])
def test_a_whole_optimizer_pickles_with_its_scheduler_as_torchs(name, options, tmp_path):
    """torch.save(optimizer) works after an lr scheduler wrapped its step: Optimizer.__getstate__
    keeps defaults, state and param_groups only. The reloaded optimizer (and its scheduler, saved
    beside it) continue exactly as the originals; torch's reload drops the wrapper too."""
    m_opt, t_opt, m_params, t_params = run_side_by_side(
        lambda ps: getattr(minigrad.optim, name)(ps, **options), lambda ps: getattr(torch.optim, name)(ps, **options),
        steps=2)
    schedulers = [lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
                  for lib, opt in ((minigrad, m_opt), (torch, t_opt))]
    for opt, scheduler in zip((m_opt, t_opt), schedulers):
        opt.step()
        scheduler.step()
    minigrad.save({"optimizer": m_opt, "scheduler": schedulers[0]}, tmp_path / "m.pth")
    torch.save({"optimizer": t_opt, "scheduler": schedulers[1]}, tmp_path / "t.pth")
    m_loaded = minigrad.load(tmp_path / "m.pth", weights_only=False)
    t_loaded = torch.load(tmp_path / "t.pth", weights_only=False)
    assert m_loaded["scheduler"].optimizer is m_loaded["optimizer"]
    assert sorted(m_opt.__getstate__()) == sorted(t_opt.__getstate__()) == ["defaults", "param_groups", "state"]
    assert ("step" in vars(m_loaded["optimizer"])) == ("step" in vars(t_loaded["optimizer"])) == False

    m_params, t_params = m_loaded["optimizer"].param_groups[0]["params"], t_loaded["optimizer"].param_groups[0]["params"]
    rng = np.random.default_rng(7)
    for step in range(3):
        set_gradients(rng, m_params, t_params, np.float64)
        for loaded in (m_loaded, t_loaded):
            loaded["optimizer"].step()
            loaded["scheduler"].step()
        assert m_loaded["scheduler"].get_last_lr() == t_loaded["scheduler"].get_last_lr()
        assert_same_state(m_loaded["optimizer"], t_loaded["optimizer"], m_params, t_params, np.float64, f"step {step}")
    assert copy.deepcopy(m_opt).state_dict()["param_groups"] == m_opt.state_dict()["param_groups"]
