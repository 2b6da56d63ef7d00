"""docs/DERIVATIVES.md is generated from the ops' docstrings by tools/gen_derivatives.py: it must
be up to date, list every op, state every op's rule, and point at each backward's real line."""

import importlib.util
from pathlib import Path

from minigrad.autograd.function import Function

ROOT = Path(__file__).resolve().parent.parent


def load_generator():
    spec = importlib.util.spec_from_file_location("gen_derivatives", ROOT / "tools" / "gen_derivatives.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()
RENDERED = gen.render()  # the table as the ops are now


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
    rows = [line for line in RENDERED.splitlines() if line.startswith("| ") and not line.startswith("| op ")]
    assert [row.split(" | ")[0].removeprefix("| ") for row in rows] == [op.__name__ for op in ops]
    assert {"Add", "Mul", "MatMul", "Exp"} <= {op.__name__ for op in ops}
    missing = [op.__name__ for op in ops if not gen.rule(op)[1]]
    assert not missing, f"these ops state no `∂L/∂x = ...` line in their docstring: {missing}"


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


def test_backward_links_point_at_def_backward():
    for row in RENDERED.splitlines()[gen.HEADER.count("\n"):]:
        link = row.rsplit("](../", 1)[1].removesuffix(") |")
        path, line = link.split("#L")
        source = (ROOT / path).read_text(encoding="utf-8").splitlines()
        assert source[int(line) - 1].strip().startswith("def backward("), row
