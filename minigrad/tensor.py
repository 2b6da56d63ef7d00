"""The Tensor: a numpy array plus what autograd needs to know about it.

    _array         the values (a numpy array)
    requires_grad  whether gradients should flow to this tensor
    grad_fn        the op node that produced it (None for leaves: tensors the user created)
    grad           ∂L/∂self after backward: set on leaves, and on others after ``retain_grad()``

This file is the autograd core of a tensor. Everything else it does (shape, dtype, ``x + y``,
``x.sum()``, ...) is in ``tensor_methods.py``: one-line calls of the ops in ``minigrad/ops/``.
In-place ops and views keep more bookkeeping (``_version_counter``, ``_base``, ``_view_steps``):
``autograd/inplace.py`` explains it.
"""

import weakref

import numpy as np

from . import dtypes
from .autograd import engine, function, hooks, inplace, layout
from .autograd.function import AccumulateGrad
from .tensor_methods import Size, TensorMethods

__all__ = ["Size", "Tensor"]


class Tensor(TensorMethods):
    __slots__ = (
        "_array", "_requires_grad", "grad", "_grad_fn", "_accumulator", "__weakref__",
        "_version_counter", "_base", "_view_steps", "_view_version", "_view_in_graph", "_has_views",  # autograd/inplace.py
        "_torch_strides",  # autograd/layout.py
    )

    # ``ndarray + tensor`` must call Tensor.__radd__, not broadcast the ndarray elementwise
    __array_priority__ = 1000

    def __init__(self, data=(), dtype=None, requires_grad=False):
        """``minigrad.Tensor(data)``: as torch.Tensor, always the default float dtype (sharing the
        memory of an array that already has it)."""
        from .creation import as_array  # creation.py makes Tensors: imported when first needed

        self._init(as_array(data, dtype or dtypes.get_default_dtype()), requires_grad)

    def _init(self, array, requires_grad=False, grad_fn=None):
        self._array, self._requires_grad, self.grad, self._grad_fn, self._accumulator = array, False, None, grad_fn, None
        self._version_counter, self._base, self._has_views = inplace.VersionCounter(), None, False
        # an array shared with the caller keeps its strides, as torch.from_numpy's
        self._torch_strides = None if array.flags.c_contiguous else layout.strides_in_elements(array)
        if requires_grad:
            self.requires_grad = True

    @classmethod
    def _wrap(cls, array, requires_grad=False, grad_fn=None):
        """Make a tensor around an existing array, without copying or checking (used by ops)."""
        tensor = object.__new__(cls)
        tensor._array, tensor._requires_grad, tensor.grad, tensor._grad_fn, tensor._accumulator = (
            array, requires_grad, None, grad_fn, None)
        tensor._version_counter, tensor._base, tensor._has_views = inplace.VersionCounter(), None, False
        tensor._torch_strides = None  # row-major in torch, unless an elementwise op says otherwise
        return tensor

    # -- autograd -----------------------------------------------------------------------------------

    @property
    def requires_grad(self):
        if inplace.is_stale(self):  # a view whose base changed in place: its node is remade first
            inplace.refresh_view(self)
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        value = bool(value)
        if value and self._array.dtype.kind != "f":
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients "
                f"(this tensor is {self.dtype}; convert it with .float() first)"
            )
        if self.grad_fn is not None and not value:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node that made this tensor (None for a leaf)."""
        if inplace.is_stale(self):
            inplace.refresh_view(self, for_grad_fn=True)
        return self._grad_fn

    @grad_fn.setter
    def grad_fn(self, node):
        self._grad_fn = node

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute ∂self/∂leaf for every leaf that requires grad and add it to ``leaf.grad``."""
        engine.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves keep it anyway)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn.retained_output = weakref.ref(self)  # weak: the node must not keep self alive

    @property
    def retains_grad(self):
        return self.grad_fn is not None and getattr(self.grad_fn, "retained_output", None) is not None

    def register_hook(self, hook):
        """Call ``hook(grad)`` each time ∂L/∂self is computed (summed over all uses of self); it
        may return a tensor to use instead (for a leaf, that is what ``.grad`` accumulates).
        Returns a handle: ``handle.remove()``. Where hooks live and when they run: autograd/hooks.py."""
        return hooks.register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Leaves only: call ``hook(self)`` after backward has added into ``self.grad``."""
        return hooks.register_post_accumulate_grad_hook(self, hook)

    def _grad_accumulator(self):
        if self._accumulator is None:
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def detach(self):
        """The same values (shared memory) cut off from the graph. It shares self's version
        counter: an in-place change through it still invalidates what the graph saved of self."""
        out = Tensor._wrap(self._array)
        out._version_counter = self._version_counter
        return out

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The values as a tensor outside the graph; changes to it are not tracked (as in torch)."""
        return Tensor._wrap(self._array)

    @data.setter
    def data(self, value):
        self._array = value._array if isinstance(value, Tensor) else np.asarray(value)

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has seen (torch's ``x._version``)."""
        return self._version_counter.value

    def __reduce__(self):  # pickling keeps values and requires_grad (the graph is not saved)
        return (_rebuild, (self._array, self._requires_grad))


def _rebuild(array, requires_grad):
    return Tensor._wrap(array, requires_grad=requires_grad)


function.register_tensor_class(Tensor)  # ops make tensors through autograd.function.Tensor
