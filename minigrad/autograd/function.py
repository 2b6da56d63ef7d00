"""Recording the graph: ``Function``, the unit every op is written in.

An op is one subclass of ``Function`` with its two halves side by side:

    class Mul(Function):
        '''out = a · b      ∂L/∂a = grad · b      ∂L/∂b = grad · a'''
        def forward(self, a, b):              # numpy arrays in, numpy array out
            self.save_for_backward(a, b)
            return a * b
        def backward(self, grad):             # grad = ∂L/∂out, same shape as out
            a, b = self.saved_tensors
            return grad * b, grad * a         # one gradient per input, in out's shape

Vocabulary (as in PyTorch's derivatives.yaml): ``grad`` is ∂L/∂out, ``out`` the forward result.
Ops are written as if shapes always match: when numpy broadcast an input in forward, the
engine sums its gradient back to the input's shape (``engine.sum_to_shape``), in one place.

``Op.apply(*inputs, **options)`` runs forward and, when some input requires grad, recording is
on and the output is floating point, makes the op instance the output's ``grad_fn``: a node of
the graph whose ``next_functions`` point at the nodes that made its inputs.
"""

import itertools

import numpy as np

from .. import _interop, dtypes
from ..broadcasting import broadcast_shape
from . import grad_mode

#: The Tensor class. tensor.py registers it when it is defined (``register_tensor_class``), so
#: that this module and the ops can make tensors without importing tensor.py, which imports them.
Tensor = None

#: inputs an op takes as they are, besides tensors: numbers, and None for an absent bias
_PLAIN_INPUTS = (int, float, complex, np.number, np.bool_, type(None))


def register_tensor_class(cls):
    global Tensor
    Tensor = cls


class Node:
    """What every node of the graph has besides its backward: hooks, and its number of outputs.

    ``node.register_prehook(fn)``: ``fn(grad_outputs)`` before the node's backward, may return new
    grad_outputs; ``node.register_hook(fn)``: ``fn(grad_inputs, grad_outputs)`` after it, may return
    new grad_inputs. Each returns a handle with ``remove()``; ``autograd/hooks.py`` runs them."""

    #: outputs that carry a gradient: 1 for every op (a module's backward-hook node has several)
    n_outputs = 1
    #: the hooks registered on this node (``autograd.hooks.NodeHooks``); None while there are none
    _hooks = None
    #: when the node was made (``Function.record``): of the nodes ready in backward, the engine runs
    #: the latest first (as torch); an AccumulateGrad's is infinite: it runs as soon as it is ready
    sequence_nr = 0
    #: the order in which backward hands the inputs' nodes to the engine's queue, when torch's graph
    #: for the op has another shape than ours (Linear); None: ``next_functions`` order
    release_order = None

    def register_prehook(self, fn):
        return hooks.add_hook(hooks.hooks_of(self).pre, fn)

    def register_hook(self, fn):
        return hooks.add_hook(hooks.hooks_of(self).post, fn)


class AccumulateGrad(Node):
    """The graph node of a leaf tensor that requires grad: backward adds ``grad`` into ``.grad``."""

    next_functions = ()
    sequence_nr = float("inf")

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class Function(Node):
    """Base of every differentiable op; an instance is one node of the recorded graph.

    Subclasses define ``forward(*arrays, **options) -> ndarray`` and
    ``backward(grad) -> gradient or tuple of gradients`` (``None`` where an input needs none).
    """

    #: torch's name for this op's node, shown as ``grad_fn=<MulBackward0>``
    backward_name = None
    #: cast every input to the promoted dtype first (elementwise binary ops)
    promotes_dtypes = False
    #: the output may share memory with the input (reshape, transpose, indexing, ...)
    is_view = False
    #: elementwise: the result keeps its inputs' memory order, as torch's (``layout.py``)
    keeps_layout = False

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on tensors (and numbers); the output records this op's node when it should.
        A forward may return extra, non-differentiable results after the first (max_pool2d's
        indices): then apply returns them too, as plain tensors."""
        node = cls()
        inputs = node.accept(inputs)  # a CPU torch tensor becomes a minigrad one; foreign objects: TypeError
        recording = grad_mode.is_grad_enabled()
        node.needs_input_grad = tuple(recording and isinstance(x, Tensor) and x.requires_grad for x in inputs)
        node._saved = ()
        if cls.is_view:  # numpy must copy or view exactly where torch does
            layout.lay_out_as_torch(inputs[0])
        results = node.run_forward(node.unwrap(inputs), options)  # numpy arrays in, numpy arrays out
        out = Tensor._wrap(results[0])
        if cls.is_view:
            inplace.mark_view(out, inputs[0], (cls, options))
        elif cls.keeps_layout:
            layout.record_elementwise_layout(out, inputs)
        if any(node.needs_input_grad) and out._array.dtype.kind == "f":  # integers and bools have no gradient
            node.record(inputs, out)
        else:
            node._saved = ()  # nothing will run backward: keep no arrays alive
        return out if len(results) == 1 else (out, *(Tensor._wrap(r) for r in results[1:]))

    # -- the steps of apply ---------------------------------------------------------------------

    def accept(self, inputs):
        """The inputs as ops take them: minigrad tensors, numbers and None (an absent bias) as they
        are; a CPU torch tensor as a minigrad tensor over its memory; anything else (a numpy array,
        a list, an image) torch's TypeError with a hint. The rules live in ``minigrad/_interop.py``."""
        if all(isinstance(x, Tensor) or isinstance(x, _PLAIN_INPUTS) for x in inputs):
            return inputs
        return tuple(x if isinstance(x, (Tensor, *_PLAIN_INPUTS)) else _interop.op_input(x, self, i)
                     for i, x in enumerate(inputs, 1))

    def unwrap(self, inputs):
        """The inputs' numpy arrays (numbers stay numbers), cast to one dtype if the op promotes."""
        arrays = [x._array if isinstance(x, Tensor) else x for x in inputs]
        if self.promotes_dtypes:  # a number out of the common dtype's range wraps, as in torch (uint8 + 300)
            common = self.promoted_dtype(*arrays)
            arrays = [a if getattr(a, "dtype", None) == common else np.asarray(a).astype(common, copy=False) for a in arrays]
        return arrays

    @classmethod
    def promoted_dtype(cls, *arrays):
        """The dtype every input is cast to when ``promotes_dtypes``: torch's promotion rules
        (``dtypes.result_dtype``). An op whose result type differs (true division) overrides it."""
        return dtypes.result_dtype(*arrays)

    def run_forward(self, arrays, options):
        """forward's results as a list of arrays; shapes numpy cannot broadcast get torch's error."""
        try:
            results = self.forward(*arrays, **options)
        except ValueError:
            if self.promotes_dtypes:
                broadcast_shape(*(np.shape(a) for a in arrays))
            raise
        results = results if isinstance(results, tuple) else (results,)
        return [r if isinstance(r, np.ndarray) else np.asarray(r) for r in results]

    def record(self, inputs, out):
        """Make this node out's ``grad_fn``, with an edge to the node of each input."""
        out._grad_fn, out._requires_grad = self, True
        self.sequence_nr = next(sequence_numbers)
        self.next_functions = tuple(gradient_edge(x) if needed else (None, 0) for x, needed in zip(inputs, self.needs_input_grad))
        self.input_meta = tuple((x._array.shape, x._array.dtype) if isinstance(x, Tensor) else None for x in inputs)
        self.output_meta = (out._array.shape, out._array.dtype)  # shown by minigrad.viz and autograd.trace
        inplace.watch_saved_versions(self, [x for x in (*inputs, out) if isinstance(x, Tensor)])

    # -- what forward and backward use ---------------------------------------------------------

    def save_for_backward(self, *arrays):
        """Keep the arrays backward needs; they are freed after backward unless retain_graph."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after "
                "they have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward."
            )
        inplace.check_saved_versions(self)  # raises if a saved tensor changed in place since
        return self._saved

    def forward(self, *arrays, **options):
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, grad):
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    # -- graph bookkeeping ------------------------------------------------------------------------

    def name(self):
        return self.backward_name or f"{type(self).__name__}Backward0"

    def __repr__(self):  # torch's C++ nodes print without their namespace: <CopySlices object at ...>
        return f"<{self.name().removeprefix('torch::autograd::')} object at {hex(id(self))}>"

    def release_saved(self):
        """Drop saved arrays after backward; a later backward through this node then raises."""
        if self._saved:
            self._saved = None


def edge_to(x):
    """The node an input's gradient flows to: its grad_fn, its AccumulateGrad, or None."""
    if not getattr(x, "requires_grad", False):
        return None
    if x.grad_fn is not None:
        return x.grad_fn
    if x._base is not None and not x._view_in_graph:
        return None  # a view made under no_grad: requires_grad (as its base), yet outside the graph (as torch)
    return x._grad_accumulator()



#: numbers the recorded nodes in the order they were made (``Node.sequence_nr``)
sequence_numbers = itertools.count()


def gradient_edge(x):
    """(node, output number): where x's gradient goes. Only a node with several outputs (a
    module's backward hook) numbers them; an op's single output is 0."""
    node = edge_to(x)
    if node is None or node.n_outputs == 1:
        return node, 0
    return node, node.output_nr(x)


from . import hooks  # noqa: E402  (at the end: hooks.py reads Tensor from here when hooks run)
from . import inplace  # noqa: E402  (at the end: inplace.py defines CopySlices, a Function)
from . import layout  # noqa: E402
