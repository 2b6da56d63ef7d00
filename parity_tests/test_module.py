"""minigrad/nn/module.py against torch.nn.Module: registration through attributes, the names
and order of named_parameters / named_buffers / named_modules, train/eval, zero_grad,
state_dict keys and shapes, load_state_dict in both directions (and every kind of mismatch,
all listed in torch's message), dtype conversion, repr, and torch's errors."""

import copy

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from harness import assert_close


def make_net(lib):
    """The same model in torch (lib=torch) or minigrad (lib=minigrad): convolutions, a nested
    Sequential, a ModuleList, a parameter of its own, a bias-less layer and two buffers."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(2, 3, 3, padding=1)
            self.scale = nn.Parameter(lib.ones(3))
            self.features = nn.Sequential(nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
            self.heads = nn.ModuleList([nn.Linear(12, 4), nn.Linear(4, 4, bias=False)])
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            x = self.conv(x) * self.scale.reshape(1, 3, 1, 1)
            x = self.features(x)
            for head in self.heads:
                x = head(x)
            return x + self.running

    return Net()


def torch_weights_into(model, torch_model):
    return model.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})


def shapes(state):
    return [(k, tuple(v.shape)) for k, v in state.items()]


def test_names_and_order_equal_torchs():
    m, t = make_net(minigrad), make_net(torch)
    assert shapes(dict(m.named_parameters())) == shapes(dict(t.named_parameters()))
    assert [n for n, _ in m.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    assert [type(c).__name__ for c in m.children()] == [type(c).__name__ for c in t.children()]
    assert len(list(m.modules())) == len(list(t.modules()))
    assert [n for n, _ in m.named_parameters(prefix="net", recurse=False)] == ["net.scale"]
    assert all(isinstance(p, minigrad.nn.Parameter) for p in m.parameters())
    assert m.heads[1].bias is None and "bias" in m.heads[1]._parameters


def test_state_dict_keys_shapes_and_values():
    m, t = make_net(minigrad), make_net(torch)
    assert shapes(m.state_dict()) == shapes(t.state_dict())  # the non-persistent buffer is left out
    state = m.state_dict()
    assert all(type(v) is minigrad.Tensor and not v.requires_grad for v in state.values())
    assert np.shares_memory(state["conv.weight"]._array, m.conv.weight._array)  # detached, not copied (as torch)
    assert "scratch" in dict(m.named_buffers())


def test_load_state_dict_torch_to_minigrad_and_back():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 4, 4)).astype(np.float32)
    m, t = make_net(minigrad), make_net(torch)
    with torch.no_grad():
        t.running.normal_()
    weight = m.conv.weight
    result = torch_weights_into(m, t)
    assert result.missing_keys == [] and result.unexpected_keys == [] and repr(result) == "<All keys matched successfully>"
    assert m.conv.weight is weight and m.conv.weight.dtype == minigrad.float32  # copied in place
    np.testing.assert_allclose(m(minigrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)

    m2 = make_net(minigrad)
    m2.load_state_dict(t.state_dict())  # torch tensors directly (np.asarray works on them)
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(m2.state_dict().values(), m.state_dict().values()))

    fresh = make_net(torch)
    fresh.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in m.state_dict().items()})
    np.testing.assert_allclose(fresh(torch.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-6)


def test_load_state_dict_casts_to_the_parameters_dtype():
    m = minigrad.nn.Linear(2, 3)
    m.load_state_dict({"weight": np.arange(6, dtype=np.float64).reshape(3, 2), "bias": [1, 2, 3]})
    assert m.weight.dtype == minigrad.float32 and m.bias.tolist() == [1.0, 2.0, 3.0]
    assert m.weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]


def broken_state(state, lib):
    state = dict(state)
    del state["conv.bias"], state["heads.1.weight"]  # missing
    state["extra"] = lib.zeros(1)  # unexpected, at the top
    state["heads.0.gamma"] = lib.zeros(1)  # unexpected, inside a child
    state["nothing.weight"] = lib.zeros(1)  # unexpected: no such child
    state["conv.weight"] = lib.zeros(3, 2, 5, 5)  # mis-shaped
    state["running"] = lib.zeros(5)  # mis-shaped
    return state


def torch_message(error):
    return str(error).replace("torch.Size", "minigrad.Size")


def test_every_mismatch_is_listed_in_torchs_message():
    m, t = make_net(minigrad), make_net(torch)
    with pytest.raises(RuntimeError) as expected:
        t.load_state_dict(broken_state(t.state_dict(), torch))
    with pytest.raises(RuntimeError) as actual:
        m.load_state_dict(broken_state(m.state_dict(), minigrad))
    assert str(actual.value) == torch_message(expected.value)
    assert str(actual.value).startswith("Error(s) in loading state_dict for Net:\n\tMissing key(s) in state_dict: ")


def test_strict_false_reports_missing_and_unexpected_keys():
    m, t = make_net(minigrad), make_net(torch)

    def partial(state, lib):
        state = dict(state)
        del state["conv.bias"]
        state["extra"] = lib.zeros(1)
        return state

    expected = t.load_state_dict(partial(t.state_dict(), torch), strict=False)
    actual = m.load_state_dict(partial(m.state_dict(), minigrad), strict=False)
    assert actual.missing_keys == expected.missing_keys == ["conv.bias"]
    assert actual.unexpected_keys == expected.unexpected_keys == ["extra"]
    assert repr(actual) == repr(expected)
    # shape mismatches raise even when not strict
    with pytest.raises(RuntimeError, match="size mismatch for conv.bias"):
        m.load_state_dict({"conv.bias": np.zeros(7)}, strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        m.load_state_dict([1, 2])


@settings(deadline=None, max_examples=15)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=5), st.booleans())
def test_random_mlps_round_trip_through_torch(widths, bias):
    """Sequential MLPs of drawn widths: same keys/shapes, and torch's weights give torch's output."""

    def mlp(nn):
        layers = []
        for a, b in zip(widths, widths[1:]):
            layers += [nn.Linear(a, b, bias=bias), nn.Tanh()]
        return nn.Sequential(*layers)

    torch.manual_seed(len(widths))  # torch's initial weights, reproducible like the rest of the example
    m, t = mlp(minigrad.nn), mlp(torch.nn).double()
    m.double()
    assert shapes(m.state_dict()) == shapes(t.state_dict())
    torch_weights_into(m, t)
    x = np.random.default_rng(len(widths)).standard_normal((3, widths[0]))
    # the float64 parity tolerance: an output that cancels to ~1e-5 differs from torch's in its last bits
    assert_close(m(minigrad.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), np.float64, "MLP output")


def test_train_and_eval_propagate():
    m, t = make_net(minigrad), make_net(torch)
    for mode in ("eval", "train"):
        assert getattr(m, mode)() is m
        getattr(t, mode)()
        assert [x.training for x in m.modules()] == [x.training for x in t.modules()]
    m.features.eval()
    assert m.training and not m.features[0].training
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        m.train("yes")


def test_zero_grad():
    m = make_net(minigrad)
    m(minigrad.randn(2, 2, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    grad = m.conv.weight.grad
    m.zero_grad(set_to_none=False)
    assert m.conv.weight.grad is grad and not grad._array.any()
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_conversion_keeps_parameter_identity():
    m = make_net(minigrad)
    weight = m.conv.weight
    m(minigrad.randn(2, 2, 4, 4)).sum().backward()
    assert m.double() is m and m.conv.weight is weight
    assert {p.dtype for p in m.parameters()} == {minigrad.float64} and m.running.dtype == minigrad.float64
    assert m.conv.weight.grad.dtype == minigrad.float64
    assert m.to(minigrad.float32) is m and m.conv.weight.dtype == minigrad.float32
    m.to(torch.float64)
    assert m.conv.weight.dtype == minigrad.float64
    assert m.float().conv.weight.dtype == minigrad.float32 and m.to("cpu") is m
    with pytest.raises(RuntimeError, match="not available"):
        m.to("cuda")
    with pytest.raises(TypeError, match="only accepts floating point"):
        m.to(minigrad.int64)


def test_apply_visits_children_first_then_self():
    m, t = make_net(minigrad), make_net(torch)
    seen_m, seen_t = [], []
    m.apply(lambda mod: seen_m.append(type(mod).__name__))
    t.apply(lambda mod: seen_t.append(type(mod).__name__))
    assert seen_m == seen_t


def test_shared_parameters_are_listed_once():
    for lib in (minigrad, torch):
        layer = lib.nn.Linear(3, 3)
        model = lib.nn.Sequential(layer, lib.nn.ReLU(), layer)
        assert len(list(model.parameters())) == 2
        assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
        assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_repr_equals_torchs():
    assert repr(make_net(minigrad)) == repr(make_net(torch))


def assign_before_init(lib, what):
    class Broken(lib.nn.Module):
        def __init__(self):
            if what == "module":
                self.fc = lib.nn.Linear(2, 2)
            elif what == "parameter":
                self.w = lib.nn.Parameter(lib.ones(2))
            else:
                self.register_buffer("b", lib.ones(2))
            super().__init__()

    return Broken


@pytest.mark.parametrize("what", ["module", "parameter", "buffer"])
def test_assigning_before_init_raises_torchs_error(what):
    with pytest.raises(AttributeError) as expected:
        assign_before_init(torch, what)()
    with pytest.raises(AttributeError) as actual:
        assign_before_init(minigrad, what)()
    assert str(actual.value) == str(expected.value)


def test_registration_errors_match_torchs():
    for name, value in [("a.b", None), ("", None), ("conv", None)]:
        errors = []
        for lib in (torch, minigrad):
            with pytest.raises(KeyError) as error:
                make_net(lib).register_buffer(name, value)
            errors.append(str(error.value))
        assert errors[0] == errors[1]
    for lib in (torch, minigrad):
        net = make_net(lib)
        with pytest.raises(TypeError, match="cannot assign 'int' object to buffer 'b'"):
            net.register_buffer("b", 3)
        with pytest.raises(TypeError, match="cannot assign 'float' as parameter 'scale'"):
            net.scale = 1.0
        with pytest.raises(TypeError, match="cannot assign 'int' as child module 'conv'"):
            net.conv = 3
        with pytest.raises(KeyError, match="attribute 'forward' already exists"):
            net.register_parameter("forward", None)
        with pytest.raises(TypeError, match="is not a Module subclass"):
            net.add_module("x", 3)
        with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
            net.nope


def test_reassignment_moves_between_registries():
    m = make_net(minigrad)
    m.scale = None  # keeps the name reserved as a parameter
    assert "scale" in m._parameters and m.scale is None
    assert "scale" not in dict(m.named_parameters())
    m.extra = minigrad.nn.Linear(1, 1)
    del m.extra
    assert "extra" not in m._modules
    m.running = minigrad.ones(4)  # buffers can be reassigned tensors
    assert m.running.tolist() == [1.0] * 4


def test_missing_forward_and_call():
    for lib in (torch, minigrad):
        with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required "forward" function'):
            lib.nn.Module()(1)


def test_deepcopy_copies_parameters():
    m = make_net(minigrad)
    clone = copy.deepcopy(m)
    assert clone.conv.weight is not m.conv.weight and isinstance(clone.conv.weight, minigrad.nn.Parameter)
    assert np.array_equal(clone.conv.weight.numpy(force=True), m.conv.weight.numpy(force=True))
    assert shapes(clone.state_dict()) == shapes(m.state_dict())


def test_get_submodule_and_requires_grad_():
    m = make_net(minigrad)
    assert m.get_submodule("heads.1") is m.heads[1] and m.get_submodule("") is m
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())
