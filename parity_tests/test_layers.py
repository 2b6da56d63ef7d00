"""minigrad/nn/modules/{conv,pooling,linear,activation,dropout,flatten,loss}.py against torch.nn:
each layer, built with drawn sizes and options and given torch's weights through
load_state_dict, must match torch's output, input gradient and every parameter's gradient;
reprs and constructor errors must equal torch's."""

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigrad
from harness import assert_close, check_parity
from strategies import DTYPES, arrays, distinct_arrays

TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}


def check_layer(make, x, *extra, **tolerances):
    """Build the layer in both libraries (``make(nn)``), copy torch's weights into minigrad's,
    then compare output, input gradient and each parameter's gradient (named as torch names them)."""
    t = make(torch.nn).to(TORCH_DTYPES[x.dtype])
    m = make(minigrad.nn).to(x.dtype)
    m.load_state_dict(t.state_dict())
    assert repr(m) == repr(t)
    out = check_parity(m, t, x, *extra, **tolerances)
    m_params, t_params = dict(m.named_parameters()), dict(t.named_parameters())
    assert list(m_params) == list(t_params)
    for name, q in t_params.items():
        p = m_params[name]
        assert p.dtype == minigrad.tensor(x).dtype
        grad = tolerances.get("grad_rtol"), tolerances.get("grad_atol")
        assert_close(p.grad.numpy(), q.grad.numpy(), x.dtype, f"gradient of {name}", *grad)
    return out


# -- Conv2d -------------------------------------------------------------------------------------


@st.composite
def conv_cases(draw):
    """(make, x): a Conv2d with drawn options and an input large enough for it."""
    dtype = draw(DTYPES)
    groups = draw(st.integers(1, 3))
    in_channels, out_channels = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    stride = draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2))))
    dilation = draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2))))
    paddings = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("valid")]
    if stride in (1, (1, 1)):
        paddings.append(st.just("same"))
    padding = draw(st.one_of(*paddings))
    padding_mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    bias = draw(st.booleans())
    pair = lambda v: v if isinstance(v, tuple) else (v, v)
    # each side at least the dilated kernel, and more than the padding (reflect's rule)
    sizes = []
    for k, d, p in zip(pair(kernel), pair(dilation), pair(padding if not isinstance(padding, str) else 0)):
        span = d * (k - 1) + 1
        sizes.append(draw(st.integers(max(span, p + 1), max(span, p + 1) + 3)))
    batch = draw(st.integers(1, 2))
    x = draw(arrays((batch, in_channels, *sizes), dtype, low=-2, high=2))

    def make(nn):
        return nn.Conv2d(in_channels, out_channels, kernel, stride, padding, dilation, groups, bias, padding_mode)

    return make, x


@settings(deadline=None, max_examples=30)
@given(conv_cases())
@example((lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), np.random.default_rng(0).standard_normal((2, 3, 5, 5))))
@example((lambda nn: nn.Conv2d(2, 2, (2, 3), padding="same", padding_mode="circular", bias=False), np.random.default_rng(1).standard_normal((1, 2, 4, 4))))
def test_conv2d_matches_torch(case):
    make, x = case
    check_layer(make, x)


def test_conv2d_unbatched_input():
    make = lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="replicate")
    check_layer(make, np.random.default_rng(0).standard_normal((2, 5, 5)))


@pytest.mark.parametrize(
    "kwargs",
    [dict(groups=0), dict(groups=2, in_channels=3), dict(groups=2, out_channels=3), dict(padding="full"),
     dict(padding="same", stride=2), dict(padding_mode="mirror")],  # fmt: skip
)
def test_conv2d_constructor_errors_equal_torchs(kwargs):
    args = dict(in_channels=4, out_channels=4, kernel_size=3) | kwargs
    with pytest.raises(ValueError) as expected:
        torch.nn.Conv2d(**args)
    with pytest.raises(ValueError) as actual:
        minigrad.nn.Conv2d(**args)
    assert sorted_sets(str(actual.value)) == sorted_sets(str(expected.value))


def sorted_sets(message):
    """The message with the items of each printed {set} sorted: a set's printing order depends
    on how the set was built (torch's comes from a frozenset constant in its .pyc)."""
    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}", message)


# -- MaxPool2d ----------------------------------------------------------------------------------


@st.composite
def pool_cases(draw):
    dtype = draw(DTYPES)
    kernel = draw(st.integers(1, 3))
    stride = draw(st.none() | st.integers(1, 3))
    dilation = draw(st.integers(1, 2))
    padding = draw(st.integers(0, kernel // 2))  # torch's limit when the input requires grad
    ceil_mode = draw(st.booleans())
    span = dilation * (kernel - 1) + 1
    h, w = draw(st.integers(span, span + 4)), draw(st.integers(span, span + 4))
    x = draw(distinct_arrays((draw(st.integers(1, 2)), draw(st.integers(1, 3)), h, w), dtype))
    return (lambda nn: nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode=ceil_mode)), x


@settings(deadline=None, max_examples=25)
@given(pool_cases())
def test_maxpool2d_matches_torch(case):
    make, x = case
    check_layer(make, x)


def test_maxpool2d_return_indices():
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 6))
    m_out, m_idx = minigrad.nn.MaxPool2d(3, 2, 1, return_indices=True)(minigrad.tensor(x))
    t_out, t_idx = torch.nn.MaxPool2d(3, 2, 1, return_indices=True)(torch.tensor(x))
    assert np.array_equal(m_out.numpy(), t_out.numpy()) and np.array_equal(m_idx.numpy(), t_idx.numpy())


# -- Linear, Flatten, activations ---------------------------------------------------------------


@settings(deadline=None, max_examples=30)
@given(st.integers(1, 6), st.integers(1, 6), st.lists(st.integers(1, 3), max_size=3), st.booleans(), DTYPES, st.data())
def test_linear_matches_torch(in_features, out_features, batch, bias, dtype, data):
    x = data.draw(arrays((*batch, in_features), dtype))
    check_layer(lambda nn: nn.Linear(in_features, out_features, bias=bias), x)


@settings(deadline=None, max_examples=30)
@given(st.lists(st.integers(1, 3), min_size=1, max_size=4), st.data())
def test_flatten_matches_torch(shape, data):
    ndim = len(shape)
    start = data.draw(st.integers(-ndim, ndim - 1))
    end = data.draw(st.integers(-ndim, ndim - 1).filter(lambda e: e % ndim >= start % ndim))
    check_layer(lambda nn: nn.Flatten(start, end), data.draw(arrays(tuple(shape))))


ACTIVATIONS = [
    lambda nn: nn.ReLU(),
    lambda nn: nn.Sigmoid(),
    lambda nn: nn.Tanh(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.Softmax(dim=-1),
    lambda nn: nn.LogSoftmax(dim=1),
    lambda nn: nn.LogSoftmax(dim=0),
    lambda nn: nn.Identity(),
]


@settings(deadline=None, max_examples=40)
@given(st.sampled_from(ACTIVATIONS), DTYPES, st.data())
def test_activations_match_torch(make, dtype, data):
    check_layer(make, data.draw(arrays(data.draw(st.sampled_from([(3, 4), (2, 3, 4)])), dtype)))


def test_inplace_relu_overwrites_its_input():
    x = np.array([[-1.0, 0.0, 2.0], [3.0, -4.0, 0.5]])
    results = []
    for lib in (minigrad, torch):
        a = lib.tensor(x, requires_grad=True)
        y = a * 2
        out = lib.nn.ReLU(inplace=True)(y)
        assert out is y
        (out * lib.tensor(x)).sum().backward()
        results.append((y.detach().numpy().copy(), a.grad.numpy().copy(), repr(lib.nn.ReLU(inplace=True))))
    assert all(np.array_equal(a, b) for a, b in zip(results[0][:2], results[1][:2])) and results[0][2] == results[1][2]


# -- Dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.0, 0.2, 0.5, 0.9])
def test_dropout_statistics_and_gradient(p):
    layer = minigrad.nn.Dropout(p)
    x = minigrad.ones(200_000, dtype=minigrad.float64, requires_grad=True)
    out = layer(x)
    values = out.detach().numpy()
    kept = values != 0
    assert kept.mean() == pytest.approx(1 - p, abs=6 * math.sqrt(p * (1 - p) / values.size) + 1e-12)
    assert np.allclose(values[kept], 1 / (1 - p))
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), values)  # ∂out/∂x = mask / (1 − p) = out where x = 1


def test_dropout_is_the_identity_in_eval_mode():
    model = minigrad.nn.Sequential(minigrad.nn.Linear(3, 3), minigrad.nn.Dropout(0.5)).eval()
    x = minigrad.randn(4, 3)
    assert model[1](x) is x
    assert np.array_equal(model(x).detach().numpy(), model[0](x).detach().numpy())
    assert repr(minigrad.nn.Dropout(0.3, inplace=True)) == repr(torch.nn.Dropout(0.3, inplace=True))
    for lib in (minigrad, torch):
        with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
            lib.nn.Dropout(1.5)


# -- losses -------------------------------------------------------------------------------------

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


@settings(deadline=None, max_examples=30)
@given(st.sampled_from(["L1Loss", "MSELoss"]), REDUCTIONS, DTYPES, st.data())
def test_regression_losses_match_torch(name, reduction, dtype, data):
    shape = data.draw(st.sampled_from([(4,), (3, 2), (2, 3, 2)]))
    x, target = data.draw(arrays(shape, dtype)), data.draw(arrays(shape, dtype))
    t, m = getattr(torch.nn, name)(reduction=reduction), getattr(minigrad.nn, name)(reduction=reduction)
    assert repr(m) == repr(t)
    check_parity(m, t, x, target)


@st.composite
def classification_cases(draw):
    dtype = draw(DTYPES)
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    extra = draw(st.sampled_from([(), (3,), (2, 2)]))
    logits = draw(arrays((n, c, *extra), dtype))
    target = draw(st.lists(st.integers(0, c - 1), min_size=n * int(np.prod(extra)), max_size=n * int(np.prod(extra))))
    target = np.array(target, np.int64).reshape((n, *extra))
    options = dict(reduction=draw(REDUCTIONS))
    if draw(st.booleans()):
        options["ignore_index"] = draw(st.integers(0, c - 1))
    weight = draw(st.none() | arrays((c,), dtype, low=0.125, high=2.0))
    return logits, target, weight, options


@settings(deadline=None, max_examples=50)
@given(classification_cases(), st.sampled_from([0.0, 0.1, 0.5]), st.booleans())
def test_classification_losses_match_torch(case, label_smoothing, cross_entropy):
    logits, target, weight, options = case
    if cross_entropy:
        options["label_smoothing"] = label_smoothing
    name = "CrossEntropyLoss" if cross_entropy else "NLLLoss"
    t = getattr(torch.nn, name)(weight=None if weight is None else torch.tensor(weight), **options)
    m = getattr(minigrad.nn, name)(weight=None if weight is None else minigrad.tensor(weight), **options)
    assert repr(m) == repr(t) and list(m.state_dict()) == list(t.state_dict())
    check_parity(m, t, logits, target)


def test_loss_with_probability_targets_and_legacy_flags():
    rng = np.random.default_rng(0)
    logits, target = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), size=4)
    check_parity(minigrad.nn.CrossEntropyLoss(label_smoothing=0.2), torch.nn.CrossEntropyLoss(label_smoothing=0.2), logits, target)
    with pytest.warns(UserWarning):
        m = minigrad.nn.MSELoss(size_average=False)
    assert m.reduction == "sum"


# -- reprs --------------------------------------------------------------------------------------

REPRS = [
    lambda nn: nn.Conv2d(3, 32, 5, padding=2),
    lambda nn: nn.Conv2d(4, 8, (3, 2), stride=(2, 1), padding="same" if False else (1, 0), dilation=2, groups=2, bias=False),
    lambda nn: nn.Conv2d(4, 8, 3, padding="same", padding_mode="circular"),
    lambda nn: nn.Conv2d(4, 8, 3, padding="valid"),
    lambda nn: nn.MaxPool2d(2),
    lambda nn: nn.MaxPool2d((3, 2), stride=1, padding=1, dilation=(1, 2), ceil_mode=True),
    lambda nn: nn.Linear(1024, 64),
    lambda nn: nn.Linear(3, 1, bias=False),
    lambda nn: nn.Flatten(),
    lambda nn: nn.Flatten(0, 2),
    lambda nn: nn.ReLU(),
    lambda nn: nn.Softmax(dim=1),
    lambda nn: nn.LogSoftmax(),
    lambda nn: nn.Dropout(),
    lambda nn: nn.CrossEntropyLoss(),
    lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1, reduction="sum"),
    lambda nn: nn.NLLLoss(ignore_index=0),
    lambda nn: nn.L1Loss(),
    lambda nn: nn.MSELoss(reduction="none"),
]


@pytest.mark.parametrize("make", REPRS)
def test_repr_equals_torchs(make):
    m, t = make(minigrad.nn), make(torch.nn)
    assert repr(m) == repr(t)
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
