"""minigrad.viz.draw_graph: the DOT text of known graphs, node names equal to torch's, rendering."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import minigrad
from minigrad.viz import draw_graph

HAS_GRAPHVIZ = importlib.util.find_spec("graphviz") is not None and shutil.which("dot") is not None
needs_graphviz = pytest.mark.skipif(not HAS_GRAPHVIZ, reason="needs the graphviz package and the `dot` program")


def small_graph(lib):
    """L = Σ (a · b + a) · c  with a (2, 3) and b (3,) requiring grad, c (1, 3) a constant."""
    a = lib.tensor([[1.0, 2, 3], [4, 5, 6]], dtype=lib.float64, requires_grad=True)
    b = lib.tensor([1.0, -1, 2], dtype=lib.float64, requires_grad=True)
    c = lib.tensor([[0.5, 1, 2]], dtype=lib.float64)
    return ((a * b + a) * c).sum(), a, b


SMALL_GRAPH_DOT = r"""digraph backward_graph {
    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10]
    n0 [label="output\n() float64", fillcolor="#c7e9c0"]
    n1 [label="SumBackward0\n() float64", fillcolor="#e0e0e0"]
    n2 [label="MulBackward0\n(2, 3) float64", fillcolor="#e0e0e0"]
    n3 [label="AddBackward0\n(2, 3) float64", fillcolor="#e0e0e0"]
    n4 [label="MulBackward0\n(2, 3) float64", fillcolor="#e0e0e0"]
    n5 [label="a\n(2, 3) float64", fillcolor="#cfe2f3"]
    n6 [label="(3,) float64", fillcolor="#cfe2f3"]
    n1 -> n0
    n2 -> n1
    n3 -> n2
    n4 -> n3
    n5 -> n3
    n5 -> n4
    n6 -> n4
}
"""


def test_small_graph_dot_text_exactly():
    # nodes breadth-first from the output; the constant c has no node; a feeds two ops
    loss, a, b = small_graph(minigrad)
    assert draw_graph(loss, params={"a": a}) == SMALL_GRAPH_DOT


def test_same_graph_same_text():
    first, a1, _ = small_graph(minigrad)
    second, a2, _ = small_graph(minigrad)
    assert draw_graph(first, params={"a": a1}) == draw_graph(second, params={"a": a2}) == draw_graph(first, params={"a": a1})


def test_without_params_leaves_show_shape_only():
    loss, _, _ = small_graph(minigrad)
    dot = draw_graph(loss)
    assert 'n5 [label="(2, 3) float64"' in dot and 'n6 [label="(3,) float64"' in dot


def test_leaf_and_constant_outputs():
    leaf = minigrad.ones(2, 2, requires_grad=True)
    assert draw_graph(leaf, params={"w": leaf}).splitlines()[2:5] == [
        '    n0 [label="output\\n(2, 2) float32", fillcolor="#c7e9c0"]',
        '    n1 [label="w\\n(2, 2) float32", fillcolor="#cfe2f3"]',
        "    n1 -> n0",
    ]
    constant = minigrad.ones(3) * 2
    assert draw_graph(constant).count("label=") == 1  # only the output: nothing to differentiate


def test_labels_are_escaped():
    w = minigrad.ones(2, requires_grad=True)
    assert r'label="my \"odd\" name\n(2,) float32"' in draw_graph(w * 2, params={'my "odd" name': w})


def torch_names_breadth_first(tensor):
    """torch's graph walked the way draw_graph walks minigrad's: node names in visit order."""
    order, seen, queue = [], {tensor.grad_fn}, [tensor.grad_fn]
    while queue:
        node = queue.pop(0)
        order.append(node.name().replace("torch::autograd::", ""))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                seen.add(child)
                queue.append(child)
    return order


def test_node_names_and_order_match_torch():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)

    def model(lib, x, w, b):
        h = (x @ w + b).relu()
        return lib.log_softmax(h, dim=1).mean() + (h.exp() / 2).sum() - w.tanh().sum()

    mine = model(minigrad, *(minigrad.tensor(v, requires_grad=True) for v in (x, w, b)))
    theirs = model(torch, *(torch.tensor(v, requires_grad=True) for v in (x, w, b)))
    labels = [line.split('label="')[1].split("\\n")[0] for line in draw_graph(mine).splitlines()[3:] if "label=" in line]
    # unnamed leaves are labelled by their shape: they are torch's AccumulateGrad nodes
    assert ["AccumulateGrad" if label.startswith("(") else label for label in labels] == torch_names_breadth_first(theirs)


def test_deep_graph_needs_no_recursion():
    x = minigrad.zeros(1, requires_grad=True)
    y = x
    for _ in range(3000):  # deeper than Python's default recursion limit (1000)
        y = y + 1
    dot = draw_graph(y)
    assert dot.count("AddBackward0") == 3000 and "n3001 -> n3000" in dot


def test_dot_file_needs_nothing(tmp_path):
    loss, a, _ = small_graph(minigrad)
    assert draw_graph(loss, params={"a": a}, filename=tmp_path / "g.dot") == SMALL_GRAPH_DOT
    assert (tmp_path / "g.dot").read_text() == SMALL_GRAPH_DOT
    draw_graph(loss, params={"a": a}, filename=tmp_path / "plain", format="dot")
    assert (tmp_path / "plain.dot").read_text() == SMALL_GRAPH_DOT


def test_format_without_filename_is_an_error():
    loss, _, _ = small_graph(minigrad)
    with pytest.raises(ValueError, match="needs filename="):
        draw_graph(loss, format="png")


@needs_graphviz
def test_renders_png_and_svg(tmp_path):
    loss, a, _ = small_graph(minigrad)
    draw_graph(loss, params={"a": a}, filename=tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    draw_graph(loss, params={"a": a}, filename=tmp_path / "graph", format="svg")
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "AddBackward0" in svg and ">a</text>" in svg


def test_tutorial_cnn_graph_names_its_parameters():
    nn = minigrad.nn
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(4 * 4 * 4, 10))
    params = dict(model.named_parameters())
    loss = nn.CrossEntropyLoss()(model(minigrad.randn(2, 3, 8, 8)), minigrad.tensor([1, 7]))
    dot = draw_graph(loss, params=params)
    assert "ConvolutionBackward0" in dot
    for name, p in params.items():
        assert f'label="{name}\\n' in dot, f"parameter {name} is not drawn"
    assert dot.count("#cfe2f3") == len(params)  # every leaf is a parameter


def test_visualize_backprop_example_runs(tmp_path):
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    command = [sys.executable, str(root / "examples" / "visualize_backprop.py"), "--out", str(tmp_path / "cnn.dot"), "--batch", "1"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ConvolutionBackward0" in (tmp_path / "cnn.dot").read_text()
    assert "0.weight" in result.stdout and result.stdout.count("AccumulateGrad") == 10  # one row per parameter
