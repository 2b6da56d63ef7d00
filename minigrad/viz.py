"""Draw the computation graph behind a tensor: the graph that ``backward()`` walks.

    dot = minigrad.viz.draw_graph(loss, params=dict(model.named_parameters()))
    print(dot)                                                  # Graphviz DOT text, always
    minigrad.viz.draw_graph(loss, filename="graph.svg")         # a picture, with graphviz

``draw_graph`` returns the DOT text as a ``str`` (no dependency). With ``filename`` it also
writes the graph there: ``.dot`` is the text itself; ``.svg``, ``.png``, ``.pdf``, ... are
rendered by Graphviz, which needs the ``graphviz`` Python package and the ``dot`` program
(``pip install graphviz`` and ``apt-get install graphviz`` or ``brew install graphviz``).

One box per graph node, with the shape and dtype of the tensor it produced:
    green   the output tensor you called ``draw_graph`` on
    grey    an op's node, named as torch names it (``ConvolutionBackward0``)
    blue    a leaf that requires grad (its ``AccumulateGrad``), named by ``params`` if given
Arrows point the way values flowed forward; ``backward()`` visits them in reverse.
"""

from collections import deque
from pathlib import Path

from .autograd.function import AccumulateGrad

_OUTPUT, _OP, _LEAF = "#c7e9c0", "#e0e0e0", "#cfe2f3"  # fill colours: green, grey, blue


def _meta(shape, dtype):
    """``(2, 3) float32``: a tensor's shape and dtype as a label line."""
    shape = "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"
    return f"{shape} {dtype}"


def _quote(text):
    """A DOT string literal; line breaks become DOT's ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _label(node, names):
    if isinstance(node, AccumulateGrad):
        leaf = node.variable
        name = names.get(id(leaf))
        meta = _meta(leaf.shape, leaf._array.dtype)
        return (f"{name}\n{meta}" if name else meta), _LEAF
    shape, dtype = node.output_meta
    return f"{node.name()}\n{_meta(shape, dtype)}", _OP


def to_dot(tensor, params=None):
    """The DOT text of the graph behind ``tensor`` (see ``draw_graph``).

    Nodes are numbered breadth-first from the output (``n0``), following each node's
    ``next_functions`` in order, so the same graph always gives the same text.
    """
    names = {id(t): name for name, t in (params or {}).items()}
    output = "output\n" + _meta(tensor.shape, tensor._array.dtype)
    lines = [
        "digraph backward_graph {",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10]',
        f"    n0 [label={_quote(output)}, fillcolor={_quote(_OUTPUT)}]",
    ]
    edges = []
    root = tensor.grad_fn if tensor.grad_fn is not None else (tensor._grad_accumulator() if tensor.requires_grad else None)
    if root is not None:
        ids = {root: "n1"}
        queue = deque([root])  # breadth-first, iterative: deep graphs cannot hit the recursion limit
        edges.append("    n1 -> n0")
        while queue:
            node = queue.popleft()
            label, colour = _label(node, names)
            lines.append(f"    {ids[node]} [label={_quote(label)}, fillcolor={_quote(colour)}]")
            for child, _ in node.next_functions:
                if child is None:  # an input that needs no gradient: no edge
                    continue
                if child not in ids:
                    ids[child] = f"n{len(ids) + 1}"
                    queue.append(child)
                edges.append(f"    {ids[child]} -> {ids[node]}")  # forward direction: input -> op
    return "\n".join(lines + edges + ["}"]) + "\n"


def draw_graph(tensor, params=None, format=None, filename=None):
    """The computation graph behind ``tensor`` as Graphviz DOT text, optionally written to a file.

    tensor    the result of a computation (a loss, usually)
    params    optional ``{name: tensor}``, e.g. ``dict(model.named_parameters())``: leaves that
              are parameters show their name (``0.weight``) above their shape
    filename  write the graph there too; ``.dot`` writes the text, other suffixes render it
    format    the picture format (``"svg"``, ``"png"``, ``"dot"``, ...); default: the suffix of
              ``filename``, which gets this suffix if it has none

    Returns the DOT text (a ``str``) in every case.
    """
    dot = to_dot(tensor, params)
    if filename is None:
        if format is not None:
            raise ValueError(f"draw_graph(format={format!r}) needs filename= to write the picture to")
        return dot
    path = Path(filename)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if not fmt:
        raise ValueError(f"cannot tell the picture format of {str(path)!r}: give it a suffix (.svg, .png) or pass format=")
    if not path.suffix:
        path = path.with_suffix("." + fmt)
    if fmt in ("dot", "gv"):
        path.write_text(dot)
        return dot
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            f"rendering {path.name} needs the graphviz package: `pip install graphviz` (and the `dot` "
            "program: `apt-get install graphviz` or `brew install graphviz`), or write filename='graph.dot'"
        ) from None
    try:
        picture = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            f"rendering {path.name} needs Graphviz's `dot` program on PATH: `apt-get install graphviz` or "
            "`brew install graphviz`, or write filename='graph.dot'"
        ) from None
    path.write_bytes(picture)
    return dot
