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

import numpy as np

from . import grad_mode
from .. import dtypes
from ..ops._arguments import broadcast_shape

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class AccumulateGrad:
    """The graph node of a leaf tensor that requires grad: backward adds ``grad`` into ``.grad``."""

    next_functions = ()

    def __init__(self, variable):
        self.variable = variable

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"


class Function:
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

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on tensors (and numbers); the output records this op's node when it should."""
        return cls.apply_with_node(*inputs, **options)[0]

    @classmethod
    def apply_with_node(cls, *inputs, **options):
        """``apply``, also handing back the node (recorded or not): for ops that leave a second,
        non-differentiable result on it, such as max_pool2d's indices."""
        Tensor = tensor_class()
        arrays = [x._array if isinstance(x, Tensor) else x for x in inputs]
        if cls.promotes_dtypes:
            common = cls.promoted_dtype(*arrays)
            # a number out of the common dtype's range wraps around, as in torch (uint8 + 300)
            arrays = [(a if isinstance(a, np.ndarray) else np.array(a)).astype(common, copy=False) for a in arrays]

        node = cls()
        requires_grad = tuple(isinstance(x, Tensor) and x.requires_grad for x in inputs)
        record = grad_mode.is_grad_enabled() and any(requires_grad)
        # forward skips work that only backward needs (e.g. max_pool2d's winners) when nothing will run it
        node.needs_input_grad = requires_grad if record else (False,) * len(inputs)
        node._saved = ()
        try:
            out_array = node.forward(*arrays, **options)
        except ValueError:
            if cls.promotes_dtypes:  # numpy could not broadcast the operands: torch's RuntimeError instead
                broadcast_shape(*(np.shape(a) for a in arrays))
            raise
        if not isinstance(out_array, np.ndarray):
            out_array = np.asarray(out_array)
        record = record and out_array.dtype.kind == "f"  # integers and bools have no gradient

        out = Tensor._wrap(out_array, requires_grad=record, grad_fn=node if record else None)
        if cls.is_view:
            source = inputs[0]
            # (an empty result shares no bytes, but it is still a view: numpy's .base says so)
            if np.may_share_memory(out_array, source._array) or (out_array.size == 0 and out_array.base is not None):
                out._become_view_of(source, (cls, options))
        if record:
            node.next_functions = tuple((_edge_to(x), 0) for x in inputs)
            node.input_meta = tuple((x._array.shape, x._array.dtype) if isinstance(x, Tensor) else None for x in inputs)
            node.output_meta = (out_array.shape, out_array.dtype)  # shown by minigrad.viz and autograd.trace
            node._watch_saved_versions(inputs, out)
        else:
            node._saved = ()  # nothing will run backward: keep no arrays alive
        return out, node

    @classmethod
    def promoted_dtype(cls, *arrays):
        """The dtype every input is cast to when ``promotes_dtypes``: torch's promotion rules
        (``dtypes.result_dtype``). An op whose result type differs (true division) overrides it."""
        return dtypes.result_dtype(*arrays)

    # -- what forward and backward use ---------------------------------------------------------

    def save_for_backward(self, *arrays):
        """Keep the arrays backward needs; they are freed after backward unless retain_graph."""
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        for counter, version, position in self._saved_versions:
            if counter.value != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{self.name()}, saved tensor {position}] is at version {counter.value}; "
                    f"expected version {version} instead. Hint: use an out-of-place op (x = x + y) or "
                    ".clone() the tensor before changing it in place."
                )
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

    def _watch_saved_versions(self, inputs, out):
        """Remember the version of every tensor (input or output) whose memory a saved array
        shares (itself or a view of it), so that an in-place change to that tensor makes
        backward raise instead of silently using the changed values."""
        Tensor = tensor_class()
        self._saved_versions = []
        tensors = [x for x in (*inputs, out) if isinstance(x, Tensor)]
        for position, array in enumerate(self._saved or ()):
            if not isinstance(array, np.ndarray):
                continue
            for x in tensors:
                if _shares_memory(array, x._array):
                    self._saved_versions.append((x._version_counter, x._version_counter.value, position))
                    break

    def _protect_saved(self, array):
        """An in-place op is about to overwrite ``array`` with this node's own result: keep a
        private copy of whatever this node saved from that memory (its old values)."""
        if not self._saved:
            return
        overwritten = {i for i, s in enumerate(self._saved) if isinstance(s, np.ndarray) and _shares_memory(s, array)}
        if overwritten:
            self._saved = tuple(s.copy() if i in overwritten else s for i, s in enumerate(self._saved))
            self._saved_versions = [v for v in self._saved_versions if v[2] not in overwritten]


_Tensor = None


def tensor_class():
    """``minigrad.Tensor``, imported on first use (tensor.py imports this module, so it cannot
    be imported at the top; a function-level import would cost microseconds on every op)."""
    global _Tensor
    if _Tensor is None:
        from ..tensor import Tensor

        _Tensor = Tensor
    return _Tensor


def _shares_memory(a, b):
    """Whether two arrays may overlap: the same array, or a view involved (arrays that own
    their memory and are not the same object never overlap)."""
    return a is b or ((a.base is not None or b.base is not None) and np.may_share_memory(a, b))


def _edge_to(x):
    """The node an input's gradient flows to: its grad_fn, its AccumulateGrad, or None."""
    if not getattr(x, "requires_grad", False):
        return None
    if x.grad_fn is not None:
        return x.grad_fn
    if x._base is not None and x._view_steps is None:
        return None  # a view made under no_grad: requires_grad (as its base), yet outside the graph (as torch)
    return x._grad_accumulator()
