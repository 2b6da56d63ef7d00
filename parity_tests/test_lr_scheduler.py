"""minigrad/optim/lr_scheduler.py against torch.optim.lr_scheduler: every scheduler with
hypothesis-drawn settings drives the same optimizer (SGD, SGD with momentum, Adam; one or two
param groups) in both libraries for many epochs; after every step the scheduler's
get_last_lr(), each group's lr, momentum and betas, and the parameters must equal torch's. Midway
the minigrad run is saved and resumed from state_dicts (its own, or torch's). Also: a short
training run, the closed forms of step(epoch), resuming with last_epoch, torch's warnings and
torch's errors."""

import copy
import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.optim
from minigrad.nn import Parameter
from harness import assert_close
from test_optimizer import make_parameters, set_gradients, torch_and_minigrad_errors

LR_TOLERANCE = dict(rtol=1e-12, atol=0)
PARAM_TOLERANCE = dict(rtol=1e-10, atol=1e-12)
SHAPES = ((3, 2), (4,))

OPTIMIZERS = {
    "sgd": lambda lib, groups: lib.optim.SGD(groups, lr=0.1),
    "sgd_momentum": lambda lib, groups: lib.optim.SGD(groups, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda lib, groups: lib.optim.Adam(groups, lr=0.01, betas=(0.8, 0.99)),
}


class Warmup:
    """A callable object as lr_lambda: LambdaLR's state_dict saves its __dict__."""

    def __init__(self, steps):
        self.steps = steps

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.steps)


LAMBDAS = {"exp": lambda epoch: 0.9**epoch, "inverse": lambda epoch: 1.0 / (1 + epoch), "warmup": Warmup(4)}

# -- what hypothesis draws for each scheduler: a function (lib, optimizer) -> scheduler ----------------

gammas = st.floats(0.05, 1.0)


@st.composite
def step_lr(draw):
    step_size, gamma = draw(st.integers(1, 8)), draw(gammas)
    return lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size, gamma)


@st.composite
def multi_step_lr(draw):
    milestones, gamma = draw(st.lists(st.integers(0, 30), max_size=6)), draw(gammas)  # repeats count twice
    return lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma=gamma)


@st.composite
def exponential_lr(draw):
    gamma = draw(st.floats(0.5, 1.05))
    return lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma)


@st.composite
def cosine_annealing_lr(draw):
    T_max, eta_min = draw(st.integers(1, 12)), draw(st.sampled_from([0.0, 1e-4, 0.003]))
    return lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max, eta_min=eta_min)


@st.composite
def lambda_lr(draw):
    names = draw(st.lists(st.sampled_from(sorted(LAMBDAS)), min_size=1, max_size=2))

    def make(lib, opt):
        fns = [copy.deepcopy(LAMBDAS[n]) for n in names]
        return lib.optim.lr_scheduler.LambdaLR(opt, fns[0] if len(fns) == 1 else (fns * 2)[: len(opt.param_groups)])

    return make


@st.composite
def linear_lr(draw):
    start, end = draw(st.floats(0.01, 1.0)), draw(st.floats(0.0, 1.0))
    total_iters = draw(st.integers(1, 10))
    return lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, start, end, total_iters)


@st.composite
def one_cycle_lr(draw):
    options = dict(
        total_steps=draw(st.integers(2, 40)),
        pct_start=draw(st.floats(0.05, 0.95)),
        anneal_strategy=draw(st.sampled_from(["cos", "linear"])),
        cycle_momentum=draw(st.booleans()),
        base_momentum=draw(st.floats(0.5, 0.85)),
        max_momentum=draw(st.floats(0.85, 0.99)),
        div_factor=draw(st.sampled_from([25.0, 10.0, 3.0])),
        final_div_factor=draw(st.sampled_from([1e4, 100.0])),
        three_phase=draw(st.booleans()),
    )
    max_lr = draw(st.sampled_from([0.5, [0.5, 0.05]]))  # one for all groups, or one per group

    def make(lib, opt):
        group_max_lr = max_lr[: len(opt.param_groups)] if isinstance(max_lr, list) else max_lr
        return lib.optim.lr_scheduler.OneCycleLR(opt, group_max_lr, **options)

    return make


@st.composite
def reduce_lr_on_plateau(draw):
    options = dict(
        mode=draw(st.sampled_from(["min", "max"])),
        factor=draw(st.floats(0.1, 0.9)),
        patience=draw(st.integers(0, 3)),
        threshold=draw(st.sampled_from([1e-4, 0.05, 0.0])),
        threshold_mode=draw(st.sampled_from(["rel", "abs"])),
        cooldown=draw(st.integers(0, 2)),
        eps=draw(st.sampled_from([1e-8, 1e-3])),
    )
    min_lr = draw(st.sampled_from([0, 1e-3, [1e-3, 0.0]]))
    return lambda lib, opt: lib.optim.lr_scheduler.ReduceLROnPlateau(
        opt, min_lr=min_lr[: len(opt.param_groups)] if isinstance(min_lr, list) else min_lr, **options
    )


SCHEDULERS = {
    "StepLR": step_lr(),
    "MultiStepLR": multi_step_lr(),
    "ExponentialLR": exponential_lr(),
    "CosineAnnealingLR": cosine_annealing_lr(),
    "LambdaLR": lambda_lr(),
    "LinearLR": linear_lr(),
    "OneCycleLR": one_cycle_lr(),
    "ReduceLROnPlateau": reduce_lr_on_plateau(),
}

# -- running both side by side -------------------------------------------------------------------------


def build(lib, params, optimizer, group_lrs, make_scheduler):
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, group_lrs)] if len(group_lrs) > 1 else params
    opt = OPTIMIZERS[optimizer](lib, groups)
    return opt, make_scheduler(lib, opt)


def assert_same_schedule(m_opt, m_sched, t_opt, t_sched, what):
    m_last, t_last = m_sched.get_last_lr(), t_sched.get_last_lr()
    assert len(m_last) == len(t_last), f"{what}: get_last_lr() length"
    np.testing.assert_allclose(m_last, t_last, err_msg=f"{what}: get_last_lr()", **LR_TOLERANCE)
    assert len(m_opt.param_groups) == len(t_opt.param_groups)
    for i, (m_group, t_group) in enumerate(zip(m_opt.param_groups, t_opt.param_groups)):
        for key in ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum"):
            assert (key in m_group) == (key in t_group), f"{what}: group {i} key {key!r}"
            if key in t_group:
                np.testing.assert_allclose(m_group[key], t_group[key], err_msg=f"{what}: group {i} {key}", **LR_TOLERANCE)


def assert_same_parameters(m_params, t_params, what):
    for i, (p, q) in enumerate(zip(m_params, t_params)):
        assert_close(p.detach().numpy(), q.detach().numpy(), np.float64, f"{what}: parameter {i}", **PARAM_TOLERANCE)


def resume(m_opt, m_sched, t_opt, t_sched, make_again, from_torch):
    """A fresh minigrad optimizer and scheduler over copies of the parameters, loaded from the
    state_dicts of the running ones (minigrad's, or torch's), made as torch's docs say: the
    scheduler first, then load the optimizer, then the scheduler."""
    params = [Parameter(minigrad.tensor(p.detach().numpy())) for group in m_opt.param_groups for p in group["params"]]
    opt, sched = make_again(params)
    opt.load_state_dict((t_opt if from_torch else m_opt).state_dict())
    sched.load_state_dict(copy.deepcopy((t_sched if from_torch else m_sched).state_dict()))
    opt._opt_called = True  # it is resuming a run whose optimizer has stepped
    return opt, sched, params


def run_both(name, make_scheduler, optimizer, group_lrs, epochs, resume_at=None, from_torch=False, metrics=(), seed=0):
    """Step the same optimizer + scheduler in both libraries ``epochs`` times on the same
    gradients (and metrics, for ReduceLROnPlateau), comparing everything after every step.
    Returns False if torch raised (minigrad then must raise the same exception type)."""
    m_params, t_params = make_parameters(SHAPES[: len(group_lrs)] if len(group_lrs) > 1 else SHAPES, np.float64, seed)
    try:
        t_opt, t_sched = build(torch, t_params, optimizer, group_lrs, make_scheduler)
    except Exception as error:
        with pytest.raises(type(error)):
            build(minigrad, m_params, optimizer, group_lrs, make_scheduler)
        return False
    m_opt, m_sched = build(minigrad, m_params, optimizer, group_lrs, make_scheduler)
    assert_same_schedule(m_opt, m_sched, t_opt, t_sched, "after construction")
    assert set(m_sched.state_dict()) == set(t_sched.state_dict()), "state_dict keys"

    rng = np.random.default_rng(seed + 1)
    for epoch in range(epochs):
        what = f"{name}, epoch {epoch + 1}"
        set_gradients(rng, m_params, t_params, np.float64)
        m_opt.step()
        t_opt.step()
        args = (metrics[epoch % len(metrics)],) if name == "ReduceLROnPlateau" else ()
        try:
            t_sched.step(*args)
        except Exception as error:
            with pytest.raises(type(error)):
                m_sched.step(*args)
            return False
        m_sched.step(*args)
        assert_same_schedule(m_opt, m_sched, t_opt, t_sched, what)
        assert_same_parameters(m_params, t_params, what)
        if epoch == resume_at:
            make_again = lambda params: build(minigrad, params, optimizer, group_lrs, make_scheduler)
            m_opt, m_sched, m_params = resume(m_opt, m_sched, t_opt, t_sched, make_again, from_torch)
            assert_same_schedule(m_opt, m_sched, t_opt, t_sched, what + " (resumed)")
    assert m_sched.last_epoch == t_sched.last_epoch
    return True


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@settings(deadline=None, max_examples=25)
@given(data=st.data())
def test_schedules_match_torch(name, data):
    make_scheduler = data.draw(SCHEDULERS[name], label="scheduler")
    optimizer = data.draw(st.sampled_from(sorted(OPTIMIZERS)), label="optimizer")
    group_lrs = data.draw(st.sampled_from([[0.1], [0.1, 0.02]]), label="group lrs")
    epochs = data.draw(st.integers(1, 40), label="epochs")
    resume_at = data.draw(st.none() | st.integers(0, epochs - 1), label="resume after epoch")
    from_torch = data.draw(st.booleans(), label="resume from torch's state_dicts")
    metrics = data.draw(st.lists(st.sampled_from([1.0, 0.9, 0.99995, 1.2, 0.5, 0.45]), min_size=1, max_size=12))
    run_both(name, make_scheduler, optimizer, group_lrs, epochs, resume_at, from_torch, metrics)


def test_one_cycle_steps_to_the_end_and_then_raises():
    make = lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 1.0, epochs=3, steps_per_epoch=4, three_phase=True)
    assert run_both("OneCycleLR", make, "adam", [0.1, 0.1], epochs=11)  # 12 values: construction + 11 steps
    assert not run_both("OneCycleLR", make, "adam", [0.1], epochs=13)  # ValueError on the 13th step in both
    m_opt = minigrad.optim.SGD([Parameter(minigrad.ones(1))], lr=0.1, momentum=0.9)
    m_sched = minigrad.optim.lr_scheduler.OneCycleLR(m_opt, 1.0, total_steps=2)
    for _ in range(2):  # t = 1, 2: the last point of the cycle is t = total_steps
        m_opt.step(), m_sched.step()
    with pytest.raises(ValueError, match="Tried to step 3 times. The specified number of total steps is 2"):
        m_opt.step(), m_sched.step()


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_scheduler_on_every_optimizer_for_long(optimizer):
    """Fixed settings over 60 epochs (the decays reach tiny lrs; cosine goes past its minimum)."""
    schedulers = {
        "StepLR": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, 7, gamma=0.5),
        "CosineAnnealingLR": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, 10, eta_min=1e-3),
        "OneCycleLR": lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, [0.3, 0.03], total_steps=60),
        "LinearLR": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(opt, 0.25, 0.75, total_iters=20),
    }
    for name, make in schedulers.items():
        assert run_both(name, make, optimizer, [0.1, 0.02], epochs=59, resume_at=29)


# -- a short training run --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make_optimizer, make_scheduler",
    [
        (
            lambda lib, params: lib.optim.SGD(params, lr=0.05, momentum=0.9),
            lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.2, total_steps=30, anneal_strategy="linear"),
        ),
        (
            lambda lib, params: lib.optim.Adam(params, lr=0.05),
            lambda lib, opt: lib.optim.lr_scheduler.OneCycleLR(opt, 0.05, total_steps=30, three_phase=True),
        ),
        (
            lambda lib, params: lib.optim.Adam(params, lr=0.05),
            lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10),
        ),
    ],
    ids=["sgd-onecycle", "adam-onecycle", "adam-cosine"],
)
def test_training_with_a_scheduler_matches_torch(make_optimizer, make_scheduler):
    """A small regression network trained for 30 steps, the lr changing every step: the loss and
    every parameter equal torch's throughout."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)), rng.standard_normal((16, 1))
    models = {lib: lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.Tanh(), lib.nn.Linear(8, 1)).double() for lib in (minigrad, torch)}
    with torch.no_grad():
        for m_param, t_param in zip(models[minigrad].parameters(), models[torch].parameters()):
            t_param.copy_(torch.from_numpy(m_param.detach().numpy()))
    optimizers = {lib: make_optimizer(lib, models[lib].parameters()) for lib in models}
    schedulers = {lib: make_scheduler(lib, optimizers[lib]) for lib in models}
    for step in range(29):
        losses = {}
        for lib in models:
            optimizers[lib].zero_grad()
            loss = lib.nn.functional.mse_loss(models[lib](lib.tensor(x)), lib.tensor(y))
            loss.backward()
            optimizers[lib].step()
            schedulers[lib].step()
            losses[lib] = loss.item()
        assert math.isclose(losses[minigrad], losses[torch], rel_tol=1e-10), f"step {step}: loss"
        assert_same_parameters(list(models[minigrad].parameters()), list(models[torch].parameters()), f"step {step}")
        assert_same_schedule(optimizers[minigrad], schedulers[minigrad], optimizers[torch], schedulers[torch], f"step {step}")


# -- step(epoch), resuming with last_epoch, state_dict contents ---------------------------------------------


CLOSED_FORMS = {
    "StepLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5, **kw),
    "MultiStepLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.MultiStepLR(opt, [2, 5, 5, 9], gamma=0.5, **kw),
    "ExponentialLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.ExponentialLR(opt, 0.9, **kw),
    "CosineAnnealingLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.CosineAnnealingLR(opt, 6, eta_min=0.01, **kw),
    "LinearLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.LinearLR(opt, 0.2, 0.9, total_iters=6, **kw),
    "LambdaLR": lambda lib, opt, **kw: lib.optim.lr_scheduler.LambdaLR(opt, LAMBDAS["exp"], **kw),
}


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_step_with_an_epoch_jumps_there_with_a_warning(name):
    """The deprecated step(epoch): the closed form at that epoch (LambdaLR: its own formula)."""
    schedulers = {}
    for lib in (torch, minigrad):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1)
        schedulers[lib] = CLOSED_FORMS[name](lib, opt)
        opt.step()
    for epoch in [4, 1, 9, 12, 0, 7]:
        for lib, sched in schedulers.items():
            with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
                sched.step(epoch)
        np.testing.assert_allclose(schedulers[minigrad].get_last_lr(), schedulers[torch].get_last_lr(), **LR_TOLERANCE)
        assert schedulers[minigrad].last_epoch == epoch


@pytest.mark.parametrize("name", sorted(CLOSED_FORMS))
def test_resuming_with_last_epoch(name):
    """A scheduler made with last_epoch=k continues from k (over groups that hold initial_lr)."""
    runs = {}
    for lib in (torch, minigrad):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1, momentum=0.5)
        opt.param_groups[0]["initial_lr"] = 0.2
        sched = CLOSED_FORMS[name](lib, opt, last_epoch=4)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            asked = sched.get_lr()[0]  # CosineAnnealingLR answers with its closed form here
        lrs = [asked, sched.get_last_lr()[0]]
        for _ in range(8):
            opt.step()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
        runs[lib] = lrs
    np.testing.assert_allclose(runs[minigrad], runs[torch], **LR_TOLERANCE)


def test_resuming_without_initial_lr_raises_key_error():
    messages = torch_and_minigrad_errors(
        lambda lib: lib.optim.lr_scheduler.StepLR(lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=0.1), 2, last_epoch=3),
        KeyError,
    )
    assert messages[0] == messages[1]
    assert "param 'initial_lr' is not specified in param_groups[0]" in messages[1]


def test_state_dict_saves_callable_lambdas_only():
    opt = minigrad.optim.SGD([Parameter(minigrad.ones(1))], lr=1.0)
    sched = minigrad.optim.lr_scheduler.LambdaLR(opt, Warmup(10))
    assert sched.state_dict()["lr_lambdas"] == [{"steps": 10}] and "optimizer" not in sched.state_dict()
    fresh = minigrad.optim.lr_scheduler.LambdaLR(opt, Warmup(2))
    fresh.load_state_dict(sched.state_dict())
    assert fresh.lr_lambdas[0].steps == 10 and fresh.get_last_lr() == [0.1]
    plain = minigrad.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 1.0)
    assert plain.state_dict()["lr_lambdas"] == [None]


def test_reduce_lr_on_plateau_takes_a_tensor_and_keeps_state():
    opt = minigrad.optim.SGD([Parameter(minigrad.ones(1))], lr=1.0)
    sched = minigrad.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    for loss in [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]:
        sched.step(minigrad.tensor(loss))
    # bad epochs 2 → cut; 1 cooldown epoch; 2 more bad → cut
    assert sched.get_last_lr() == [0.25] and sched.best == 1.0 and sched.last_epoch == 6
    fresh = minigrad.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max")
    fresh.load_state_dict(sched.state_dict())
    assert fresh.mode == "min" and fresh.mode_worse == math.inf and fresh.patience == 1


def test_reduce_lr_on_plateau_with_a_group_added_later():
    schedulers = {}
    for lib in (torch, minigrad):
        opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=1.0)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0)
        opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))], "lr": 0.5})
        sched.step(1.0)
        sched.step(2.0)
        schedulers[lib] = sched
    assert schedulers[minigrad].get_last_lr() == schedulers[torch].get_last_lr() == [0.1, 0.05]
    messages = torch_and_minigrad_errors(_plateau_with_listed_min_lrs_then_new_group, RuntimeError)
    assert messages[0] == messages[1]


def _plateau_with_listed_min_lrs_then_new_group(lib):
    opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(1))], lr=1.0)
    sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [lib.nn.Parameter(lib.ones(1))]})
    sched.step(1.0)
    sched.step(2.0)


# -- warnings ---------------------------------------------------------------------------------------


def make_sgd_and_step_lr(lib):
    opt = lib.optim.SGD([lib.nn.Parameter(lib.ones(2))], lr=0.1)
    return opt, lib.optim.lr_scheduler.StepLR(opt, 2)


def test_warns_when_the_scheduler_steps_before_the_optimizer():
    for lib in (torch, minigrad):
        opt, sched = make_sgd_and_step_lr(lib)
        with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)`"):
            sched.step()

        opt, sched = make_sgd_and_step_lr(lib)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
            sched.step()
            sched.step()

        opt, sched = make_sgd_and_step_lr(lib)
        opt.step = lambda closure=None: None  # replaced after the scheduler wrapped it
        with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
            sched.step()


def test_minigrad_optimizer_step_still_works_when_wrapped():
    w = Parameter(minigrad.tensor([1.0]))
    opt = minigrad.optim.SGD([w], lr=0.5)
    minigrad.optim.lr_scheduler.StepLR(opt, 1)
    minigrad.optim.lr_scheduler.ExponentialLR(opt, 0.5)  # a second scheduler does not wrap again
    w.grad = minigrad.tensor([1.0])
    assert opt.step(lambda: 3.0) == 3.0 and w.tolist() == [0.5] and opt._opt_called
    assert opt.step.__name__ == "step" and opt.step._wrapped_by_lr_sched


def test_get_lr_outside_step_warns():
    for lib in (torch, minigrad):
        opt, sched = make_sgd_and_step_lr(lib)
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            sched.get_lr()


# -- errors ------------------------------------------------------------------------------------------


def sgd(lib, groups=1, momentum=0.9):
    return lib.optim.SGD([{"params": [lib.nn.Parameter(lib.ones(1))]} for _ in range(groups)], lr=0.1, momentum=momentum)


def adagrad_like(lib):
    """An optimizer with neither momentum nor betas (a bare Optimizer subclass)."""

    class Plain(lib.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, dict(lr=0.1))

        def step(self, closure=None):
            return None

    return Plain([lib.nn.Parameter(lib.ones(1))])


@pytest.mark.parametrize(
    "make, error",
    [
        (lambda lib: lib.optim.lr_scheduler.StepLR([], 2), TypeError),
        (lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau("sgd"), TypeError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(None, 1.0, total_steps=4), TypeError),
        (lambda lib: lib.optim.lr_scheduler.LambdaLR(sgd(lib, 2), [lambda e: 1.0] * 3), ValueError),
        (lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), start_factor=0), ValueError),
        (lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), start_factor=1.5), ValueError),
        (lambda lib: lib.optim.lr_scheduler.LinearLR(sgd(lib), end_factor=-0.1), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, total_steps=0), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, total_steps=2.5), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, epochs=0, steps_per_epoch=3), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, epochs=2, steps_per_epoch=-1), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, total_steps=9, pct_start=1.5), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, total_steps=9, pct_start=1), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib), 1.0, total_steps=9, anneal_strategy="exp"), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib, 2), [1.0, 2.0, 3.0], total_steps=9), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(sgd(lib, 2), 1.0, total_steps=9, max_momentum=[0.9]), ValueError),
        (lambda lib: lib.optim.lr_scheduler.OneCycleLR(adagrad_like(lib), 1.0, total_steps=9), ValueError),
        (lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), factor=1.0), ValueError),
        (lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), mode="maximum"), ValueError),
        (lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib), threshold_mode="relative"), ValueError),
        (lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(sgd(lib, 2), min_lr=[0.1]), ValueError),
        (lambda lib: lib.optim.lr_scheduler.LRScheduler(sgd(lib)), NotImplementedError),
    ],
)
def test_errors_equal_torchs(make, error):
    expected, actual = torch_and_minigrad_errors(make, error)
    assert actual == expected
