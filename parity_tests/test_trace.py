"""minigrad.autograd.trace: each backward step in order, its shapes and gradient norms (checked
against the chain rule done by hand in numpy), accumulation rows, the printed table, and the
class that ran each step (a kernel or its textbook op, which share the node's name)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad.autograd import engine, trace
from minigrad.autograd.trace import Step
from minigrad.ops.linalg import MatMul

from strategies import arrays, broadcastable_shapes


def norm(array):
    return float(np.sqrt(np.sum(np.square(array))))


def small_graph():
    """L = Σ tanh(x @ w + b) · c   with x (2, 3), w (3, 4), b (4,) requiring grad, c (2, 4) constant."""
    rng = np.random.default_rng(0)
    x, w, b, c = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((2, 4))
    tensors = [minigrad.tensor(v, requires_grad=grad) for v, grad in ((x, True), (w, True), (b, True), (c, False))]
    mx, mw, mb, mc = tensors
    loss = ((mx @ mw + mb).tanh() * mc).sum()
    return loss, (x, w, b, c), (mx, mw, mb)


def test_small_graph_step_by_step():
    loss, (x, w, b, c), (mx, mw, mb) = small_graph()
    with trace(params={"w": mw, "b": mb}) as tr:
        loss.backward()

    # the chain rule by hand, from the loss back to the leaves
    h = x @ w + b
    g_tanh = np.ones((2, 4)) * c  # ∂L/∂tanh(h) = grad · c, grad = 1 from the sum
    g_h = g_tanh * (1 - np.tanh(h) ** 2)  # ∂L/∂h = grad · (1 − out²)
    g_b = g_h.sum(axis=0)  # b was broadcast over the rows
    g_x, g_w = g_h @ w.T, x.T @ g_h  # ∂L/∂x = grad @ wᵀ, ∂L/∂w = xᵀ @ grad
    expected = [
        Step("SumBackward0", (), 1.0, ((2, 4),), (norm(np.ones((2, 4))),), None),
        Step("MulBackward0", (2, 4), norm(np.ones((2, 4))), ((2, 4), None), (norm(g_tanh), None), None),
        Step("TanhBackward0", (2, 4), norm(g_tanh), ((2, 4),), (norm(g_h),), None),
        Step("AddBackward0", (2, 4), norm(g_h), ((2, 4), (4,)), (norm(g_h), norm(g_b)), None),
        Step("AccumulateGrad", (4,), norm(g_b), (), (), "b"),
        Step("MmBackward0", (2, 4), norm(g_h), ((2, 3), (3, 4)), (norm(g_x), norm(g_w)), None),
        Step("AccumulateGrad", (2, 3), norm(g_x), (), (), "leaf (2, 3)"),  # x is not in params
        Step("AccumulateGrad", (3, 4), norm(g_w), (), (), "w"),  # torch's order too: b, x, w
    ]
    assert [s.op for s in tr.steps] == [s.op for s in expected]
    for i, (got, want) in enumerate(zip(tr.steps, expected)):
        assert (got.op, got.grad_shape, got.input_grad_shapes, got.accumulates_into) == (
            want.op, want.grad_shape, want.input_grad_shapes, want.accumulates_into), f"step {i + 1}"
        np.testing.assert_allclose(got.grad_norm, want.grad_norm, rtol=1e-12, err_msg=f"step {i + 1}")
        for g, e in zip(got.input_grad_norms, want.input_grad_norms):
            assert (g is None) == (e is None), f"step {i + 1}"
            if e is not None:
                np.testing.assert_allclose(g, e, rtol=1e-12, err_msg=f"step {i + 1}")
    assert [s.is_accumulation for s in tr.steps] == [False] * 4 + [True, False, True, True]
    matmul_class = minigrad.backends.kernels.fast_version_of(MatMul).__name__  # MatMul, or its kernel
    assert [s.ran for s in tr.steps] == ["Sum", "Mul", "Tanh", "Add", "AccumulateGrad", matmul_class] + ["AccumulateGrad"] * 2


def test_table_is_aligned_and_names_parameters():
    loss, _, (mx, mw, mb) = small_graph()
    with trace(params={"w": mw, "b": mb}) as tr:
        loss.backward()
    text = str(tr)
    lines = text.splitlines()
    assert text == tr.table()
    assert lines[0].split() == ["step", "node", "∂L/∂out", "‖∂L/∂out‖", "∂L/∂inputs", "‖∂L/∂inputs‖"]
    assert set(lines[1]) == {"-", " "}
    starts = [i for i, line in enumerate(lines) if line[:4].strip().isdigit()]  # each step's first line
    assert [int(lines[i][:4]) for i in starts] == list(range(1, 9))
    node, out, inputs = (lines[0].index(name) for name in ("node", "∂L/∂out", "∂L/∂inputs"))
    for i, s in zip(starts, tr.steps):
        row = lines[i:(starts + [len(lines)])[starts.index(i) + 1]]
        assert row[0][node:].startswith(s.op) and row[0][out:].startswith(str(s.grad_shape).replace(",)", ",)"))
        if s.is_accumulation:  # a leaf's row: one line, whose .grad it adds into
            assert len(row) == 1 and row[0][inputs:] == f"→ .grad of {s.accumulates_into}"
        else:  # the class that ran under the node's name; one line per input
            assert row[1][node:].split()[:2] == ["ran", f"{s.ran}.backward"]
            assert len(row) == max(2, len(s.input_grad_shapes))
            for line, shape in zip(row, s.input_grad_shapes):
                assert line[inputs:].split("  ")[0] == ("None" if shape is None else str(shape).replace(",)", ",)"))
    assert lines[starts[0]].split() == ["1", "SumBackward0", "()", "1", "(2,", "4)", "2.828"]
    assert lines[starts[4]].endswith("→ .grad of b") and lines[starts[6]].endswith("→ .grad of leaf (2, 3)")
    assert lines[starts[1] + 1].split()[-2:] == ["None", "None"]  # the constant c gets no gradient
    assert repr(tr) == "<minigrad.autograd.trace: 8 steps>"


def test_records_hold_every_value_in_full():
    loss, _, (mx, mw, mb) = small_graph()
    name = "a.very.long.parameter.name.that.does.not.fit.in.a.hundred.columns." * 2 + "weight"
    with trace(params={name: mw, "b": mb}) as tr:
        loss.backward()
    records = tr.records
    assert records == tr.to_records() and len(records) == len(tr.steps)
    assert [r["step"] for r in records] == list(range(1, 9))
    for r, s in zip(records, tr.steps):
        assert set(r) == {"step", "op", "grad_shape", "grad_norm", "input_grad_shapes", "input_grad_norms",
                          "accumulates_into", "ran", "module"}
        assert (r["op"], r["grad_shape"], r["grad_norm"], r["input_grad_shapes"], r["input_grad_norms"],
                r["accumulates_into"], r["ran"]) == (s.op, s.grad_shape, s.grad_norm, s.input_grad_shapes,
                                                     s.input_grad_norms, s.accumulates_into, s.ran)
        assert isinstance(r["grad_norm"], float)
    assert [r["accumulates_into"] for r in records].count(name) == 1  # in full, where the table cuts it
    lines = str(tr).splitlines()
    assert max(map(len, lines)) <= 100 and any(line.endswith("…") for line in lines)
    assert all(len(line) <= 60 for line in tr.table(width=60).splitlines())


def test_html_table_for_jupyter():
    loss, _, (mx, mw, mb) = small_graph()
    with trace(params={"w<1>": mw, "b": mb}) as tr:
        loss.backward()
    page = tr._repr_html_()
    assert page.startswith("<table>") and page.endswith("</table>")
    assert page.count("<tr>") == 1 + len(tr.steps) and "w&lt;1&gt;" in page and "w<1>" not in page
    assert "<td style='text-align:left'>(2, 4)<br>(4,)</td>" in page  # AddBackward0's two input gradients
    for s in tr.steps:
        assert f">{s.op}<" in page


def test_tutorial_cnn_table_fits_100_columns_and_names_layers():
    """The tutorial's network at batch 64 (the widest shapes of the lesson), with its layers."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
    from tutorial_model import tutorial_cnn
    from minigrad.viz import record_modules

    minigrad.manual_seed(0)
    model = tutorial_cnn(minigrad.nn)
    with record_modules() as layers:
        loss = minigrad.nn.CrossEntropyLoss()(model(minigrad.randn(64, 3, 32, 32)), minigrad.randint(0, 10, (64,)))
    with trace(modules=layers) as tr:
        loss.backward()
    text = str(tr)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "…" not in text  # everything fits uncut: torch's longest name, the kernels' class names
    for name, layer in model.named_children():  # each layer heads its rows, as print(model) shows it
        if list(layer.parameters()) or name in ("1", "6"):
            assert f"── {name} {layer!r}" in text
    assert "── CrossEntropyLoss()" in text
    conv0 = next(s for s in tr.steps if s.op == "ConvolutionBackward0" and s.input_grad_shapes[0] is None)
    assert conv0.module == f"0 {model[0]!r}"
    accumulations = {s.accumulates_into: s.module for s in tr.steps if s.is_accumulation}
    assert accumulations == {name: f"{name.split('.')[0]} {model[int(name.split('.')[0])]!r}"
                             for name, _ in model.named_parameters()}  # named by their path without params=
    assert "<td style='text-align:left'>0 Conv2d(3, 32, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))</td>" \
        in tr._repr_html_()


def test_leaf_used_twice_accumulates_once():
    w = minigrad.tensor([1.0, -2.0], requires_grad=True)
    with trace(params={"w": w}) as tr:
        (w * w).sum().backward()
    assert [s.op for s in tr.steps] == ["SumBackward0", "MulBackward0", "AccumulateGrad"]
    assert tr.steps[1].input_grad_norms == (norm([1.0, -2.0]), norm([1.0, -2.0]))
    assert tr.steps[2].accumulates_into == "w" and tr.steps[2].grad_norm == pytest.approx(norm([2.0, -4.0]))


def test_observer_removed_on_exit_even_after_an_error():
    before = list(engine.observers)
    with pytest.raises(RuntimeError):
        with trace():
            minigrad.ones(2).sum().backward()  # nothing requires grad: raises
    assert engine.observers == before
    loss, _, _ = small_graph()
    with trace() as tr:
        pass
    loss.backward()
    assert tr.steps == []


def test_autograd_grad_records_no_accumulation():
    loss, _, (mx, mw, mb) = small_graph()
    with trace() as tr:
        minigrad.autograd.grad(loss, [mw])
    assert tr.steps and not any(s.is_accumulation for s in tr.steps) and mw.grad is None


@settings(deadline=None, max_examples=20)
@given(data=st.data(), shapes=broadcastable_shapes(num_shapes=2, max_dims=3))
def test_broadcast_mul_norms_match_numpy(data, shapes):
    a, b = data.draw(arrays(shapes[0])), data.draw(arrays(shapes[1]))
    ma, mb = minigrad.tensor(a, requires_grad=True), minigrad.tensor(b, requires_grad=True)
    with trace(params={"a": ma, "b": mb}) as tr:
        (ma * mb).sum().backward()
    out_shape = np.broadcast_shapes(a.shape, b.shape)

    def sum_to(g, shape):  # undo broadcasting: sum the added axes, then the stretched ones
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
        return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)

    mul = tr.steps[1]
    assert mul.op == "MulBackward0" and mul.input_grad_shapes == (a.shape, b.shape)
    np.testing.assert_allclose(mul.grad_norm, np.sqrt(np.prod(out_shape)), rtol=1e-12)
    # ∂L/∂a = grad · b, and what the engine sends on is already summed back to a's shape
    np.testing.assert_allclose(mul.input_grad_norms[0], norm(sum_to(np.broadcast_to(b, out_shape), a.shape)), rtol=1e-12)
    np.testing.assert_allclose(mul.input_grad_norms[1], norm(sum_to(np.broadcast_to(a, out_shape), b.shape)), rtol=1e-12)
    assert {s.accumulates_into for s in tr.steps if s.is_accumulation} == {"a", "b"}


@pytest.mark.parametrize("kernels_on", [True, False], ids=["kernels on", "kernels off"])
def test_rows_name_the_class_that_ran(kernels_on):
    """A kernel and its textbook op report the same node name (torch's); the ``ran`` field and
    column tell which of the two ran."""
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    fc = minigrad.tensor(rng.standard_normal((5, 36)), requires_grad=True)
    m = minigrad.tensor(rng.standard_normal((5, 2)), requires_grad=True)
    with minigrad.backends.kernels.flags(enabled=kernels_on):
        hidden = F.max_pool2d(F.conv2d(x, w, padding=1), 2).flatten(1)  # (2, 36)
        loss = (F.linear(hidden, fc) @ m).sum()
    with trace() as tr:
        loss.backward()
    ran = {s.op: s.ran for s in tr.steps if not s.is_accumulation}
    expected = {
        "ConvolutionBackward0": ("ChunkedConvolution", "Convolution"),
        "MaxPool2DWithIndicesBackward0": ("ChunkedMaxPool", "MaxPool"),
    }
    for op, (kernel, textbook) in expected.items():
        assert ran[op] == (kernel if kernels_on else textbook), op
    # linear without bias and the @ both make an MmBackward0 node
    assert sorted(s.ran for s in tr.steps if s.op == "MmBackward0") == (
        ["ThreadedLinear", "ThreadedMatMul"] if kernels_on else ["Linear", "MatMul"])
    lines = str(tr).splitlines()
    conv_row = next(i for i, line in enumerate(lines) if "ConvolutionBackward0" in line)
    assert lines[conv_row + 1].split()[:2] == ["ran", ("ChunkedConvolution" if kernels_on else "Convolution") + ".backward"]
