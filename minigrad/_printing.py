"""``repr(tensor)`` in torch's format: ``tensor([1., 2., 3.])``, ``tensor(0.6667)``,
``tensor(1.1019, grad_fn=<NllLossBackward0>)``.

torch's rules: 4 decimals; floats that are all whole numbers print as ``1.``; scientific
notation when the largest/smallest nonzero magnitudes differ by over 1000×, exceed 1e8 or fall
below 1e-4; every element padded to one width; 80-character lines; tensors over 1000 elements
show 3 items at each edge around ``...``.
"""

import math

import numpy as np

from . import dtypes

LINE_WIDTH, PRECISION, THRESHOLD, EDGE_ITEMS = 80, 4, 1000, 3


class _Formatter:
    """Chooses one number format and width for every element shown."""

    def __init__(self, values):
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max([len(self._plain(v)) for v in flat.tolist()], default=1)
            return
        finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        if self.sci_mode:
            self.width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
        elif self.int_mode:
            self.width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            self.width = max(len(f"{v:.{PRECISION}f}") for v in finite.tolist())

    @staticmethod
    def _plain(value):
        return str(value)

    def format(self, value):
        if not self.floating:
            text = self._plain(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.width - len(text)) + text


def _summarized(values):
    """Only the elements that will be shown: EDGE_ITEMS at each end of every axis."""
    if values.ndim == 0:
        return values
    if values.shape[0] > 2 * EDGE_ITEMS:
        values = np.concatenate([values[:EDGE_ITEMS], values[-EDGE_ITEMS:]])
    if values.ndim == 1:
        return values
    return np.stack([_summarized(row) for row in values])


def _vector(values, indent, summarize, formatter):
    per_line = max(1, math.floor((LINE_WIDTH - indent) / (formatter.width + 2)))
    if summarize and values.shape[0] > 2 * EDGE_ITEMS:
        items = [formatter.format(v) for v in values[:EDGE_ITEMS].tolist()] + [" ..."]
        items += [formatter.format(v) for v in values[-EDGE_ITEMS:].tolist()]
    else:
        items = [formatter.format(v) for v in values.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(values, indent, summarize, formatter):
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _vector(values, indent, summarize, formatter)
    rows = range(values.shape[0])
    if summarize and values.shape[0] > 2 * EDGE_ITEMS:
        rows = [*range(EDGE_ITEMS), None, *range(values.shape[0] - EDGE_ITEMS, values.shape[0])]
    parts = ["..." if i is None else _nested(values[i], indent + 1, summarize, formatter) for i in rows]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def format_values(values, indent):
    """The bracketed numbers of an array, as torch prints them."""
    if values.size == 0:
        return "[]"
    summarize = values.size > THRESHOLD
    formatter = _Formatter(_summarized(values) if summarize else values)
    return _nested(values, indent, summarize, formatter)


def tensor_repr(tensor, prefix="tensor("):
    values = tensor._array
    indent = len(prefix)
    suffixes = []
    default = values.dtype in (dtypes.get_default_dtype().numpy, np.int64, np.bool_)
    if values.size == 0:
        if values.ndim != 1:
            suffixes.append(f"size={tuple(values.shape)}")
        if values.dtype != dtypes.get_default_dtype().numpy:
            suffixes.append(f"dtype={tensor.dtype}")
    elif not default:
        suffixes.append(f"dtype={tensor.dtype}")
    if tensor.grad_fn is not None:
        # torch prints its C++ nodes without their namespace: grad_fn=<CopySlices>
        suffixes.append(f"grad_fn=<{tensor.grad_fn.name().removeprefix('torch::autograd::')}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")

    text = prefix + format_values(values, indent)
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:  # a suffix that would overflow the line starts a new one
        # measured as torch spells it ("dtype=torch.float64" is 3 characters shorter than
        # ours), so that lines break exactly where torch's do
        width = len(suffix.replace("minigrad.", "torch."))
        if last_line + width + 2 > LINE_WIDTH:
            text += ",\n" + " " * indent + suffix
            last_line = indent + width
        else:
            text += ", " + suffix
            last_line += width + 2
    return text + ")"
