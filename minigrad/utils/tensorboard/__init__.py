"""Logging to TensorBoard, as ``torch.utils.tensorboard``: ``SummaryWriter``.

    from minigrad.utils.tensorboard import SummaryWriter

TensorBoard is an optional dependency of minigrad (the package itself needs only numpy):
``pip install tensorboard``, or ``pip install -e ".[examples]"`` for everything the examples use.

    writer.py    SummaryWriter and FileWriter: which record goes into which event file
    summary.py   the records: scalars, histograms, images (PNG), text
    graph.py     add_graph: the graph minigrad recorded, as TensorBoard's GraphDef
"""

try:
    import tensorboard
except ImportError:
    raise ImportError(
        "minigrad.utils.tensorboard needs the tensorboard package, which minigrad does not install by "
        'itself: `pip install tensorboard` (or `pip install -e ".[examples]"` in a minigrad checkout)'
    ) from None

if not hasattr(tensorboard, "__version__") or tuple(int(p) for p in tensorboard.__version__.split(".")[:2] if p.isdigit()) < (1, 15):
    raise ImportError("TensorBoard logging requires TensorBoard version 1.15 or above")
del tensorboard

from .writer import FileWriter, SummaryWriter  # noqa: E402  (after the check, for its message)

__all__ = ["FileWriter", "SummaryWriter"]
