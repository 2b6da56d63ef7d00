"""``add_graph``: minigrad's own recorded graph in TensorBoard's ``GraphDef`` format.

torch traces a model with its JIT and writes the traced operators. minigrad has no tracer, and
needs none: running the model forward records the very graph ``backward()`` will walk (each
op's ``grad_fn`` node and its ``next_functions``). This module runs the model once and writes
that graph, one ``NodeDef`` per node:

    input/x                                         the model's input (named as forward's argument)
    Tudui/Sequential[model1]/Conv2d[0]/weight       a parameter (named by its module path)
    Tudui/Sequential[model1]/Conv2d[0]/ConvolutionBackward0     an op node (its grad_fn name)
    output/output.1                                 the model's output

Slashes make TensorBoard's groups: ``Type[attribute]`` per module level, as torch's tracer names
them, so the Graphs tab folds the network into its modules. Each node carries the shape of the
tensor it produced (attr ``_output_shapes``) and its dtype.

Which module an op node belongs to is what ``minigrad.viz.record_modules`` saw through the
module forward hooks while the model ran: the innermost module whose forward made it (inner
modules finish first and claim their nodes; a parent gets what they left). A node no module
claimed belongs to the module owning a parameter it uses, else to the model itself.
"""

import inspect

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto

from ...autograd.function import AccumulateGrad
from ...autograd.grad_mode import enable_grad
from ...creation import tensor as new_tensor
from ...nn.module import Module
from ...tensor import Tensor
from ...viz import record_modules
from .summary import to_numpy


def module_scopes(model):
    """``{id(module): scope}`` for the model and every submodule, torch's tracer's way:
    ``Tudui``, ``Tudui/Sequential[model1]``, ``Tudui/Sequential[model1]/Conv2d[0]``, ..."""
    root = model._get_name()
    scopes = {}
    for name, module in model.named_modules():
        scope, parent = root, model
        for attribute in name.split(".") if name else ():
            parent = parent._modules[attribute]
            scope += f"/{parent._get_name()}[{attribute}]"
        scopes[id(module)] = scope
    return scopes


def parameter_names(model, scopes):
    """``{id(parameter): (node name, owner's scope)}``, e.g. ``Tudui/Sequential[model1]/Conv2d[0]/weight``."""
    names = {}
    for name, param in model.named_parameters():
        owner_path, _, attribute = name.rpartition(".")
        scope = scopes[id(model.get_submodule(owner_path))]
        names[id(param)] = (f"{scope}/{attribute}", scope)
    return names


def tensors_in(value):
    """The tensors in a forward's result: a tensor, or tuples, lists and dicts of them."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for item in value for t in tensors_in(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in tensors_in(item)]
    return []


def op_nodes(roots):
    """The op nodes (not leaves) reachable from ``roots``, inputs before the ops using them
    (an iterative depth-first walk: deep graphs cannot hit the recursion limit)."""
    order, done = [], set()
    stack = [(node, False) for node in reversed(roots) if node is not None]
    while stack:
        node, children_done = stack.pop()
        if node in done or isinstance(node, AccumulateGrad):
            continue
        if children_done:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((child, False) for child, _ in reversed(node.next_functions) if child is not None)
    return order


def _attrs(shape, dtype):
    shape_proto = TensorShapeProto(dim=[TensorShapeProto.Dim(size=n) for n in shape])
    return {
        "_output_shapes": AttrValue(list=AttrValue.ListValue(shape=[shape_proto])),
        "attr": AttrValue(s=f"{{ dtype : {dtype} }}".encode()),
    }


def _input_names(model, count):
    """Names of the model's inputs: forward's positional parameter names (``x``), as torch shows them."""
    try:
        signature = inspect.signature(model.forward)
    except (TypeError, ValueError):
        signature = None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in signature.parameters.values() if p.kind in kinds] if signature else []
    return [names[i] if i < len(names) else f"input.{i + 1}" for i in range(count)]


def _as_inputs(input_to_model):
    """The model's positional inputs as fresh minigrad leaves; floating ones require grad, so
    that even ops on the input alone (before any parameter) are recorded."""
    if input_to_model is None:
        values = ()
    elif isinstance(input_to_model, (tuple, list)):
        values = tuple(input_to_model)
    else:
        values = (input_to_model,)
    inputs = []
    for value in values:
        leaf = new_tensor(to_numpy(value))
        if leaf.dtype.is_floating_point:
            leaf.requires_grad_(True)
        inputs.append(leaf)
    return inputs


def model_graph(model, input_to_model=None, verbose=False):
    """Run ``model`` on ``input_to_model`` (a tensor or a tuple of them; minigrad, torch or numpy)
    in eval mode with recording on, and return its graph as (GraphDef, RunMetadata), as torch's
    ``add_graph`` writes them."""
    if not isinstance(model, Module):
        raise TypeError(
            f"add_graph() takes a minigrad nn.Module, got {type(model).__module__}.{type(model).__name__}"
            + (" (log a torch model with torch.utils.tensorboard.SummaryWriter)" if type(model).__module__.startswith("torch") else "")
        )
    inputs = _as_inputs(input_to_model)
    scopes = module_scopes(model)
    params = parameter_names(model, scopes)
    was_training = model.training
    model.train(False)  # as torch's tracer: dropout off, batch norm on running statistics
    try:
        with enable_grad(), record_modules() as layers:
            outputs = tensors_in(model(*inputs))
    finally:
        model.train(was_training)

    root = scopes[id(model)]
    leaf_names = {id(leaf): f"input/{name}" for leaf, name in zip(inputs, _input_names(model, len(inputs)))}
    leaf_names.update({key: name for key, (name, _) in params.items()})
    nodes = [NodeDef(name=leaf_names[id(leaf)], op="IO Node", attr=_attrs(leaf.shape, leaf._array.dtype)) for leaf in inputs]
    nodes += [NodeDef(name=params[id(p)][0], op="Parameter", attr=_attrs(p.shape, p._array.dtype)) for p in model.parameters()]

    names, taken = {}, set(leaf_names.values())

    def name_of(node):
        """The NodeDef name of a graph node (a leaf's name, made for leaves that are neither inputs nor parameters)."""
        if isinstance(node, AccumulateGrad):
            leaf = node.variable
            if id(leaf) not in leaf_names:
                leaf_names[id(leaf)] = unique(f"{root}/tensor")
                nodes.append(NodeDef(name=leaf_names[id(leaf)], op="Tensor", attr=_attrs(leaf.shape, leaf._array.dtype)))
            return leaf_names[id(leaf)]
        return names[node]

    def unique(name):
        candidate, k = name, 0
        while candidate in taken:
            k += 1
            candidate = f"{name}_{k}"
        taken.add(candidate)
        return candidate

    for node in op_nodes([t.grad_fn for t in outputs]):
        call = layers.call_of(node)
        while call is not None and id(call.module) not in scopes:  # a module made inside forward
            call = call.parent
        scope = scopes[id(call.module)] if call is not None else None
        if scope is None:  # no module claimed it: the module of a parameter this op uses, else the model
            used = [params[id(child.variable)][1] for child, _ in node.next_functions
                    if isinstance(child, AccumulateGrad) and id(child.variable) in params]
            scope = used[0] if used else root
        op = node.name().removeprefix("torch::autograd::")
        names[node] = unique(f"{scope}/{op}")
        inputs_of = [name_of(child) for child, _ in node.next_functions if child is not None]
        shape, dtype = node.output_meta
        nodes.append(NodeDef(name=names[node], op=op, input=inputs_of, attr=_attrs(shape, dtype)))

    for i, out in enumerate(outputs):
        source = out.grad_fn if out.grad_fn is not None else (out._grad_accumulator() if out.requires_grad else None)
        nodes.append(NodeDef(name=f"output/output.{i + 1}", op="IO Node",
                             input=[name_of(source)] if source is not None else [], attr=_attrs(out.shape, out._array.dtype)))
    if verbose:
        for node in nodes:
            print(f"{node.name} = {node.op}({', '.join(node.input)})")
    graph = GraphDef(node=nodes)
    graph.versions.producer = 22
    stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return graph, stats
