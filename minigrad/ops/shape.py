"""Shape and selection: reshape/view, permute, transpose, squeeze, unsqueeze, expand, flatten,
indexing and item assignment, cat, stack, where, clone and dtype casts.

None of these change values, only where they sit, so each backward puts ``grad`` back where
the input's elements came from: the inverse reshape, the inverse permutation, a scatter.
"""

import math

import numpy as np

from .. import dtypes
from ..autograd import function
from ..autograd.inplace import same_memory_region
from ..autograd.function import Function
from ..autograd import grad_mode, inplace
from ..autograd.layout import layout_in_torch, record_elementwise_layout, strides_in_elements
from ._arguments import is_int, size_arguments
from .reduction import normalize_dim


class Reshape(Function):
    """out = x viewed with a new shape   ∂L/∂x = grad reshaped to x's shape"""

    backward_name = "ViewBackward0"
    is_view = True

    def forward(self, x, shape):
        self.input_shape = x.shape
        return x.reshape(infer_shape(shape, x.size))

    def backward(self, grad):
        return grad.reshape(self.input_shape)


def infer_shape(shape, size):
    """Resolve one -1 in ``shape`` so the product equals ``size``; torch's error otherwise."""
    shape = tuple(int(n) for n in shape)
    known = int(math.prod([n for n in shape if n != -1]))
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if -1 in shape and known != 0 and size % known == 0:
        shape = tuple(size // known if n == -1 else n for n in shape)
    if int(math.prod(shape)) != size or any(n < 0 for n in shape):
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {size}")
    return shape


class Permute(Function):
    """out = x with axes reordered by ``dims``   ∂L/∂x = grad with the inverse order"""

    backward_name = "PermuteBackward0"
    is_view = True

    def forward(self, x, dims):
        dims = tuple(normalize_dim(d, x.ndim) for d in dims)
        if sorted(dims) != list(range(x.ndim)):
            raise RuntimeError(
                f"permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
                f"the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}"
                if len(dims) != x.ndim
                else f"permute(): duplicate dims are not allowed: {list(dims)}"
            )
        self.dims = dims
        return x.transpose(dims)

    def backward(self, grad):
        return grad.transpose(np.argsort(self.dims))


class Transpose(Function):
    """out = x with axes d0 and d1 swapped       ∂L/∂x = grad with them swapped back"""

    backward_name = "TransposeBackward0"
    is_view = True

    def forward(self, x, dim0, dim1):
        self.dim0, self.dim1 = normalize_dim(dim0, x.ndim), normalize_dim(dim1, x.ndim)
        return np.swapaxes(x, self.dim0, self.dim1) if x.ndim else x.view()

    def backward(self, grad):
        return np.swapaxes(grad, self.dim0, self.dim1) if grad.ndim else grad


class Squeeze(Function):
    """out = x without size-1 axes (all, or those in ``dim``)   ∂L/∂x = grad reshaped back"""

    is_view = True

    def forward(self, x, dim=None):
        self.backward_name = (
            "SqueezeBackward0" if dim is None else "SqueezeBackward1" if isinstance(dim, int) else "SqueezeBackward2"
        )
        self.input_shape = x.shape
        if dim is None:
            return x.squeeze()
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = tuple(d for d in (normalize_dim(d, x.ndim) for d in dims) if x.ndim and x.shape[d] == 1)
        return x.squeeze(dims) if dims else x.view()

    def backward(self, grad):
        return grad.reshape(self.input_shape)


class Unsqueeze(Function):
    """out = x with a new size-1 axis at ``dim``   ∂L/∂x = grad without it"""

    backward_name = "UnsqueezeBackward0"
    is_view = True

    def forward(self, x, dim):
        self.dim = normalize_dim(dim, x.ndim, extra=1)
        return np.expand_dims(x, self.dim)

    def backward(self, grad):
        return grad.squeeze(self.dim)


class Expand(Function):
    """out = x repeated along size-1 axes to ``sizes`` (no copy)
    ∂L/∂x = grad summed over the repeated axes (done by the engine's broadcast reduction)"""

    backward_name = "ExpandBackward0"
    is_view = True

    def forward(self, x, sizes):
        extra = len(sizes) - x.ndim  # new leading axes
        if extra < 0:
            type_name = f"minigrad.{dtypes.from_numpy_dtype(x.dtype).torch_name}Tensor"
            raise RuntimeError(
                f"expand({type_name}{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes provided "
                f"({len(sizes)}) must be greater or equal to the number of dimensions in the tensor ({x.ndim})"
            )
        target = list(sizes)
        for axis in reversed(range(len(sizes))):  # torch checks from the last axis: it names the last clash
            if axis < extra:  # a new leading axis: -1 (keep the existing size) has no size to keep
                if sizes[axis] == -1:
                    raise RuntimeError(
                        "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension "
                        f"{axis}"
                    )
                continue
            existing = x.shape[axis - extra]
            if sizes[axis] == -1:
                target[axis] = existing
            elif existing != 1 and existing != sizes[axis]:
                raise RuntimeError(
                    f"The expanded size of the tensor ({sizes[axis]}) must match the existing size ({existing}) at "
                    f"non-singleton dimension {axis}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}"
                )
        # a view with stride 0 along the repeated axes; writable (as torch's), so that a write into
        # one row of it reaches x; writing the whole of it is refused (``autograd.inplace.check_allowed``)
        repeated = np.broadcast_to(x, tuple(target))
        return np.lib.stride_tricks.as_strided(x, repeated.shape, repeated.strides, writeable=x.flags.writeable)

    def backward(self, grad):
        return grad


class Index(Function):
    """out = x[key]                    ∂L/∂x = zeros with grad added at the selected positions

    Integer arrays may select a position twice; those gradients add up (``np.add.at``).
    An integer among index arrays is a plain selection in torch, applied before the arrays;
    numpy would broadcast it with them and may move the result's axes, so such a key is
    applied in two steps: ``x[basic_key][array_key]`` (see ``split_index``)."""

    is_view = True

    def forward(self, x, key):
        parts = key if isinstance(key, tuple) else (key,)
        check_slice_steps(parts)
        self.backward_name = (
            "IndexBackward0" if any(isinstance(k, np.ndarray) for k in parts)
            else "SelectBackward0" if any(is_int(k) for k in parts)
            else "SliceBackward0"
        )
        self.steps = []  # (shape before the step, key) for each indexing step, in order
        for step_key in split_index(parts, x.ndim):
            self.steps.append((x.shape, step_key))
            x = _index_with_torch_errors(x, step_key)
        return x

    def backward(self, grad):
        for shape, key in reversed(self.steps):  # undo the last indexing step first
            grad = scatter(grad, shape, key)
        return grad


def check_slice_steps(parts):
    """torch's slices step forward: a zero or negative step is an error (numpy would accept it)."""
    for k in parts:
        if isinstance(k, slice) and k.step is not None and k.step <= 0:
            raise ValueError(
                "slice step cannot be zero" if k.step == 0 else
                "step must be greater than zero (torch has no negative steps; use .flip(dim) there)"
            )


def split_index(parts, ndim):
    """The indexing steps that give torch's result for the key ``parts`` (on ``ndim`` axes) under
    numpy's rules: one step, or (ints, slices and None with index arrays replaced by full slices)
    then (the index arrays at their positions in the first step's result)."""
    if not any(isinstance(k, np.ndarray) for k in parts):
        return [parts]
    parts = expand_ellipsis(parts, ndim)
    if not any(is_int(k) for k in parts):
        return [parts]
    basic, arrays = [], []
    for k in parts:
        if isinstance(k, np.ndarray):  # a boolean mask spans as many axes as it has
            basic += [slice(None)] * (k.ndim if k.dtype == np.bool_ else 1)
            arrays.append(k)
        elif is_int(k):  # removes its axis in the first step
            basic.append(k)
        else:  # a slice, None or Ellipsis: same place in both steps
            basic.append(k)
            arrays.append(k if k is Ellipsis else slice(None))
    return [tuple(basic), tuple(arrays)]


def expand_ellipsis(parts, ndim):
    """``...`` replaced by the full slices it stands for. Whether index arrays are adjacent (which
    decides where their axes go) is judged after that in torch, before it in numpy."""
    if not any(k is Ellipsis for k in parts):
        return parts
    spanned = sum(k.ndim if isinstance(k, np.ndarray) and k.dtype == np.bool_ else k is not None for k in parts if k is not Ellipsis)
    at = next(i for i, k in enumerate(parts) if k is Ellipsis)
    return parts[:at] + (slice(None),) * max(ndim - spanned, 0) + parts[at + 1 :]


def scatter(grad, shape, key):
    """∂L/∂x of ``out = x[key]``: zeros of x's ``shape`` with ``grad`` added where key selected."""
    grad_x = np.zeros(shape, dtype=grad.dtype)
    if any(isinstance(k, np.ndarray) and k.dtype != np.bool_ for k in key):
        np.add.at(grad_x, key, grad)  # an index array may repeat a position: gradients add up
    else:
        grad_x[key] = grad
    return grad_x


class IndexPut(Function):
    """out = x with out[key] = value     ∂L/∂x = grad with zeros at key     ∂L/∂value = grad[key]

    ``x[key] = value`` where x or value requires grad: ``Tensor.__setitem__`` writes this op's
    result into x, as every in-place op. value broadcasts to x[key]'s shape (the engine sums its
    gradient back); a position selected twice sends its gradient to both copies of value, as in torch."""

    def forward(self, x, value, key):
        self.parts, self.value_ndim = key if isinstance(key, tuple) else (key,), np.ndim(value)
        out = x.copy()
        assign(out, self.parts, value)
        self.backward_name = _index_put_name(self.parts, x.shape)
        return out

    def backward(self, grad):
        grad_x = grad_value = None
        if self.needs_input_grad[0]:
            grad_x = grad.copy()
            assign(grad_x, self.parts, 0)  # those positions were overwritten: old x no longer reaches L there
        if self.needs_input_grad[1]:
            grad_value = grad
            for step in split_index(self.parts, grad.ndim):  # grad[key], with torch's meaning of the key
                grad_value = grad_value[step]
            # numpy lets value have extra leading size-1 axes: put them back for the engine
            grad_value = grad_value.reshape((1,) * (self.value_ndim - grad_value.ndim) + grad_value.shape)
        return grad_x, grad_value


def _index_put_name(parts, shape):
    """torch's node for ``x[key] = value``: when the key's ints, None or slices narrow x, torch
    writes into that view of x (CopySlices); otherwise it writes x itself, with index arrays
    (IndexPutBackward0) or without (a plain copy: CopyBackwards)."""
    arrays = [k for k in parts if isinstance(k, np.ndarray)]
    axes_used = sum(k.ndim if k.dtype == np.bool_ else 1 for k in arrays) + sum(
        1 for k in parts if not isinstance(k, np.ndarray) and k is not None and k is not Ellipsis
    )
    axis = 0
    for k in parts:
        if isinstance(k, np.ndarray):
            axis += k.ndim if k.dtype == np.bool_ else 1
        elif k is Ellipsis:
            axis += len(shape) - axes_used
        elif isinstance(k, slice) and k.indices(shape[axis]) == (0, shape[axis], 1):
            axis += 1  # the whole axis: no view needed
        else:  # an int, None or a narrowing slice
            return "torch::autograd::CopySlices"
    return "IndexPutBackward0" if arrays else "torch::autograd::CopyBackwards"


def assign(array, key, value):
    """``array[key] = value`` in place, with the meaning torch gives ``key`` (see ``split_index``)."""
    parts = key if isinstance(key, tuple) else (key,)
    check_slice_steps(parts)
    steps = split_index(parts, array.ndim)
    for step in steps[:-1]:
        array = array[step]  # basic indexing: a view, so the last write lands in the original
    if isinstance(value, np.ndarray) and value.ndim and value.shape[0] == 1:
        # torch drops value's extra leading size-1 axes; numpy does too, except into a single element
        extra = value.ndim - np.ndim(array[steps[-1]])
        if extra > 0 and all(n == 1 for n in value.shape[:extra]):
            value = value.reshape(value.shape[extra:])
    array[steps[-1]] = value


def selects_overlapping_elements(array, key, value=None):
    """Whether ``array[key] = value`` would write, through a basic key (a view), two elements at one
    memory location, as an ``expand()``ed axis holds them: an ambiguous write. (Writing a region
    onto itself, ``x[:] = x``, changes nothing, so it is not one.)"""
    parts = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, np.ndarray) for k in parts):
        return False  # index arrays: torch writes each selected position
    try:
        target = _index_with_torch_errors(array, parts)
    except (IndexError, ValueError):
        return False  # the write itself raises torch's error
    if same_memory_region(target, value):
        return False
    return target.size > 1 and any(stride == 0 and n > 1 for stride, n in zip(target.strides, target.shape))


def writes_through_a_view(key, shape):
    """Whether torch writes ``x[key] = value`` into the view ``x[key]`` (copy_ into it, recorded as
    CopySlices on x): a key of ints, slices, None and ``...`` that narrows x (see _index_put_name)."""
    parts = key if isinstance(key, tuple) else (key,)
    return not any(isinstance(k, np.ndarray) for k in parts) and _index_put_name(parts, shape).endswith("CopySlices")


def without_extra_leading_ones(value, target):
    """value without leading size-1 axes beyond target's rank: torch drops them in ``x[key] = value``."""
    extra = np.ndim(value) - np.ndim(target)
    if extra > 0 and all(n == 1 for n in value.shape[:extra]):
        return value.reshape(value.shape[extra:])
    return value


def written_view(array, key):
    """The view ``array[key]`` that ``array[key] = value`` writes into, for a basic key (ints,
    slices, None, ``...``); None for a key with index arrays or masks, or one that raises."""
    parts = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, np.ndarray) for k in parts):
        return None
    try:
        return _index_with_torch_errors(array, parts)
    except (IndexError, ValueError):
        return None


def writes_onto_itself(array, key, value):
    """Whether ``array[key] = value`` copies a region onto itself (``x[:] = x``): nothing changes."""
    parts = key if isinstance(key, tuple) else (key,)
    if value is None or any(isinstance(k, np.ndarray) for k in parts):
        return False
    try:
        return same_memory_region(_index_with_torch_errors(array, parts), value)
    except (IndexError, ValueError):
        return False


def _index_with_torch_errors(x, key):
    try:
        out = x[key]
        if not isinstance(out, np.ndarray):  # every axis taken by an int: a 0-d view, not numpy's scalar copy
            out = x[(*key, Ellipsis)]
        return out
    except IndexError as error:
        message = str(error)
        if message.startswith("too many indices"):
            message = f"too many indices for tensor of dimension {x.ndim}"
        raise IndexError(message.replace("axis", "dimension")) from None


class Cat(Function):
    """out = the inputs joined along ``dim``   ∂L/∂xᵢ = the slice of grad that came from xᵢ"""

    backward_name = "CatBackward0"
    promotes_dtypes = True

    def forward(self, *xs, dim=0):
        # torch's legacy rule: a 1-D tensor of size 0 joins anything, by being left out
        self.left_out = [x.shape == (0,) for x in xs]
        joined = [x for x, out in zip(xs, self.left_out) if not out]
        if not joined:  # nothing but such tensors: an empty result, whatever dim
            return np.concatenate(xs)
        check_cat_shapes([x.shape for x in joined], dim)
        self.dim = normalize_dim(dim, joined[0].ndim)
        self.boundaries = np.cumsum([x.shape[self.dim] for x in joined])[:-1]
        return np.concatenate(joined, axis=self.dim)

    def backward(self, grad):
        pieces = iter(np.split(grad, self.boundaries, axis=self.dim) if hasattr(self, "dim") else ())
        return tuple(np.zeros(0, grad.dtype) if out else next(pieces) for out in self.left_out)


def check_cat_shapes(shapes, dim):
    if not shapes:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    for i, shape in enumerate(shapes):
        if len(shape) == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    d = normalize_dim(dim, len(shapes[0]))
    for i, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(shapes[0]):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(shapes[0])} and {len(shape)}"
            )
        for axis, (n0, n) in enumerate(zip(shapes[0], shape)):
            if axis != d and n0 != n:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {n0} but got size {n} "
                    f"for tensor number {i} in the list."
                )


class Stack(Function):
    """out = the inputs stacked along a new axis ``dim``   ∂L/∂xᵢ = grad's i-th slice along dim"""

    backward_name = "StackBackward0"
    promotes_dtypes = True

    def forward(self, *xs, dim=0):
        if not xs:
            raise RuntimeError("stack expects a non-empty TensorList")
        for i, x in enumerate(xs[1:], start=1):
            if x.shape != xs[0].shape:
                raise RuntimeError(
                    f"stack expects each tensor to be equal size, but got {list(xs[0].shape)} at entry 0 and "
                    f"{list(x.shape)} at entry {i}"
                )
        self.dim = normalize_dim(dim, xs[0].ndim, extra=1)
        return np.stack(xs, axis=self.dim)

    def backward(self, grad):
        return tuple(np.moveaxis(grad, self.dim, 0))


class Where(Function):
    """out = a where condition else b  ∂L/∂a = grad · [condition]   ∂L/∂b = grad · [not condition]"""

    backward_name = "WhereBackward0"
    promotes_dtypes = True

    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a, b)

    def backward(self, grad):
        zero = grad.dtype.type(0)
        grad_a = np.where(self.condition, grad, zero) if self.needs_input_grad[0] else None
        grad_b = np.where(self.condition, zero, grad) if self.needs_input_grad[1] else None
        return grad_a, grad_b


class Clone(Function):
    """out = a copy of x               ∂L/∂x = grad"""

    backward_name = "CloneBackward0"
    keeps_layout = True  # a copy of a transposed x is transposed too, as torch's

    def forward(self, x):
        return x.copy(order="K")

    def backward(self, grad):
        return grad


class ContiguousCopy(Clone):
    """out = a row-major copy of x (``contiguous()``)   ∂L/∂x = grad"""

    keeps_layout = False

    def forward(self, x):
        return np.array(x, order="C")


class T(Transpose):
    """out = xᵀ, ``x.t()`` of a tensor with at most 2 dims (a 0-d or 1-d x stays as it is)
    ∂L/∂x = gradᵀ

    Transpose's code; torch names the node TBackward0, or TBackward1 after ``x.t_()``."""

    backward_name = None  # chosen in forward

    def forward(self, x, dim0, dim1, backward_name="TBackward0"):
        self.backward_name = backward_name
        return super().forward(x, dim0, dim1)


class Narrow(Function):
    """out = x[start : start + length] along dim (a view: no copy)
    ∂L/∂x = zeros with grad placed at that slice along dim

    narrow's node is SliceBackward0; the pieces of ``split`` and ``chunk`` are such views too,
    whose nodes torch names SplitBackward0 or SplitWithSizesBackward0; ``output_nr`` numbers them."""

    is_view = True

    @staticmethod
    def one_of_several_views(backward_name="SliceBackward0", **options):
        """Whether the view is one piece of split/chunk: torch then refuses to record an in-place
        change of it (or of a view of it), ``autograd.inplace.check_not_a_piece``."""
        return backward_name != "SliceBackward0"

    def forward(self, x, dim, start, length, backward_name="SliceBackward0", output_nr=0):
        self.backward_name, self.input_shape = backward_name, x.shape
        self.key = (slice(None),) * dim + (slice(start, start + length),)
        return x[self.key]

    def backward(self, grad):
        grad_x = np.zeros(self.input_shape, dtype=grad.dtype)
        grad_x[self.key] = grad
        return grad_x


class Repeat(Function):
    """out = x tiled: repeats[d] copies of x side by side along each dim d
    ∂L/∂x = the sum of grad's tiles
    where repeats may be longer than x's shape: x then gets new leading dims of size 1 first

    The tiles of grad are found by a reshape that splits each dim of size r·n into (r, n):
    axis 2d then counts the tile and axis 2d + 1 the element within it; summing the tile axes
    adds every copy's gradient into the element it copied."""

    backward_name = "RepeatBackward0"

    def forward(self, x, repeats):
        if len(repeats) < x.ndim:
            raise RuntimeError(
                "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor"
            )
        self.input_shape, self.repeats = x.shape, repeats
        self.tiled_shape = (1,) * (len(repeats) - x.ndim) + x.shape  # x with the new leading dims
        out_shape = [r * n for r, n in zip(repeats, self.tiled_shape)]
        if any(n < 0 for n in out_shape):
            n = next(n for n in out_shape if n < 0)
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {out_shape}")
        return np.tile(x, repeats)

    def backward(self, grad):
        split = [n for r, size in zip(self.repeats, self.tiled_shape) for n in (r, size)]  # (r0, n0, r1, n1, ...)
        tiles = tuple(range(0, len(split), 2))
        return grad.reshape(split).sum(axis=tiles).reshape(self.input_shape)


class ToDtype(Function):
    """out = x converted to ``dtype``  ∂L/∂x = grad (the engine casts it back to x's dtype)"""

    backward_name = "ToCopyBackward0"
    keeps_layout = True

    def forward(self, x, dtype):
        return x.astype(dtype)

    def backward(self, grad):
        return grad


# -- the functions users call ---------------------------------------------------------------------


def reshape(input, shape):
    """A view when torch's reshape gives one (the memory order allows it), else a copy. As torch's,
    ``shape`` is one tuple or list (the method ``x.reshape(2, 3)`` also takes the sizes one by one)."""
    return Reshape.apply(input, shape=_sizes_argument(shape, "reshape", "shape"))


def view(input, *shape):
    """``reshape`` that must not copy: torch's error when the new shape cannot share x's memory,
    judged on the memory layout torch would have (``layout_in_torch``)."""
    shape = size_arguments(shape)
    trial = layout_in_torch(input)
    try:
        trial.shape = infer_shape(shape, trial.size)  # numpy refuses when the memory layout needs a copy
    except AttributeError:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension spans "
            "across two contiguous subspaces). Use .reshape(...) instead."
        ) from None
    return Reshape.apply(input, shape=shape)


def permute(input, dims):
    """As torch's: ``dims`` is one tuple or list (the method ``x.permute(1, 0)`` also takes them one by one)."""
    return Permute.apply(input, dims=_sizes_argument(dims, "permute", "dims"))


def _sizes_argument(sizes, function, name):
    """torch.reshape's shape and torch.permute's dims: one sequence of ints, torch's TypeError otherwise."""
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"{function}(): argument '{name}' (position 2) must be tuple of ints, not {type(sizes).__name__}")
    return tuple(sizes)


def transpose(input, dim0, dim1):
    return Transpose.apply(input, dim0=dim0, dim1=dim1)


def squeeze(input, dim=None):
    return Squeeze.apply(input, dim=dim)


def unsqueeze(input, dim):
    return Unsqueeze.apply(input, dim=dim)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim into one: a reshape."""
    if input.ndim == 0:
        return reshape(input, (1,))
    start, end = normalize_dim(start_dim, input.ndim), normalize_dim(end_dim, input.ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:  # nothing to merge: torch returns the input itself
        return input
    shape = input.shape
    return reshape(input, shape[:start] + (int(math.prod(shape[start : end + 1])),) + shape[end + 1 :])


def cat(tensors, dim=0):
    return Cat.apply(*tensors, dim=dim)


concat = concatenate = cat


def stack(tensors, dim=0):
    return Stack.apply(*tensors, dim=dim)


class _ConditionOnly:
    """The default of ``where``'s input and other: ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``."""

    def __repr__(self):
        return "<absent>"


_CONDITION_ONLY = _ConditionOnly()


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements (NaN is nonzero), in row-major order, as int64: one row
    per element (shape (count, input.ndim)), or with ``as_tuple`` one 1-D tensor per dim (a 0-d
    input counts as 1-D there). Not differentiable."""
    array = input._array
    if as_tuple:
        return tuple(function.Tensor._wrap(i.astype(np.int64)) for i in np.nonzero(np.atleast_1d(array)))
    return function.Tensor._wrap(np.argwhere(array).astype(np.int64))


def where(condition, input=_CONDITION_ONLY, other=_CONDITION_ONLY, *extra):
    """input where condition else other (elementwise, broadcast); ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``."""
    if extra:  # torch's words: its two forms take 1 or 3 (Python's would say "from 1 to 3")
        raise TypeError(f"where() takes 3 positional arguments but {3 + len(extra)} were given")
    if input is _CONDITION_ONLY and other is _CONDITION_ONLY:
        return nonzero(condition, as_tuple=True)
    if input is _CONDITION_ONLY or other is _CONDITION_ONLY:
        given = ", ".join(type(value).__name__ for value in (condition, input, other) if value is not _CONDITION_ONLY)
        raise TypeError(
            f"where() received an invalid combination of arguments - got ({given}), but expected one of:\n"
            " * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other)"
        )
    mask = condition._array if isinstance(condition, function.Tensor) else np.asarray(condition)
    if mask.dtype != np.bool_:
        raise RuntimeError(
            "where expected condition to be a boolean tensor, but got a tensor with dtype "
            f"{dtypes.from_numpy_dtype(mask.dtype).torch_name}"
        )
    out = Where.apply(input, other, condition=mask)
    record_elementwise_layout(out, (condition, input, other))  # torch's operands, the condition first
    return out


def clone(input):
    return Clone.apply(input)


def t(input):
    """``x.t()``: the transpose of a tensor with at most 2 dims (a 0-d or 1-d one is returned as a view)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return T.apply(input, dim0=0, dim1=1 if input.ndim == 2 else 0)


def t_(input):
    """``x.t_()``: x becomes its own transpose, in place (its memory stays; only the shape and the
    order of reading it change). Recorded as torch records it: x's node becomes TBackward1."""
    if input.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    base = input if input._base is None else input._base
    if grad_mode.is_grad_enabled() and input.requires_grad and input._base is not None:
        inplace.check_not_a_piece(input)  # a piece of split/chunk: torch refuses
    if grad_mode.is_grad_enabled() and input.requires_grad and base.grad_fn is None:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    options = dict(dim0=0, dim1=1 if input.ndim == 2 else 0, backward_name="TBackward1")
    transposed = layout_in_torch(input).T  # torch's strides, swapped with the dims
    result = T.apply(input, **options)
    input._array = result._array
    if input._base is None:
        input._torch_strides = None if transposed.flags.c_contiguous else strides_in_elements(transposed)
    else:  # a view: its chain of view ops now ends with the transpose
        input._view_steps = input._view_steps + ((T, options),)
    if result._grad_fn is not None:
        inplace.set_history(input, result._grad_fn)
    input._version_counter.value += 1
    if input._base is not None:
        input._view_version = input._version_counter.value  # its node is the one just made
    return input


def narrow(input, dim, start, length):
    """The view ``input[start : start + length]`` along ``dim``; a negative start counts from the end."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = normalize_dim(dim, input.ndim)
    start, length, size = int(start), int(length), input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    start = start + size if start < 0 else start
    if start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return Narrow.apply(input, dim=dim, start=start, length=length, backward_name="SliceBackward0")


def split(tensor, split_size_or_sections, dim=0):
    """Views of consecutive pieces along ``dim``: each ``split_size`` long (the last may be shorter),
    or as long as each entry of a list of sizes. Writes through a piece reach ``tensor``."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = normalize_dim(dim, tensor.ndim)
    size = tensor.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [_int_argument(n, "split_with_sizes", "split_sizes", "tuple of ints") for n in split_size_or_sections]
        if any(n < 0 for n in sizes):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={sizes}"
            )
        if sum(sizes) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
                f"{dim}), but got split_sizes={sizes}"
            )
        name = "SplitWithSizesBackward0"
    else:
        step = _int_argument(split_size_or_sections, "split_with_sizes", "split_sizes", "tuple of ints")
        if step < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={step}")
        if step == 0 and size != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        count = max(-(-size // step), 1) if step else 1  # ceil(size / step) pieces, at least one
        sizes, name = [min(step, size - i * step) for i in range(count)], "SplitBackward0"
    starts = np.cumsum([0] + sizes[:-1])
    return tuple(Narrow.apply(tensor, dim=dim, start=int(start), length=n, backward_name=name, output_nr=k)
                 for k, (start, n) in enumerate(zip(starts, sizes)))


def chunk(input, chunks, dim=0):
    """``chunks`` views along ``dim`` (fewer when they do not divide evenly), each ceil(size / chunks)
    long but the last: ``split(input, ceil(size / chunks), dim)``."""
    chunks = _int_argument(chunks, "chunk", "chunks", "int")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    size = input.shape[normalize_dim(dim, input.ndim)]
    if size == 0:  # as torch: `chunks` empty pieces
        return split(input, [0] * chunks, dim)
    return split(input, -(-size // chunks), dim)


def _int_argument(value, function_name, name, kind):
    """An int argument (a 0-d integer tensor too), or torch's TypeError."""
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise TypeError(f"{function_name}(): argument '{name}' (position 1) must be {kind}, not {type(value).__name__}")
    return int(value.__index__())


def repeat(input, *repeats):
    """``x.repeat(2, 3)`` or ``x.repeat((2, 3))``: x tiled (see ``Repeat``)."""
    if not repeats:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    return Repeat.apply(input, repeats=tuple(int(r) for r in size_arguments(repeats)))
