"""minigrad.viz.draw_graph: the DOT text of known graphs, node names equal to torch's, each node
framed by the layer that made it (found by the global module forward hooks, checked against
torch's own grad_fn of each layer's output), tensors that need no gradient, gradients on the
arrows after a traced backward, the Graph object Jupyter displays, rendering."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import viz
from minigrad.viz import Graph, draw_graph, record_modules

ROOT = Path(__file__).resolve().parent.parent
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="needs Graphviz's `dot` program")
sys.path.insert(0, str(ROOT / "examples"))
from tutorial_model import tutorial_cnn  # noqa: E402


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


def without_legend(dot):
    return "".join(line for line in dot.splitlines(keepends=True) if not line.startswith("    legend "))


def node_labels(dot):
    """{node id: label text}"""
    pattern = re.compile(r'^    (n\d+) \[label="((?:[^"\\]|\\.)*)"', re.M)
    return {m[1]: m[2].replace("\\n", "\n") for m in pattern.finditer(dot)}


def clusters(dot):
    """[(frame label, [node ids directly in it], depth)] in the order written."""
    found, stack = [], []
    for line in dot.splitlines():
        text = line.strip()
        if text.startswith("subgraph cluster_"):
            stack.append(len(found))
            found.append(["", [], len(stack)])
        elif text == "}" and stack:
            stack.pop()
        elif stack and text.startswith("label="):
            label = re.match(r'label="((?:[^"\\]|\\.)*)"', text)[1]
            found[stack[-1]][0] = " ".join(part for part in label.split("\\l") if part)
        elif stack and re.fullmatch(r"n\d+(; n\d+)*", text):
            found[stack[-1]][1].extend(text.split("; "))
    return [tuple(entry) for entry in found]


def frame_of(dot):
    """{node id: label of the innermost frame holding it}"""
    return {node: label for label, nodes, _ in clusters(dot) for node in nodes}


# -- the graph as before: nodes, edges, numbering --------------------------------------------------


def test_small_graph_dot_text_exactly():
    # nodes breadth-first from the output; the constant c has no node; a feeds two ops
    loss, a, b = small_graph(minigrad)
    assert draw_graph(loss, params={"a": a}, legend=False) == SMALL_GRAPH_DOT
    with_legend = draw_graph(loss, params={"a": a})
    assert without_legend(with_legend) == SMALL_GRAPH_DOT  # the legend is one extra node, unconnected
    assert "backward() sends ∂L/∂ against them" in with_legend and "legend ->" not in with_legend


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
    assert without_legend(draw_graph(constant)).count("label=") == 1  # only the output: nothing to differentiate


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
    labels = [label.split("\n")[0] for node, label in node_labels(draw_graph(mine)).items() if node != "n0"]
    # unnamed leaves are labelled by their shape: they are torch's AccumulateGrad nodes
    assert ["AccumulateGrad" if label.startswith("(") else label for label in labels] == torch_names_breadth_first(theirs)


def test_deep_graph_needs_no_recursion():
    x = minigrad.zeros(1, requires_grad=True)
    y = x
    for _ in range(3000):  # deeper than Python's default recursion limit (1000)
        y = y + 1
    dot = draw_graph(y)
    assert dot.count("AddBackward0") == 3000 and "n3001 -> n3000" in dot


# -- files and the Graph object -------------------------------------------------------------------


def test_dot_file_needs_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(viz, "_dot_program", lambda: None)  # as on a machine without Graphviz
    loss, a, _ = small_graph(minigrad)
    expected = draw_graph(loss, params={"a": a})
    assert draw_graph(loss, params={"a": a}, filename=tmp_path / "g.dot") == expected
    assert (tmp_path / "g.dot").read_text(encoding="utf-8") == expected
    draw_graph(loss, params={"a": a}, filename=tmp_path / "plain", format="dot")
    assert (tmp_path / "plain.dot").read_text(encoding="utf-8") == expected
    graph = draw_graph(loss, params={"a": a}, legend=False)
    assert graph.save(tmp_path / "saved.dot").read_text(encoding="utf-8") == SMALL_GRAPH_DOT
    assert graph.render(tmp_path / "rendered", format="gv").read_text(encoding="utf-8") == SMALL_GRAPH_DOT
    with pytest.raises(RuntimeError, match="needs Graphviz's `dot` program"):
        graph.render(tmp_path / "graph.svg")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        draw_graph(loss, filename=tmp_path / "graph.png")


def test_format_errors():
    loss, _, _ = small_graph(minigrad)
    with pytest.raises(ValueError, match="needs filename="):
        draw_graph(loss, format="png")
    with pytest.raises(ValueError, match="give it a suffix"):
        draw_graph(loss).render("no_suffix")
    with pytest.raises(TypeError, match="'w' is a int, expected a Tensor"):
        draw_graph(loss, named={"w": 3})
    with pytest.raises(TypeError, match="needs the tensor"):
        draw_graph()
    with pytest.raises(TypeError, match="not both"):
        draw_graph(loss, model=minigrad.nn.Identity(), inputs=minigrad.ones(1))


def test_graph_is_the_dot_text():
    loss, a, _ = small_graph(minigrad)
    graph = draw_graph(loss, params={"a": a}, legend=False)
    assert isinstance(graph, Graph) and isinstance(graph, str) and graph == SMALL_GRAPH_DOT
    assert graph.source == SMALL_GRAPH_DOT and type(graph.source) is str and str(graph) == SMALL_GRAPH_DOT
    assert repr(graph) == "<minigrad.viz.Graph: 7 nodes; print() it for the DOT text>"


def test_jupyter_shows_the_text_without_graphviz(monkeypatch):
    monkeypatch.setattr(viz, "_dot_program", lambda: None)
    loss, a, _ = small_graph(minigrad)
    graph = draw_graph(loss, params={"a": a})
    assert graph._repr_svg_() is None
    assert graph._repr_markdown_() == f"```dot\n{graph}```\n"
    html = graph._repr_html_()
    assert html.startswith("<pre>digraph backward_graph {") and "&lt;&lt;table" in html and "&quot;a\\n(2, 3)" in html


@needs_dot
def test_jupyter_shows_the_picture_with_graphviz():
    loss, a, _ = small_graph(minigrad)
    graph = draw_graph(loss, params={"a": a})
    svg = graph._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "AddBackward0" in svg and ">a</text>" in svg
    assert graph._repr_markdown_() is None and graph._repr_html_() is None  # a notebook shows the picture only
    assert graph._repr_svg_() is svg  # rendered once


@needs_dot
def test_renders_png_and_svg(tmp_path):
    loss, a, _ = small_graph(minigrad)
    draw_graph(loss, params={"a": a}, filename=tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    draw_graph(loss, params={"a": a}, filename=tmp_path / "graph", format="svg")
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "AddBackward0" in svg and ">a</text>" in svg
    assert draw_graph(loss).pipe("svg").startswith(b"<?xml")


# -- layers: which module made which node -----------------------------------------------------------


class Tudui:
    """The tutorial's model class (layers in ``self.model1``), for either library."""

    def __new__(cls, lib):
        class Tudui(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.model1 = tutorial_cnn(lib.nn)

            def forward(self, x):
                return self.model1(x)

        return Tudui()


def tutorial_graph(batch=2, **options):
    minigrad.manual_seed(0)
    tudui = Tudui(minigrad)
    imgs, targets = minigrad.randn(batch, 3, 32, 32), minigrad.tensor([3, 8, 8, 0][:batch])
    loss_fn = minigrad.nn.CrossEntropyLoss()
    with record_modules() as layers:
        loss = loss_fn(tudui(imgs), targets)
    return tudui, loss, layers, imgs, targets


def test_tutorial_cnn_every_layer_named_as_print_shows_it():
    tudui, loss, layers, imgs, targets = tutorial_graph()
    dot = draw_graph(loss, modules=layers, named={"imgs": imgs, "targets": targets})
    frames = frame_of(dot)
    labels = node_labels(dot)
    printed = repr(tudui)  # (model1): Sequential(\n (0): Conv2d(3, 32, kernel_size=(5, 5), ...) ...
    for index, layer in tudui.model1.named_children():
        assert f"({index}): {layer!r}" in printed
        expected = f"model1.{index} {layer!r}"  # the qualified name and the line print(model) shows
        assert expected in frames.values(), f"no frame {expected!r}"
    # every op node is in the frame of the layer that made it, each parameter in its layer's
    for node, label in labels.items():
        first = label.split("\n")[0]
        if node == "n0":
            continue
        if first in ("imgs", "targets"):
            assert node not in frames
        elif first.startswith("model1."):  # a parameter: model1.7.weight
            assert frames[node].startswith(first.rsplit(".", 1)[0] + " ")
        else:
            assert node in frames, f"{label!r} is in no frame"
    ops = {label.split("\n")[0]: frames[node] for node, label in labels.items() if node in frames}
    assert ops["NllLossBackward0"] == "CrossEntropyLoss()"
    assert ops["ViewBackward0"] == "model1.6 Flatten(start_dim=1, end_dim=-1)"
    # the images and targets: white boxes, dashed arrows into the ops that took them
    ids = {label.split("\n")[0]: node for node, label in labels.items()}
    assert labels[ids["imgs"]] == "imgs\n(2, 3, 32, 32) float32" and labels[ids["targets"]] == "targets\n(2,) int64"
    conv0 = next(n for n, f in frames.items() if f.startswith("model1.0 ") and labels[n].startswith("Convolution"))
    assert f"{ids['imgs']} -> {conv0} [style=dashed]" in dot
    assert f"{ids['targets']} -> {ids['NllLossBackward0']} [style=dashed]" in dot
    assert "needs no gradient" in dot  # the legend says what a white box is


def test_parameters_named_by_their_path_without_params():
    tudui, loss, layers, _, _ = tutorial_graph()
    labels = [label.split("\n")[0] for label in node_labels(draw_graph(loss, modules=layers)).values()]
    assert sorted(name for name in labels if name.startswith("model1.")) == sorted(n for n, _ in tudui.named_parameters())
    # params= still wins
    labels = node_labels(draw_graph(loss, modules=layers, params={"W": tudui.model1[8].weight})).values()
    assert any(label.startswith("W\n") for label in labels) and not any(label.startswith("model1.") for label in labels)


def test_unnamed_arguments_named_by_the_forward_signature():
    _, loss, layers, _, _ = tutorial_graph()
    firsts = [label.split("\n")[0] for label in node_labels(draw_graph(loss, modules=layers)).values()]
    assert "x" in firsts and "target" in firsts  # Tudui.forward(self, x); CrossEntropyLoss.forward(self, input, target)


def test_layers_map_to_torch_grad_fn_of_each_output():
    """Each layer's output is made by the node torch makes there (its grad_fn name), and the
    recorder gives that node to that layer."""
    torch.manual_seed(0)
    model = Tudui(torch)
    x = torch.randn(2, 3, 32, 32)
    theirs = {}
    handles = [m.register_forward_hook(lambda m, a, out, name=name: theirs.__setitem__(name, out.grad_fn.name()))
               for name, m in model.named_modules() if not m._modules]
    model(x)
    for h in handles:
        h.remove()

    minigrad.manual_seed(0)
    mine_model = Tudui(minigrad)
    outputs = {}
    handles = [m.register_forward_hook(lambda m, a, out, name=name: outputs.__setitem__(name, out))
               for name, m in mine_model.named_modules() if not m._modules]
    with record_modules() as layers:
        mine_model(minigrad.randn(2, 3, 32, 32))
    for h in handles:
        h.remove()
    assert set(outputs) == set(theirs)
    for name, out in outputs.items():
        assert out.grad_fn.name() == theirs[name], name
        assert layers.label_of(out.grad_fn).split(" ")[0] == name


def test_inner_layers_claim_first_parent_claims_the_rest():
    nn, F = minigrad.nn, minigrad.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(3, 3)

        def forward(self, x):
            return F.relu(self.fc(x)) * 2  # relu and mul: the block's own nodes

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = nn.Linear(3, 1)

        def forward(self, x):
            h = self.block(x.tanh())  # tanh: Net's own node
            return self.head(self.block(h) + h)  # block called twice; + is Net's

    net = Net()
    x = minigrad.randn(4, 3, requires_grad=True)
    with record_modules() as layers:
        out = net(x)
    dot = draw_graph(out, modules=layers)
    labels, frames = node_labels(dot), frame_of(dot)
    claimed = {}
    for node, label in labels.items():
        claimed.setdefault(label.split("\n")[0], []).append(frames.get(node))
    assert claimed["TanhBackward0"] == ["Net"] and claimed["AddBackward0"] == ["Net"]
    assert claimed["ReluBackward0"] == ["block Block"] * 2 and claimed["MulBackward0"] == ["block Block"] * 2
    assert sorted(claimed["AddmmBackward0"]) == ["block.fc Linear(in_features=3, out_features=3, bias=True)"] * 2 + [
        "head Linear(in_features=3, out_features=1, bias=True)"]
    # frames nest as the calls did: fc inside block inside Net
    depth = {label: d for label, _, d in clusters(dot)}
    assert depth["Net"] == 1 and depth["block Block"] == 2 and depth["block.fc Linear(in_features=3, out_features=3, bias=True)"] == 3
    assert claimed["(4, 3) float32"] == [None]  # x: a leaf no layer owns


def test_hooks_removed_after_recording_even_after_an_error():
    from minigrad.nn import module as module_api

    before = (dict(module_api._global_forward_pre_hooks), dict(module_api._global_forward_hooks))
    model = minigrad.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="cannot be multiplied"):
        with record_modules() as layers:
            model(minigrad.randn(2, 5))  # wrong shape: forward raises
    assert (dict(module_api._global_forward_pre_hooks), dict(module_api._global_forward_hooks)) == before
    assert layers._stack == [] and layers.calls[0].nodes == []
    out = model(minigrad.randn(2, 3))  # after the block: nothing recorded
    assert layers.label_of(out.grad_fn) == "" and len(layers.calls) == 1


def test_a_failed_inner_call_does_not_confuse_the_outer_one():
    nn = minigrad.nn

    class Careful(nn.Module):
        def __init__(self):
            super().__init__()
            self.bad, self.good = nn.Linear(5, 1), nn.Linear(3, 2)

        def forward(self, x):
            try:
                self.bad(x)
            except RuntimeError:
                pass
            return self.good(x).exp()

    with record_modules() as layers:
        out = Careful()(minigrad.randn(2, 3))
    assert layers.label_of(out.grad_fn) == "Careful"
    assert layers.label_of(out.grad_fn.next_functions[0][0]).startswith("good Linear")


def test_model_and_inputs_shortcut():
    minigrad.manual_seed(0)
    model = tutorial_cnn(minigrad.nn)
    dot = draw_graph(model=model, inputs=minigrad.randn(1, 3, 32, 32))
    frames = set(frame_of(dot).values())
    assert {f"{i} {layer!r}" for i, layer in enumerate(model)} == frames
    assert "input\\n(1, 3, 32, 32) float32" in dot  # Sequential.forward(self, input)
    with pytest.raises(TypeError, match="returned a tuple"):
        draw_graph(model=minigrad.nn.Identity(), inputs=((minigrad.ones(1), minigrad.ones(1)),))


def test_named_tensors_without_recording():
    """Without record_modules, a named tensor that needs no gradient goes to the op inputs of its
    shape and dtype; a named intermediate result labels its op; naming the output relabels it."""
    w = minigrad.randn(3, 2, requires_grad=True)
    x, y = minigrad.randn(4, 3), minigrad.randn(4, 2)
    h = x @ w
    loss = ((h - y) ** 2).mean()
    dot = draw_graph(loss, named={"x": x, "y": y, "w": w, "h": h, "loss": loss, "unused": minigrad.ones(7)})
    labels = node_labels(dot)
    ids = {label.split("\n")[0]: node for node, label in labels.items()}
    assert labels["n0"] == "loss\n() float32" and labels[ids["w"]] == "w\n(3, 2) float32"
    assert labels[ids["h"]] == "h\nMmBackward0\n(4, 2) float32"
    assert f"{ids['x']} -> {ids['h']} [style=dashed]" in dot
    assert f"{ids['y']} -> {ids['SubBackward0']} [style=dashed]" in dot
    assert f"{ids['unused']} -> " not in dot and labels[ids["unused"]] == "unused\n(7,) float32"  # drawn alone


# -- gradients on the arrows ----------------------------------------------------------------------


def test_traced_backward_labels_every_arrow_with_its_gradient():
    tudui, loss, layers, _, _ = tutorial_graph()
    with minigrad.autograd.trace(modules=layers) as tr:
        loss.backward()
    dot = draw_graph(loss, modules=layers, trace=tr)
    labels = node_labels(dot)
    ids = {label.split("\n")[0]: node for node, label in labels.items()}
    edges = dict(re.findall(r"^    (n\d+ -> n\d+) \[label=\"([^\"]*)\"\]", dot, re.M))
    # a parameter's arrow carries exactly what was added into its .grad
    for name, param in tudui.named_parameters():
        shape, norm = edges[next(e for e in edges if e.startswith(ids[name] + " "))].split("\\n")
        assert shape == str(tuple(param.shape)).replace(",)", ",)") and norm == f"‖{np.linalg.norm(param.grad.numpy()):.4g}‖"
    assert edges["n1 -> n0"] == "()\\n‖1‖"  # backward starts from ∂L/∂L = 1
    solid = [line for line in dot.splitlines() if " -> " in line and "dashed" not in line]
    assert all("label=" in line for line in solid) and "shape and norm of the gradient" in dot
    # without trace= the arrows carry nothing
    assert "->" in dot and not re.search(r"-> n\d+ \[label", draw_graph(loss, modules=layers))


def test_visualize_backprop_example_runs(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, str(ROOT / "examples" / "visualize_backprop.py"), "--out", str(tmp_path / "cnn.dot"), "--batch", "1"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    dot = (tmp_path / "cnn.dot").read_text(encoding="utf-8")
    assert "ConvolutionBackward0" in dot and "model1.7 Linear(in_features=1024," in dot and "imgs\\n" in dot
    assert "model1.0.weight" in result.stdout and result.stdout.count("AccumulateGrad") == 10  # one row per parameter
    assert max(len(line) for line in result.stdout.splitlines()) <= 100


def test_readme_picture_is_fresh():
    """docs/tutorial_cnn_graph.dot is what the example writes today (regenerate: python
    examples/visualize_backprop.py); the README shows the picture made from it."""
    import visualize_backprop as example

    fresh, _, _ = example.one_backward_pass()
    stored = (ROOT / "docs" / "tutorial_cnn_graph.dot").read_text(encoding="utf-8")
    number = re.compile(r"‖[^‖]*‖")  # norms may differ in the last digit between BLAS builds
    assert number.sub("‖‖", stored) == number.sub("‖‖", fresh)
    assert "docs/tutorial_cnn_graph.svg" in (ROOT / "README.md").read_text(encoding="utf-8")


# -- random models: every layer's output node is claimed by that layer --------------------------------

LAYERS = ["linear", "relu", "tanh", "sigmoid", "identity", "dropout", "nested"]


def build(lib, kinds, width):
    nn = lib.nn
    layers = []
    for kind in kinds:
        layers.append({"linear": lambda: nn.Linear(width, width), "relu": nn.ReLU, "tanh": nn.Tanh,
                       "sigmoid": nn.Sigmoid, "identity": nn.Identity, "dropout": lambda: nn.Dropout(0.5),
                       "nested": lambda: nn.Sequential(nn.Linear(width, width), nn.Tanh())}[kind]())
    return nn.Sequential(*layers, nn.Linear(width, 1))


@settings(deadline=None, max_examples=15)
@given(kinds=st.lists(st.sampled_from(LAYERS), min_size=1, max_size=5), width=st.integers(1, 4), train=st.booleans())
def test_random_models_layers_own_their_output_nodes(kinds, width, train):
    model = build(minigrad, kinds, width)
    model.train(train)
    outputs = []
    handles = [m.register_forward_hook(lambda m, a, out, name=name: outputs.append((name, m, out)))
               for name, m in model.named_modules() if not m._modules]
    x = minigrad.randn(3, width, requires_grad=True)
    with record_modules() as layers:
        out = model(x)
    for h in handles:
        h.remove()
    for name, module, result in outputs:
        # Identity, and Dropout in eval mode, return their input: they make no node
        makes_a_node = not isinstance(module, (minigrad.nn.Identity, minigrad.nn.Dropout)) or (
            isinstance(module, minigrad.nn.Dropout) and train)
        if makes_a_node:
            assert layers.label_of(result.grad_fn) == f"{name} {module!r}", (name, kinds)
    dot = draw_graph(out, modules=layers)
    frames, labels = frame_of(dot), node_labels(dot)
    for node, label in labels.items():  # every op node of the graph is some layer's
        if node != "n0" and not label.startswith("(") and not label.split("\n")[0].endswith((".weight", ".bias")):
            assert node in frames, (label, kinds)
