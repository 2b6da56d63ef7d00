"""Watch the chain rule run: ``trace`` records every step of a backward pass.

    params = dict(model.named_parameters())
    with minigrad.autograd.trace(params=params) as tr:
        loss.backward()
    print(tr)        # one row per step, in the order the engine ran them (fits 100 columns)
    tr.steps         # the same rows as ``Step`` records
    tr.records       # ... and as a list of dicts: pandas.DataFrame(tr.records)
    tr               # in Jupyter: an HTML table with every value in full

Each row is one node of the graph: it receives ∂L/∂out (``grad``) and its backward sends
∂L/∂input to each input, the chain rule ∂L/∂x = ∂L/∂out · ∂out/∂x applied once. An
``AccumulateGrad`` row is a leaf adding the gradient that reached it into its ``.grad``: the
end of a path. A leaf used twice gets one row: the engine sums both paths first.

``ran`` names the Python class whose ``backward`` ran. The node's name is torch's, and a fast
kernel reports its textbook op's name: ``ConvolutionBackward0`` is run either by
``Convolution`` (minigrad/ops/conv.py) or, with ``minigrad.backends.kernels`` on, by
``ChunkedConvolution`` (minigrad/kernels/conv.py). Only ``ran`` tells them apart.

With ``modules=`` (what ``minigrad.viz.record_modules`` recorded while the model ran), each
step also names the layer whose forward made its node, as ``print(model)`` shows it
(``model1.7 Linear(in_features=1024, out_features=64, bias=True)``); the table prints that name
above the layer's rows.
"""

import html
from dataclasses import asdict, dataclass

import numpy as np

from . import engine
from .function import AccumulateGrad


@dataclass(frozen=True)
class Step:
    """One backward step, as ``trace`` recorded it."""

    op: str  # the node's name as torch shows it: "MulBackward0", ..., "AccumulateGrad"
    grad_shape: tuple  # shape of ∂L/∂out arriving at the node
    grad_norm: float  # ‖∂L/∂out‖: square root of the sum of squares of all its elements
    input_grad_shapes: tuple  # shape of ∂L/∂input sent to each input (None: no gradient needed)
    input_grad_norms: tuple  # ‖∂L/∂input‖ for each input (None likewise)
    accumulates_into: str | None  # AccumulateGrad only: the leaf's name, or "leaf (shape)"
    ran: str = ""  # the class whose backward ran: "Convolution", or its kernel "ChunkedConvolution"
    module: str = ""  # the layer that made the node ("model1.0 Conv2d(3, 32, ...)"), with modules=

    @property
    def is_accumulation(self):
        return self.accumulates_into is not None


def _norm(array):
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _number(value):
    return "None" if value is None else f"{value:.4g}"


def _cut(text, width):
    """``text`` in at most ``width`` characters: the end replaced by "…" when it is longer."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


class trace:
    """Context manager recording each backward step run inside it (see the module docstring).

    ``params``: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) so that
    accumulation rows name the parameter instead of showing its shape.
    ``modules``: optional ``minigrad.viz.record_modules`` recording of the forward pass, so that
    each step names the layer that made its node (and, without ``params``, leaves are named by
    their path in the model: ``model1.0.weight``).
    """

    def __init__(self, params=None, modules=None):
        self.steps = []
        self._names = modules.parameter_names() if modules is not None and params is None else {}
        self._names.update({id(tensor): name for name, tensor in (params or {}).items()})
        self._params = params  # keeps the tensors alive, so their ids stay theirs
        self._modules = modules
        self._step_of = {}  # node -> its step (minigrad.viz labels the graph's arrows with them)
        self._nodes = []  # the nodes, kept alive so that their ids stay theirs

    def __enter__(self):
        engine.observers.append(self._observe)
        return self

    def __exit__(self, *exc):
        engine.observers.remove(self._observe)
        return False

    def _observe(self, node, grad, input_grads):
        """Called by the engine after ``node`` ran: ``grad`` came in, ``input_grads`` went out."""
        leaf = None
        if isinstance(node, AccumulateGrad):
            variable = node.variable
            leaf = self._names.get(id(variable), f"leaf {_shape(variable.shape)}")
        step = Step(
            op=node.name(),
            grad_shape=tuple(np.shape(grad)),
            grad_norm=_norm(grad),
            input_grad_shapes=tuple(None if g is None else tuple(np.shape(g)) for g in input_grads),
            input_grad_norms=tuple(None if g is None else _norm(g) for g in input_grads),
            accumulates_into=leaf,
            ran=type(node).__name__,
            module=self._modules.label_of(node) if self._modules is not None else "",
        )
        self.steps.append(step)
        self._nodes.append(node)
        self._step_of[id(node)] = step

    def step_of(self, node):
        """The step a graph node ran as, or None if it did not run inside this trace."""
        return self._step_of.get(id(node))

    # -- the steps as data -------------------------------------------------------------------

    def to_records(self):
        """The steps as a list of dicts, one per step, every value in full: ``step`` (1, 2, ...),
        then the fields of ``Step``. ``pandas.DataFrame(tr.to_records())`` makes a table of it."""
        return [{"step": i, **asdict(s)} for i, s in enumerate(self.steps, start=1)]

    @property
    def records(self):
        """Same as ``to_records()``."""
        return self.to_records()

    # -- the steps as a printed table ----------------------------------------------------------

    _HEADER = ("step", "node", "∂L/∂out", "‖∂L/∂out‖", "∂L/∂inputs", "‖∂L/∂inputs‖")

    def _cells(self, step, number):
        """One step's row: a list of lines per column. The node's cell names the class whose
        backward ran under the node's name; an input column holds one line per input. A leaf's
        row says whose ``.grad`` it adds into, across both input columns (``None`` there)."""
        if step.is_accumulation:
            return [[str(number)], [step.op], [_shape(step.grad_shape)], [_number(step.grad_norm)], None, None]
        shapes = [("None" if s is None else _shape(s)) for s in step.input_grad_shapes] or [""]
        norms = [_number(n) for n in step.input_grad_norms] or [""]
        node = [step.op, f"ran {step.ran}.backward"]
        return [[str(number)], node, [_shape(step.grad_shape)], [_number(step.grad_norm)], shapes, norms]

    def table(self, width=100):
        """The steps as a text table at most ``width`` characters wide (``print(tr)`` shows it
        at 100). A row spans several lines: the node's name and the class whose backward ran,
        one line per input. When the steps name their layers (``modules=``), each layer's name
        heads its rows. Text too long for its column ends in "…"; ``records`` has it in full."""
        rows = [self._cells(s, i) for i, s in enumerate(self.steps, start=1)]
        header = [[h] for h in self._HEADER]
        widths = [max(len(line) for row in [header, *rows] if row[c] is not None for line in row[c]) for c in range(6)]
        # too wide: narrow the widest of the node and shape columns, one character at a time
        shrinkable, least = (1, 2, 4), 12
        while sum(widths) + 2 * (len(widths) - 1) > width and any(widths[c] > least for c in shrinkable):
            widest = max(shrinkable, key=lambda c: widths[c])
            widths[widest] -= 1

        def render(cells, spans=widths):
            height = max(len(lines) for lines in cells)
            out = []
            for k in range(height):
                parts = [_cut(lines[k] if k < len(lines) else "", w) for lines, w in zip(cells, spans)]
                parts[0] = parts[0].rjust(spans[0])
                out.append("  ".join(p.ljust(w) for p, w in zip(parts, spans)).rstrip())
            return out

        lines = render(header)
        lines.append("  ".join("-" * w for w in widths))
        indent = " " * (widths[0] + 2)
        module = ""
        for step, cells in zip(self.steps, rows):
            if step.module and step.module != module:  # a new layer's rows begin
                lines.append(_cut(f"{indent}── {step.module}", width))
            module = step.module or module
            if step.is_accumulation:  # "→ .grad of name" across the two input columns
                spans = [*widths[:4], widths[4] + 2 + widths[5]]
                lines.extend(render([*cells[:4], ["→ .grad of " + step.accumulates_into]], spans))
            else:
                lines.extend(render(cells))
        return "\n".join(_cut(line, width) for line in lines)  # a very narrow width: cut what still sticks out

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<minigrad.autograd.trace: {len(self.steps)} steps>"

    def _repr_html_(self):
        """Jupyter shows a trace as an HTML table with every value in full."""
        with_modules = any(s.module for s in self.steps)
        header = ["step", *(["layer"] if with_modules else []), "node", "ran", "∂L/∂out", "‖∂L/∂out‖",
                  "∂L/∂inputs", "‖∂L/∂inputs‖", "adds into .grad of"]

        def cell(lines):
            return "<td style='text-align:left'>" + "<br>".join(html.escape(str(x)) for x in lines) + "</td>"

        body = []
        for i, s in enumerate(self.steps, start=1):
            cells = [[i], *([[s.module]] if with_modules else []), [s.op], ["" if s.is_accumulation else s.ran],
                     [_shape(s.grad_shape)], [_number(s.grad_norm)],
                     ["None" if g is None else _shape(g) for g in s.input_grad_shapes],
                     [_number(n) for n in s.input_grad_norms], [s.accumulates_into or ""]]
            body.append("<tr>" + "".join(cell(c) for c in cells) + "</tr>")
        head = "<tr>" + "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in header) + "</tr>"
        caption = f"<caption>backward: {len(self.steps)} steps, in the order the engine ran them</caption>"
        return f"<table>{caption}<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
