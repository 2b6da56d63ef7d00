"""Draw the computation graph behind a tensor: the graph that ``backward()`` walks.

    with minigrad.viz.record_modules() as layers:           # which layer makes which node
        loss = loss_fn(model(imgs), targets)
    graph = minigrad.viz.draw_graph(loss, modules=layers, named={"imgs": imgs, "targets": targets})
    graph                                # in Jupyter: the picture (the DOT text without Graphviz)
    print(graph)                         # Graphviz DOT text, always (``graph`` is that str)
    graph.render("graph.svg")            # a picture file, with Graphviz's `dot` program

``draw_graph`` returns a ``Graph``: the DOT text as a ``str`` (no dependency) that Jupyter
displays itself, as SVG when Graphviz's ``dot`` program is on PATH (``apt-get install
graphviz`` or ``brew install graphviz``), else as the DOT text. ``filename=`` writes it too:
``.dot`` the text, ``.svg``, ``.png``, ``.pdf``, ... the picture.

One box per graph node, with the shape and dtype of the tensor it produced:
    green   the output tensor you called ``draw_graph`` on
    grey    an op's node, named as torch names it (``ConvolutionBackward0``)
    blue    a leaf that requires grad (its ``AccumulateGrad``), named by ``params`` if given
    white   a tensor that needs no gradient (``named`` inputs, targets), dashed arrow
Arrows point the way values flowed forward; ``backward()`` sends gradients against them, from
the output to the leaves (the legend says so). With ``modules=`` a frame around each layer's
nodes names it as ``print(model)`` does: ``model1.7 Linear(in_features=1024, out_features=64,
bias=True)``. With ``trace=`` (an ``autograd.trace`` of the backward) each arrow shows the
gradient that flowed along it: its shape and norm.

How a layer is found: ``record_modules`` registers the global module forward hooks
(``minigrad.nn.modules.module.register_module_forward_pre_hook`` and ``..._forward_hook``, as
torch's) while the model runs. When a layer's forward returns, every node reachable from its
output that was made during the call (the walk stops at the nodes of its arguments and at
nodes older than the call) and that no inner layer claimed, is that layer's: inner layers
claim first, a parent what its children left.
"""

import html
import inspect
import re
import shutil
import subprocess
from collections import deque
from pathlib import Path

from .autograd import function as _function  # _function.Tensor: the Tensor class, once tensor.py registered it
from .autograd.function import AccumulateGrad

_OUTPUT, _OP, _LEAF, _INPUT = "#c7e9c0", "#e0e0e0", "#cfe2f3", "#ffffff"  # fill colours: green, grey, blue, white


def _meta(shape, dtype):
    """``(2, 3) float32``: a tensor's shape and dtype as a label line."""
    return f"{_shape(shape)} {dtype}"


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _quote(text):
    """A DOT string literal; line breaks become DOT's ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _tensors_in(value):
    """The tensors in a module's arguments or output: a tensor, or tuples, lists and dicts of them."""
    if isinstance(value, _function.Tensor):
        yield value
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _edge_of(tensor):
    """The node a tensor's gradient goes to: its grad_fn, or a leaf's AccumulateGrad; None if none."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    return tensor._grad_accumulator() if tensor.requires_grad else None


def _wrap(text, width=48):
    """A long label on several lines, broken after ", " (a layer's repr reads well that way)."""
    lines, line = [], ""
    for piece in text.split(", "):
        candidate = piece if not line else line + ", " + piece
        if line and len(candidate) > width:
            lines.append(line + ",")
            line = piece
        else:
            line = candidate
    return "\n".join([*lines, line])


# -- which layer made which node --------------------------------------------------------------


class _Call:
    """One call of a module's forward, as ``record_modules`` saw it."""

    def __init__(self, module, args, parent, number):
        self.module, self.parent, self.number = module, parent, number
        tensors = list(_tensors_in(args))
        # the nodes the call's arguments came from: its walk stops there
        self.boundary = {node for node in map(_edge_of, tensors) if node is not None}
        self.nodes = []  # the nodes this call claimed, in the order found
        self.constants = [t for t in tensors if _edge_of(t) is None]  # arguments that need no gradient
        self.argument_names = _argument_names(module, args)  # id(tensor) -> name in forward's signature

    @property
    def root(self):
        call = self
        while call.parent is not None:
            call = call.parent
        return call


def _argument_names(module, args):
    """``{id(tensor): "target"}``: each tensor argument's name in the module's forward signature
    (``"input"`` past the named ones, e.g. into ``*args``)."""
    try:
        parameters = inspect.signature(module.forward).parameters.values()
    except (TypeError, ValueError):  # a builtin or C function: no signature to read
        parameters = []
    positional = []
    for p in parameters:
        if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            break
        positional.append(p.name)
    names = {}
    for position, value in enumerate(args):
        for tensor in _tensors_in(value):
            names.setdefault(id(tensor), positional[position] if position < len(positional) else "input")
    return names


class record_modules:
    """Context manager that records which module's forward made each graph node.

        with minigrad.viz.record_modules() as layers:
            loss = loss_fn(model(imgs), targets)
        minigrad.viz.draw_graph(loss, modules=layers)

    A module called outside any other module's call (``model``, ``loss_fn``) is a root: its
    layers are named by their path in it, as ``print(model)`` and ``named_modules()`` show
    them (``model1.7``); a root itself is named by its class. ``label_of(node)`` gives the text.

    Limits: a node made outside any module but reached from a layer's output only through a
    tensor that was not an argument of the call (one stored on the module, a global) is claimed
    by that layer; tensors passed as keyword arguments are not seen as arguments (the global
    forward pre-hook gets the positional ones only, as in torch).
    """

    def __init__(self):
        self.calls = []  # every call, in the order they started
        self._owner = {}  # node -> the _Call that claimed it
        self._stack = []  # calls in progress, innermost last
        self._links = []  # (tensor, node, input index): a tensor needing no gradient went into node
        self._handles = []
        self._labels = {}  # id(module) -> label, computed once per module
        self._leaf_owner = None  # (number of calls it was made from, {id(parameter): first call of its module})

    def __enter__(self):
        from .nn import module as module_api  # torch.nn.modules.module's global hooks

        self._handles = [
            module_api.register_module_forward_pre_hook(self._before),
            module_api.register_module_forward_hook(self._after, always_call=True),
        ]
        return self

    def __exit__(self, *exc):
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._stack = []
        return False

    def _before(self, module, args):
        parent = self._stack[-1] if self._stack else None
        call = _Call(module, args, parent, len(self.calls))
        self.calls.append(call)
        self._stack.append(call)

    def _after(self, module, args, output):
        if not self._stack or all(c.module is not module for c in self._stack):
            return  # a call that began before recording did
        call = self._stack.pop()
        while call.module is not module:  # an inner call ended by an error
            call = self._stack.pop()
        if output is None:
            return  # forward raised (an always_call hook still runs)
        self._claim(call, output)

    def _claim(self, call, output):
        """Claim, for ``call``, every node made during it that no inner call claimed (iterative)."""
        stack = [node for node in map(_edge_of, _tensors_in(output)) if node is not None]
        seen = set()
        while stack:
            node = stack.pop()
            if node in seen or node in call.boundary or isinstance(node, AccumulateGrad):
                continue
            seen.add(node)
            owner = self._owner.get(node)
            if owner is None:
                self._owner[node] = call
                call.nodes.append(node)
            elif owner.number < call.number:
                continue  # made by an earlier call: this call's input, not its work
            stack.extend(child for child, _ in getattr(node, "next_functions", ()) if child is not None)
        # where did the arguments that need no gradient go? into the inputs without an edge of
        # this call's own nodes that have their shape and dtype
        for tensor in call.constants:
            self._links.extend((tensor, node, i) for node in call.nodes for i in _inputs_taking(node, tensor))

    # -- what draw_graph and trace ask ---------------------------------------------------------

    def call_of(self, node):
        """The ``_Call`` that made ``node`` (a leaf's ``AccumulateGrad``: the call of the module
        owning the parameter), or None."""
        if isinstance(node, AccumulateGrad):
            if self._leaf_owner is None or self._leaf_owner[0] != len(self.calls):  # none yet, or calls since
                owners = {}
                for call in self.calls:
                    for param in getattr(call.module, "_parameters", {}).values():
                        if param is not None:
                            owners.setdefault(id(param), call)
                self._leaf_owner = (len(self.calls), owners)
            return self._leaf_owner[1].get(id(node.variable))
        return self._owner.get(node)

    def name_of(self, module):
        """A module's path from the root call it ran under (``model1.7``); "" for a root."""
        for call in self.calls:
            if call.module is module:
                root = call.root.module
                for name, sub in root.named_modules():
                    if sub is module:
                        return name
        return ""

    def label_of(self, node):
        """The text naming the layer that made ``node``, "" if none did."""
        call = self.call_of(node)
        if call is None:
            return ""
        key = id(call.module)
        if key not in self._labels:
            self._labels[key] = self.describe(call.module)
        return self._labels[key]

    def describe(self, module):
        """``model1.7 Linear(in_features=1024, out_features=64, bias=True)``: the path and the
        line ``print(model)`` shows (a module with children: its class name only)."""
        name = self.name_of(module)
        extra = module.extra_repr() if hasattr(module, "extra_repr") else ""
        has_children = bool(getattr(module, "_modules", None))
        shown = module._get_name() if hasattr(module, "_get_name") else type(module).__name__
        if not has_children and "\n" not in extra:
            shown = f"{shown}({extra})"
        return f"{name} {shown}" if name else shown

    def parameter_names(self):
        """``{id(param): "model1.0.weight"}`` for the parameters of every root module called."""
        names = {}
        for call in self.calls:
            if call.parent is None and hasattr(call.module, "named_parameters"):
                for name, param in call.module.named_parameters():
                    names.setdefault(id(param), name)
        return names

    def constant_links(self):
        """``[(tensor, node, input index, name)]``: where each argument that needs no gradient
        went, named by the outermost call's forward signature (``input``, ``target``)."""
        links = []
        for tensor, node, i in self._links:
            name = "input"
            for call in self.calls:  # the first call that got it is the outermost
                if id(tensor) in call.argument_names and any(t is tensor for t in call.constants):
                    name = call.argument_names[id(tensor)]
                    break
            links.append((tensor, node, i, name))
        return links


# -- the DOT text --------------------------------------------------------------------------------


def _legend(has_inputs, has_grads):
    """The legend: which way gradients flow, what the colours (and arrow labels) mean."""
    rows = [
        (_OUTPUT, "output", "the tensor drawn"),
        (_OP, "op", "its grad_fn node, named as torch names it"),
        (_LEAF, "leaf", "requires grad: backward() adds into its .grad"),
    ]
    if has_inputs:
        rows.append((_INPUT, "input", "needs no gradient: none flows along its dashed arrow"))
    if has_grads:
        rows.append((_INPUT, "(4, 10)<br/>‖0.5‖", "on an arrow: shape and norm of the gradient<br align=\"left\"/>"
                                                     "that backward() sent along it"))
    cells = "".join(
        f'<tr><td bgcolor="{colour}">{key}</td><td align="left" balign="left">{text}</td></tr>' for colour, key, text in rows
    )
    arrows = ('<tr><td colspan="2" align="left">arrows point the way values flowed forward;<br align="left"/>'
              "backward() sends ∂L/∂ against them, from the output to the leaves</td></tr>")
    return (
        '    legend [shape=plaintext, style="", label=<<table border="0" cellborder="1" cellspacing="0" '
        f'cellpadding="4"><tr><td colspan="2"><b>legend</b></td></tr>{arrows}{cells}</table>>]'
    )


def _inputs_taking(node, tensor):
    """The input positions of ``node`` without an edge (they needed no gradient) whose shape and
    dtype are ``tensor``'s: where a tensor that needs no gradient may have gone in."""
    meta = (tuple(tensor.shape), tensor._array.dtype)
    inputs = getattr(node, "input_meta", ())
    return [i for i, (child, _) in enumerate(node.next_functions)
            if child is None and i < len(inputs) and inputs[i] is not None and (tuple(inputs[i][0]), inputs[i][1]) == meta]


def _sort_named(tensor, named, params, modules):
    """Who is called what: ``(leaf names by id, op nodes' names, [(name, constant)], output's name)``.
    Leaves: ``params``, else their path in the recorded model, and any leaf in ``named``; op
    nodes: a named intermediate result; constants: named tensors that need no gradient."""
    for key, value in named.items():
        if not isinstance(value, _function.Tensor):
            raise TypeError(f"draw_graph(named=...): {key!r} is a {type(value).__name__}, expected a Tensor")
    leaf_names = modules.parameter_names() if modules is not None and params is None else {}
    leaf_names.update({id(t): name for name, t in (params or {}).items()})
    node_names, constants = {}, []
    for name, t in named.items():
        node = _edge_of(t)
        if t is tensor:
            continue
        if isinstance(node, AccumulateGrad):
            leaf_names[id(t)] = name
        elif node is not None:
            node_names[node] = name
        else:
            constants.append((name, t))
    output_name = next((name for name, t in named.items() if t is tensor), "output")
    return leaf_names, node_names, constants, output_name


def _constant_links(constants, modules, ids):
    """``[(name, tensor, node or None, input position)]``: where each tensor that needs no gradient
    went. The recorded layers saw their arguments go in (named by ``named``, else by the
    forward's signature); a named tensor no layer got goes to the op inputs of its shape and
    dtype, or stands alone when there is none."""
    links = []
    if modules is not None:
        names = {id(t): name for name, t in constants}
        links = [(names.get(id(t), name), t, node, i) for t, node, i, name in modules.constant_links() if node in ids]
    linked = {id(t) for _, t, _, _ in links}
    for name, t in constants:
        if id(t) not in linked:
            found = [(name, t, node, i) for node in ids for i in _inputs_taking(node, t)]
            links.extend(found or [(name, t, None, None)])
    return links


def to_dot(tensor, params=None, *, named=None, modules=None, trace=None, legend=True):
    """The DOT text of the graph behind ``tensor`` (see ``draw_graph``).

    Nodes are numbered breadth-first from the output (``n0``), following each node's
    ``next_functions`` in order, so the same graph always gives the same text; tensors that
    need no gradient come after them, then the layers' frames, the arrows and the legend.
    """
    leaf_names, node_names, constants, output_name = _sort_named(tensor, dict(named or {}), params, modules)
    step_of = trace.step_of if trace is not None else (lambda node: None)

    def gradient(shape, norm):  # an arrow's label: the gradient that flowed along it
        text = f"{_shape(shape)}\n‖{norm:.4g}‖"
        return f" [label={_quote(text)}]"

    output = f"{output_name}\n{_meta(tensor.shape, tensor._array.dtype)}"

    lines = [
        "digraph backward_graph {",
        '    node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10]',
        *(['    edge [fontname="Helvetica", fontsize=8, fontcolor="#555555"]'] if trace is not None else []),
        f"    n0 [label={_quote(output)}, fillcolor={_quote(_OUTPUT)}]",
    ]
    edges, ids = [], {}
    root = _edge_of(tensor)
    if root is not None:
        ids[root] = "n1"
        seed = step_of(root)  # the gradient backward() started from: ∂L/∂output
        edges.append("    n1 -> n0" + (gradient(seed.grad_shape, seed.grad_norm) if seed is not None else ""))
        queue = deque([root])  # breadth-first, iterative: deep graphs cannot hit the recursion limit
        while queue:
            node = queue.popleft()
            if isinstance(node, AccumulateGrad):
                leaf, name = node.variable, leaf_names.get(id(node.variable))
                meta = _meta(leaf.shape, leaf._array.dtype)
                label, colour = (f"{name}\n{meta}" if name else meta), _LEAF
            else:
                label, colour = f"{node.name()}\n{_meta(*node.output_meta)}", _OP
                if node in node_names:
                    label = f"{node_names[node]}\n{label}"
            lines.append(f"    {ids[node]} [label={_quote(label)}, fillcolor={_quote(colour)}]")
            step = step_of(node)  # with trace=: the gradients this node sent to its inputs
            for i, (child, _) in enumerate(node.next_functions):
                if child is None:  # an input that needs no gradient: no edge
                    continue
                if child not in ids:
                    ids[child] = f"n{len(ids) + 1}"
                    queue.append(child)
                sent = step is not None and i < len(step.input_grad_shapes) and step.input_grad_shapes[i] is not None
                label = gradient(step.input_grad_shapes[i], step.input_grad_norms[i]) if sent else ""
                edges.append(f"    {ids[child]} -> {ids[node]}{label}")  # forward direction: input -> op

    constant_ids = {}  # tensors that need no gradient: white boxes, dashed arrows
    for name, t, node, i in _constant_links(constants, modules, ids):
        if id(t) not in constant_ids:
            constant_ids[id(t)] = f"n{len(ids) + len(constant_ids) + 1}"
            label = f"{name}\n{_meta(t.shape, t._array.dtype)}"
            lines.append(f"    {constant_ids[id(t)]} [label={_quote(label)}, fillcolor={_quote(_INPUT)}]")
        if node is not None:
            edges.append(f"    {constant_ids[id(t)]} -> {ids[node]} [style=dashed]")

    frames = _clusters(ids, modules) if modules is not None else []
    tail = [_legend(bool(constant_ids), trace is not None)] if legend else []
    return "\n".join(lines + frames + edges + tail + ["}"]) + "\n"


def _clusters(ids, modules):
    """One frame (DOT cluster) per layer call around the nodes it made, nested as the calls were."""
    members = {}  # call -> node ids, in drawing order
    for node, node_id in ids.items():
        call = modules.call_of(node)
        if call is not None:
            members.setdefault(call, []).append(node_id)
    if not members:
        return []

    def framed_parent(call):  # the nearest enclosing call that has a frame
        call = call.parent
        while call is not None and call not in members:
            call = call.parent
        return call

    children = {}
    for call in members:
        children.setdefault(framed_parent(call), []).append(call)
    numbers = {call: k for k, call in enumerate(members)}
    out = []

    def emit(call, depth):
        pad = "    " * depth
        lines = _wrap(modules.describe(call.module)).split("\n")
        label = '"' + "".join(_quote(line)[1:-1] + "\\l" for line in lines) + '"'  # \l: a left-aligned line
        out.append(f"{pad}subgraph cluster_{numbers[call]} {{")
        out.append(f'{pad}    label={label}; style="rounded,dashed"; color="#777777"; fontname="Helvetica"; fontsize=10')
        out.append(f"{pad}    " + "; ".join(members[call]))
        for child in children.get(call, []):
            emit(child, depth + 1)
        out.append(f"{pad}}}")

    for call in children.get(None, []):
        emit(call, 1)
    return out


# -- what draw_graph returns ------------------------------------------------------------------------


def _dot_program():
    return shutil.which("dot")


class Graph(str):
    """The DOT text of a graph (a ``str``: print it, compare it, write it) that also shows itself.

    In Jupyter it displays as an SVG picture when Graphviz's ``dot`` program is on PATH, else as
    its DOT text. ``source`` is the text; ``pipe(format)`` the picture's bytes; ``render(filename)``
    writes the picture, ``save(filename)`` the text.
    """

    @property
    def source(self):
        return str(self)

    def pipe(self, format="svg"):
        """The picture as bytes, rendered by Graphviz's ``dot`` program (``format``: svg, png, pdf, ...)."""
        program = _dot_program()
        if program is None:
            raise RuntimeError(
                f"rendering a {format} picture needs Graphviz's `dot` program on PATH: `apt-get install graphviz` "
                "or `brew install graphviz`, or write the text with filename='graph.dot'"
            )
        done = subprocess.run([program, f"-T{format}"], input=self.encode("utf-8"), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"Graphviz's dot failed to render {format}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def save(self, filename):
        """Write the DOT text to ``filename``; returns its path."""
        path = Path(filename)
        path.write_text(self, encoding="utf-8")
        return path

    def render(self, filename, format=None):
        """Write the graph to ``filename``: the DOT text for ``.dot``/``.gv``, else the picture
        (its format from ``format`` or the suffix, which is added if missing). Returns the path."""
        path = Path(filename)
        fmt = (format or path.suffix.lstrip(".")).lower()
        if not fmt:
            raise ValueError(
                f"cannot tell the picture format of {str(path)!r}: give it a suffix (.svg, .png) or pass format="
            )
        if not path.suffix:
            path = path.with_suffix("." + fmt)
        if fmt in ("dot", "gv"):
            return self.save(path)
        path.write_bytes(self.pipe(fmt))
        return path

    def _svg(self):
        if "_svg_text" not in self.__dict__:
            try:
                self.__dict__["_svg_text"] = self.pipe("svg").decode("utf-8") if _dot_program() else None
            except RuntimeError:
                self.__dict__["_svg_text"] = None
        return self.__dict__["_svg_text"]

    def _repr_svg_(self):
        """Jupyter: the picture, when Graphviz's ``dot`` is there (else None: the text shows)."""
        return self._svg()

    def _repr_markdown_(self):
        """Jupyter without Graphviz: the DOT text as a code block."""
        return None if self._svg() else f"```dot\n{self}```\n"

    def _repr_html_(self):
        """Jupyter without Graphviz: the DOT text, preformatted."""
        return None if self._svg() else f"<pre>{html.escape(str(self))}</pre>"

    def __repr__(self):
        nodes = sum(1 for line in self.splitlines() if re.match(r"\s*n\d+ \[", line))
        return f"<minigrad.viz.Graph: {nodes} nodes; print() it for the DOT text>"


def draw_graph(tensor=None, params=None, format=None, filename=None, *, named=None, modules=None, trace=None,
               legend=True, model=None, inputs=None):
    """The computation graph behind ``tensor`` as a ``Graph`` (its Graphviz DOT text, a ``str``
    that Jupyter displays as a picture), optionally written to a file.

    tensor    the result of a computation (a loss, usually)
    params    optional ``{name: tensor}``, e.g. ``dict(model.named_parameters())``: leaves that
              are parameters show their name (``0.weight``) above their shape
    named     optional ``{name: tensor}`` for any tensor: a leaf shows the name, an op's result
              gets it above the op, and a tensor that needs no gradient (the images, the targets)
              is drawn as a white box with a dashed arrow to the op that took it
    modules   what ``record_modules()`` recorded while the forward ran: a frame around each layer's
              nodes names it as ``print(model)`` does; parameters are named by their path
              (``model1.0.weight``) when ``params`` is not given
    trace     an ``autograd.trace`` recorded during ``backward()`` of this graph: each arrow shows
              the shape and norm of the gradient sent along it
    legend    draw the legend (which way gradients flow, what the colours mean)
    model, inputs   instead of ``tensor``: run ``model(*inputs)`` under ``record_modules()`` and
              draw its output's graph with every layer named
    filename  write the graph there too; ``.dot`` writes the text, other suffixes render it
    format    the picture format (``"svg"``, ``"png"``, ``"dot"``, ...); default: the suffix of
              ``filename``, which gets this suffix if it has none

    Returns the ``Graph`` in every case.
    """
    if model is not None:
        if tensor is not None or modules is not None:
            raise TypeError(
                "draw_graph: pass either a tensor (with modules= from record_modules()) or model= and inputs=, not both"
            )
        args = inputs if isinstance(inputs, tuple) else (inputs,)
        with record_modules() as modules:
            tensor = model(*args)
        if not isinstance(tensor, _function.Tensor):
            raise TypeError(f"draw_graph(model=...): the model returned a {type(tensor).__name__}, expected a Tensor")
    elif tensor is None:
        raise TypeError("draw_graph() needs the tensor to draw (or model= and inputs=)")
    graph = Graph(to_dot(tensor, params, named=named, modules=modules, trace=trace, legend=legend))
    if filename is None:
        if format is not None:
            raise ValueError(f"draw_graph(format={format!r}) needs filename= to write the picture to")
        return graph
    graph.render(filename, format)
    return graph
