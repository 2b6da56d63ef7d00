"""The one helper every parity test uses: run the same function in minigrad and in torch on the
same inputs and compare the output and every input gradient.

Gradients are taken under a random upstream gradient v (``out.backward(v)``), not ``.sum()``:
with a sum every output element has weight 1, and a backward that transposes or permutes its
gradient would still pass.
"""

import numpy as np
import pytest
import torch

import minigrad

TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-7, atol=1e-10), np.dtype(np.float32): dict(rtol=1e-4, atol=1e-5)}


def tolerances(dtype, rtol=None, atol=None):
    default = TOLERANCES.get(np.dtype(dtype), dict(rtol=0, atol=0))
    return dict(rtol=default["rtol"] if rtol is None else rtol, atol=default["atol"] if atol is None else atol)


def to_minigrad(value, requires_grad):
    if isinstance(value, np.ndarray):
        return minigrad.tensor(value, requires_grad=requires_grad and value.dtype.kind == "f")
    return value


def to_torch(value, requires_grad):
    if isinstance(value, np.ndarray):
        return torch.tensor(value, requires_grad=requires_grad and value.dtype.kind == "f")
    return value


def assert_close(actual, expected, dtype, what, rtol=None, atol=None):
    """``actual`` (numpy) against ``expected`` (numpy) with the dtype's tolerances."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, err_msg=what, equal_nan=True, **tolerances(dtype, rtol, atol))


def check_parity(minigrad_fn, torch_fn, *inputs, requires_grad=True, rtol=None, atol=None, grad_rtol=None, grad_atol=None, seed=0):
    """Compare ``minigrad_fn(*inputs)`` with ``torch_fn(*inputs)``: output, then each input's gradient.

    ``inputs`` are numpy arrays (float ones require grad when ``requires_grad``; a list of bools
    chooses per input) or other values passed to both functions unchanged. The tolerances follow
    the float inputs' dtype: rtol 1e-7 in float64, rtol 1e-4 / atol 1e-5 in float32.
    Returns the minigrad output for further checks.
    """
    flags = requires_grad if isinstance(requires_grad, (list, tuple)) else [requires_grad] * len(inputs)
    mg_inputs = [to_minigrad(x, f) for x, f in zip(inputs, flags)]
    t_inputs = [to_torch(x, f) for x, f in zip(inputs, flags)]
    dtype = next((x.dtype for x in inputs if isinstance(x, np.ndarray) and x.dtype.kind == "f"), np.dtype(np.float64))

    mg_out = minigrad_fn(*mg_inputs)
    t_out = torch_fn(*t_inputs)
    assert str(mg_out.dtype).removeprefix("minigrad.") == str(t_out.dtype).removeprefix("torch."), (
        f"dtype {mg_out.dtype} != torch's {t_out.dtype}"
    )
    assert_close(mg_out.detach().numpy(), t_out.detach().numpy(), dtype, "forward value", rtol, atol)

    if not t_out.requires_grad:
        assert not mg_out.requires_grad, "minigrad output requires grad where torch's does not"
        return mg_out
    upstream = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(t_out.detach().numpy().dtype)
    mg_out.backward(minigrad.tensor(upstream))
    t_out.backward(torch.tensor(upstream))
    for i, (m, t) in enumerate(zip(mg_inputs, t_inputs)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            expected = t.grad.numpy() if t.grad is not None else np.zeros(t.shape, t.detach().numpy().dtype)
            actual = m.grad.numpy() if m.grad is not None else np.zeros(m.shape, m.numpy(force=True).dtype)
            assert m.grad is None or m.grad.dtype == m.dtype, f"input {i}: grad dtype {m.grad.dtype} != {m.dtype}"
            assert_close(actual, expected, dtype, f"gradient of input {i}", grad_rtol or rtol, grad_atol or atol)
    return mg_out


def check_gradcheck(fn, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """minigrad's own gradcheck in float64 on ``fn(*inputs)`` (numpy float arrays require grad)."""
    mg_inputs = tuple(
        minigrad.tensor(np.asarray(x, np.float64), requires_grad=True)
        if isinstance(x, (np.ndarray, np.floating)) and x.dtype.kind == "f" else x  # (-a + 1 of a 0-d a is a np.float64)
        for x in inputs
    )
    assert minigrad.autograd.gradcheck(fn, mg_inputs, eps=eps, atol=atol, rtol=rtol)


def check_op(minigrad_fn, torch_fn, *inputs, compare_names=True, **options):
    """``check_parity``, then the output's grad_fn name against torch's (e.g. "MulBackward0")."""
    torch_outputs = []
    mg_out = check_parity(minigrad_fn, lambda *xs: torch_outputs.append(torch_fn(*xs)) or torch_outputs[-1], *inputs, **options)
    if compare_names:
        expected = torch_outputs[0].grad_fn
        assert (mg_out.grad_fn and mg_out.grad_fn.name()) == (expected and type(expected).__name__)
    return mg_out


def textbook_and_kernel():
    """A module-level fixture: every test of the module runs twice, on the kernels and on the
    textbook ops (``minigrad.backends.kernels.flags``). Module-scoped, so hypothesis sees no
    function-scoped fixture; assign it in the test module: ``implementation = textbook_and_kernel()``."""

    @pytest.fixture(scope="module", params=["kernel", "textbook"], autouse=True)
    def implementation(request):
        with minigrad.backends.kernels.flags(enabled=request.param == "kernel"):
            yield request.param

    return implementation


def check_under_upstream(fn, *arrays, upstream, rtol=1e-7, exact=False):
    """``fn(library, *tensors)`` in minigrad and in torch, then backward with the constant upstream
    gradient ``upstream`` (NaN and ∞ included): the value and every input's gradient agree,
    NaN and ±∞ at the same places (``exact``: bit for bit)."""
    results = []
    for library in (minigrad, torch):
        tensors = [library.tensor(a, requires_grad=True) for a in arrays]
        out = fn(library, *tensors)
        out.backward(library.full(tuple(out.shape), upstream, dtype=out.dtype))
        results.append([out.detach().numpy()] + [t.grad.numpy() for t in tensors])
    for what, m, t in zip(["value", *(f"gradient of input {i}" for i in range(len(arrays)))], *results):
        if exact:
            np.testing.assert_array_equal(m, t, err_msg=what)
        else:
            np.testing.assert_allclose(m, t, rtol=rtol, equal_nan=True, err_msg=what)


def raises_like_torch(call, key=None):
    """``call(minigrad)`` raises the type ``call(torch)`` raises; both messages contain ``key``
    (default: torch's whole message)."""
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type) as actual:
        call(minigrad)
    key = str(expected.value) if key is None else key
    assert key in str(expected.value) and key in str(actual.value), (str(actual.value), str(expected.value))


def raised(call):
    """What ``call()`` raises (None when it returns), for comparing with what torch raises."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 (the exception itself is what is compared)
        return error
    return None
