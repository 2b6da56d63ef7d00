"""Watch the chain rule run: ``trace`` records every step of a backward pass.

    params = dict(model.named_parameters())
    with minigrad.autograd.trace(params=params) as tr:
        loss.backward()
    print(tr)        # one row per step, in the order the engine ran them
    tr.steps         # the same rows as ``Step`` records

Each row is one node of the graph: it receives ∂L/∂out (``grad``) and its backward sends
∂L/∂input to each input, the chain rule ∂L/∂x = ∂L/∂out · ∂out/∂x applied once. An
``AccumulateGrad`` row is a leaf adding the gradient that reached it into its ``.grad``: the
end of a path. A leaf used twice gets one row: the engine sums both paths first.

The ``ran`` column names the Python class whose ``backward`` ran. The node's name is torch's,
and a fast kernel reports its textbook op's name: ``ConvolutionBackward0`` is run either by
``Convolution`` (minigrad/ops/conv.py) or, with ``minigrad.backends.kernels`` on, by
``ChunkedConvolution`` (minigrad/kernels/conv.py). Only this column tells them apart.
"""

from dataclasses import dataclass

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

    @property
    def is_accumulation(self):
        return self.accumulates_into is not None


def _norm(array):
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


class trace:
    """Context manager recording each backward step run inside it (see the module docstring).

    ``params``: optional ``{name: tensor}`` (e.g. ``dict(model.named_parameters())``) so that
    accumulation rows name the parameter instead of showing its shape.
    """

    def __init__(self, params=None):
        self.steps = []
        self._names = {id(tensor): name for name, tensor in (params or {}).items()}
        self._params = params  # keeps the tensors alive, so their ids stay theirs

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
            input_grad_shapes=tuple(None if g is None else tuple(g.shape) for g in input_grads),
            input_grad_norms=tuple(None if g is None else _norm(g) for g in input_grads),
            accumulates_into=leaf,
            ran=type(node).__name__,
        )
        self.steps.append(step)

    def table(self):
        """The steps as an aligned text table (also what ``print(tr)`` shows); ``ran`` is left
        blank on accumulation rows, where it would repeat the node's name."""

        def listed(values, fmt):
            return ", ".join("None" if v is None else fmt(v) for v in values)

        header = ("step", "node", "ran", "∂L/∂out", "‖∂L/∂out‖", "∂L/∂inputs", "‖∂L/∂inputs‖", "adds into .grad of")
        rows = [
            (
                str(i),
                s.op,
                "" if s.is_accumulation else s.ran,  # a leaf's row: AccumulateGrad, named once
                _shape(s.grad_shape),
                f"{s.grad_norm:.4g}",
                listed(s.input_grad_shapes, _shape),
                listed(s.input_grad_norms, "{:.4g}".format),
                s.accumulates_into or "",
            )
            for i, s in enumerate(self.steps, start=1)
        ]
        widths = [max(len(row[c]) for row in [header, *rows]) for c in range(len(header))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in [header, *rows]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def __repr__(self):
        return f"<minigrad.autograd.trace: {len(self.steps)} steps>"
