"""docs/DERIVATIVES.md is generated from the ops' docstrings by tools/gen_derivatives.py: it must
be up to date, list every op, state every op's rule in its own words (a Min op says min), define
its symbols, point at each backward's real line in the textbook (never minigrad/kernels/), and
index every grad_fn name a learner sees back to the op that computed it."""

import importlib.util
import re
from pathlib import Path

import minigrad as torch
from minigrad import nn
from minigrad.autograd.function import Function
from minigrad.ops import names

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_derivatives", ROOT / "tools" / "gen_derivatives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()
RENDERED = gen.render()  # the tables as the ops are now
OPS_TABLE, INDEX = RENDERED.split(gen.INDEX_HEADER)


def rows(table):
    """{first cell: [the other cells]} of a markdown table's body rows."""
    cells = [line.removeprefix("| ").removesuffix(" |").split(" | ") for line in table.splitlines()]
    return {row[0]: row[1:] for row in cells if len(row) > 1 and row[0] not in ("op", "grad_fn", "---")}


OPS, NAMES = rows(OPS_TABLE), rows(INDEX)


def test_doc_is_up_to_date():
    current = (ROOT / "docs" / "DERIVATIVES.md").read_text(encoding="utf-8")
    assert current == RENDERED, "docs/DERIVATIVES.md is out of date: run `python tools/gen_derivatives.py`"


def test_check_mode_exit_status(tmp_path):
    fresh, stale = tmp_path / "fresh.md", tmp_path / "stale.md"
    fresh.write_text(RENDERED, encoding="utf-8")
    stale.write_text(RENDERED.replace("AddBackward0", "AddBackward9"), encoding="utf-8")
    assert gen.main(["--check", "--output", str(fresh)]) == 0
    assert gen.main(["--check", "--output", str(stale)]) == 1
    assert gen.main(["--check", "--output", str(tmp_path / "missing.md")]) == 1
    assert gen.main(["--output", str(stale)]) == 0 and stale.read_text(encoding="utf-8") == RENDERED


def test_every_op_has_one_row_with_its_rule():
    ops = gen.op_classes()
    assert list(OPS) == [op.__name__ for op in ops]
    assert {"Add", "Mul", "MatMul", "Exp", "Convolution", "CopySlices"} <= set(OPS)
    missing = [op.__name__ for op in ops if not gen.rule(op)[1]]
    assert not missing, f"these ops state no `∂L/∂x = ...` line in their own docstring: {missing}"


def test_min_ops_say_min():
    """MinDim, MinAll and Amin run their Max base's code, but their rows state their own rule."""
    for name in ("MinDim", "MinAll", "Amin"):
        grad_fn, forward, gradient, _ = OPS[name]
        assert "min over" in forward and "max" not in forward + gradient, OPS[name]
    assert "minima" in OPS["MinAll"][2] and "minima" in OPS["Amin"][2]


def test_clamp_keeps_its_case_labels():
    gradient = OPS["Clamp"][2].split("<br>")
    assert gradient[0].startswith("Number bounds (ClampBackward1): ∂L/∂x = ")
    assert gradient[1].startswith("Tensor bounds (ClampBackward0): ∂L/∂x = ")
    assert [g.split(" =")[0] for g in gradient[2:]] == ["∂L/∂low", "∂L/∂high"]


def test_rows_define_their_symbols():
    for name, symbols in {
        "Convolution": ["xp = x zero-padded", "s = the stride", "d = the dilation"],
        "MaxPool": ["xp = x padded with −∞", "s = the stride", "d = the dilation", "… are"],
        "CrossEntropy": ["q[i] = ", "t = ", "ε = label_smoothing", "w = the class weights", "C = ", "D = "],
        "NLLLoss": ["yᵢ = ", "w = the class weights", "D = "],
        "Pad": ["source[k] = "],
    }.items():
        forward = OPS[name][1]
        assert all(symbol in forward for symbol in symbols), (name, forward)


def test_losses_use_the_headers_vocabulary():
    """grad is ∂L/∂out for every op, the losses too: no row speaks of ∂L/∂loss."""
    assert "∂L/∂loss" not in RENDERED
    for name in ("L1Loss", "MSELoss", "NLLLoss", "CrossEntropy"):
        assert "grad" in OPS[name][2] and "D" in OPS[name][2], OPS[name]


def test_every_op_has_its_own_docstring():
    inherited = [op.__name__ for op in gen.op_classes() if not vars(op).get("__doc__")]
    assert not inherited, f"these ops reuse their base's docstring, whose rule may not be theirs: {inherited}"


def test_the_index_covers_every_grad_fn_name():
    in_table = {name for grad_fn, *_ in OPS.values() for name in grad_fn.split(" / ")}
    assert in_table == set(NAMES)
    chosen = {name for chooser in (names.matmul_backward_name, names.linear_backward_name)
              for name in gen.names_chosen_by(chooser)}
    assert {"AddmmBackward0", "UnsafeViewBackward0", "MmBackward0", "DotBackward0", "CloneBackward0"} <= chosen
    assert chosen <= set(NAMES)
    for name, op in [("AddmmBackward0", "Linear (nn.Linear)"), ("UnsafeViewBackward0", "MatMul"),
                     ("MeanBackward0", "L1Loss (nn.L1Loss)"), ("MulBackward0", "Dropout (nn.Dropout)"),
                     ("ViewBackward0", "Reshape (nn.Flatten)"), ("ConvolutionBackward0", "Convolution (nn.Conv2d)"),
                     ("MaxPool2DWithIndicesBackward0", "MaxPool (nn.MaxPool2d)"),
                     ("NllLossBackward0", "NLLLoss (nn.NLLLoss, nn.CrossEntropyLoss)"),
                     ("AddBackward0", "CrossEntropy (nn.CrossEntropyLoss(label_smoothing=ε))"), ("CopySlices", "CopySlices"),
                     ("ReflectionPad2DBackward0", "Pad"), ("CopyBackwards", "IndexPut")]:
        assert op in NAMES[name][0].split("<br>"), (name, NAMES[name])


def test_the_index_names_the_modules_that_run_each_op():
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    scores, classes = torch.randn(4, 3, requires_grad=True), torch.tensor([0, 2, 1, 0])
    run = {
        "nn.Conv2d": lambda: nn.Conv2d(3, 2, 3)(x),
        "nn.MaxPool2d": lambda: nn.MaxPool2d(2)(x),
        "nn.Linear": lambda: nn.Linear(4, 2)(x),
        "nn.Flatten": lambda: nn.Flatten()(x),
        "nn.Dropout": lambda: nn.Dropout()(x),
        "nn.ReLU": lambda: nn.ReLU()(x),
        "nn.Sigmoid": lambda: nn.Sigmoid()(x),
        "nn.Tanh": lambda: nn.Tanh()(x),
        "nn.Softmax": lambda: nn.Softmax(dim=1)(x),
        "nn.LogSoftmax": lambda: nn.LogSoftmax(dim=1)(x),
        "nn.L1Loss": lambda: nn.L1Loss()(scores, torch.zeros(4, 3)),
        "nn.MSELoss": lambda: nn.MSELoss()(scores, torch.zeros(4, 3)),
        "nn.NLLLoss": lambda: nn.NLLLoss()(scores, classes),
        "nn.CrossEntropyLoss": lambda: nn.CrossEntropyLoss()(scores, classes),
        "nn.CrossEntropyLoss(label_smoothing=ε)": lambda: nn.CrossEntropyLoss(label_smoothing=0.1)(scores, classes),
    }
    ops = {op.__name__: op for op in gen.op_classes()}
    for op, modules in gen.MODULES.items():
        for module in modules:
            assert any(isinstance(node, ops[op]) for node in graph_nodes(run[module]())), (module, op)


def graph_nodes(tensor):
    """Every node of the graph that made ``tensor``, from its grad_fn down to the leaves."""
    found, todo = [], [tensor.grad_fn]
    while todo:
        node = todo.pop()
        if node is not None and node not in found:
            found.append(node)
            todo.extend(child for child, _ in node.next_functions)
    return found


class Scaled(Function):
    """A made-up op, to show what the generator reads.

    out = a · b   (elementwise)

    Tensor form:   ∂L/∂a = grad · b    ∂L/∂b = −∂L/∂a · a / b
    A sentence that mentions ∂L/∂a is not a rule.
    """


def test_rule_parsing():
    from minigrad.ops.arithmetic import Mul

    assert gen.rule(Mul) == ("out = a · b", ["∂L/∂a = grad · b", "∂L/∂b = grad · a"])
    assert gen.rule(Scaled) == ("out = a · b (elementwise)", ["Tensor form: ∂L/∂a = grad · b", "∂L/∂b = −∂L/∂a · a / b"])
    assert Scaled not in gen.op_classes()  # only classes defined in minigrad/ops/ are listed
    assert gen.cell("out = |x| < 1") == "out = \\|x\\| &lt; 1"


def test_backward_links_point_at_def_backward_in_the_textbook():
    links = re.findall(r"\]\(\.\./([^)#]+)#L(\d+)\)", RENDERED)
    assert len(links) >= len(OPS) + len(NAMES)
    for path, line in links:
        assert path.startswith(("minigrad/ops/", "minigrad/autograd/")), path  # never minigrad/kernels/
        source = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert source[int(line) - 1].strip().startswith("def backward("), (path, line)
