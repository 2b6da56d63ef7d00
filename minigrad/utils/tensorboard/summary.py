"""One TensorBoard record per call: values in, a ``Summary`` protocol buffer out.

Everything here works on numpy arrays; ``to_numpy`` is the one place where minigrad tensors,
torch tensors, numpy arrays and Python numbers come in. The records are the ones
``torch.utils.tensorboard`` writes, so TensorBoard shows both alike:

    scalar      a number                    -> Summary.Value.simple_value
    histogram   any array                   -> a HistogramProto (counts per bucket)
    image       an image or a batch         -> a PNG in Summary.Image (a batch becomes a grid)
    text        a string (Markdown)         -> a DT_STRING tensor for the text plugin
"""

import struct
import zlib

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.plugins.text.plugin_data_pb2 import TextPluginData

from ..._interop import is_torch_tensor
from ...tensor import Tensor


def to_numpy(value):
    """The numpy array behind ``value``, as torch's writer reads its inputs: an array stays itself,
    a number becomes a 1-element array, a tensor (minigrad's or torch's, on any device) is detached
    and copied to the CPU. Anything else is torch's NotImplementedError."""
    if isinstance(value, np.ndarray):
        return value
    if np.isscalar(value):
        return np.array([value])
    if isinstance(value, Tensor):
        return value.detach().numpy()
    if is_torch_tensor(value):
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":  # numpy has no bfloat16; torch's writer goes through float16
            value = value.half()
        return value.numpy()
    raise NotImplementedError(
        f"Got {type(value)}, but numpy array, minigrad tensor or torch tensor are expected."
    )


# -- scalars ---------------------------------------------------------------------------------------


def scalar(tag, value, new_style=False, double_precision=False):
    """One number. Old style (the default) stores it as ``simple_value`` (a float32); new style as a
    1-element tensor for the scalars plugin, float32 or, with ``double_precision``, float64."""
    array = to_numpy(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(
            f"Tensor should contain one element (0 dimensions). Was given size: {array.size} "
            f"and {array.ndim} dimensions."
        )
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=tag, simple_value=number)])
    if double_precision:
        tensor = TensorProto(double_val=[number], dtype="DT_DOUBLE")
    else:
        tensor = TensorProto(float_val=[number], dtype="DT_FLOAT")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=tag, tensor=tensor, metadata=metadata)])


# -- histograms ------------------------------------------------------------------------------------


def default_bins():
    """TensorBoard's bucket edges: ±1e-12 · 1.1ᵏ up to 1e20, and 0 (the ``bins="tensorflow"`` choice)."""
    edges, edge = [], 1e-12
    while edge < 1e20:
        edges.append(edge)
        edge *= 1.1
    return [-e for e in reversed(edges)] + [0] + edges


def histogram_proto(values, bins, max_bins=None):
    """Count ``values`` into ``bins`` (anything ``np.histogram`` takes) as a HistogramProto.

    TensorBoard stores only each bucket's right edge, so the buckets kept are those from the
    first to the last non-empty one, plus one empty bucket on the left whose right edge is where
    the data starts. ``max_bins`` first merges groups of ``len(counts) // max_bins`` neighbouring
    buckets (the last group padded with empty ones): about ``max_bins`` remain, as in torch's
    writer, which may leave a few more (19 buckets, max_bins 8: groups of 2, 10 buckets).
    """
    values = values.reshape(-1)
    if values.size == 0:
        raise ValueError("The input has no element.")
    counts, edges = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        group = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=1)
        edges = np.append(edges[:-1:group], edges[-1])  # each group's left edge, then the last edge
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError("The histogram is empty, please file a bug report.")
    start, end = filled[0], filled[-1] + 1  # the non-empty buckets are counts[start:end]
    if start > 0:
        counts = counts[start - 1 : end]  # the bucket left of the data is empty: keep it as the left edge
    else:
        counts = np.concatenate([[0], counts[:end]])
    edges = edges[start : end + 1]  # right edges of the buckets kept
    return HistogramProto(
        min=values.min(),
        max=values.max(),
        num=len(values),
        sum=values.sum(),
        sum_squares=values.dot(values),
        bucket_limit=edges.tolist(),
        bucket=counts.tolist(),
    )


def histogram(tag, values, bins, max_bins=None):
    """A histogram of ``values`` (counted in float64)."""
    values = to_numpy(values).astype(float)
    return Summary(value=[Summary.Value(tag=tag, histo=histogram_proto(values, bins, max_bins))])


# -- images ----------------------------------------------------------------------------------------


def image_grid(images, ncols=8):
    """A batch (N, C, H, W), C 1 or 3, tiled into one (3, rows·H, cols·W) picture, 8 per row."""
    if images.shape[1] == 1:
        images = np.concatenate([images] * 3, axis=1)  # grey -> RGB
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    count, _, height, width = images.shape
    ncols = min(count, ncols)
    nrows = -(-count // ncols) if count else 0
    canvas = np.zeros((3, height * nrows, width * ncols), dtype=images.dtype)
    for i in range(count):
        row, col = divmod(i, ncols)
        canvas[:, row * height : (row + 1) * height, col * width : (col + 1) * width] = images[i]
    return canvas


def to_hwc(array, dataformats):
    """``array`` laid out as ``dataformats`` says (N, C, H, W in any order, or CHW, HWC, HW) -> (H, W, C).

    A batch becomes a grid (``image_grid``); one grey channel, or no channel axis, becomes RGB.
    """
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(
            f"size of input tensor and input format are different. tensor shape: {array.shape}, "
            f"input_format: {dataformats}"
        )
    dataformats = dataformats.upper()
    if len(dataformats) == 4:
        nchw = array.transpose([dataformats.find(c) for c in "NCHW"])
        return image_grid(nchw).transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc
    if len(dataformats) == 2:
        return np.stack([array.transpose([dataformats.find(c) for c in "HW"])] * 3, axis=2)
    raise ValueError(f"dataformats must name 2, 3 or 4 axes (HW, CHW, NCHW, ...), got {dataformats!r}")


def encode_png(pixels):
    """(H, W, C) uint8 pixels, C = 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA), as PNG bytes.

    A PNG is a signature and three chunks: IHDR (size, 8 bits per sample, colour type), IDAT (the
    rows, each after a filter-type byte 0 = "no filter", zlib-compressed) and IEND. Lossless, so a
    reader gets back exactly these pixels.
    """
    height, width, channels = pixels.shape
    if height == 0 or width == 0:
        raise ValueError(f"cannot encode an empty image of size {height}x{width} as PNG")
    colour_type = {1: 0, 2: 4, 3: 2, 4: 6}.get(channels)
    if colour_type is None:
        raise ValueError(f"an image needs 1, 3 or 4 channels (grey, RGB, RGBA), got {channels}")
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # column 0: the filter byte
    rows[:, 1:] = pixels.reshape(height, width * channels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes())) + chunk(b"IEND", b"")


def image(tag, img, dataformats="NCHW"):
    """An image (or a batch, as one grid) as PNG. uint8 values are taken as they are; any other
    dtype is taken to be in [0, 1] and scaled by 255, then everything is clipped to [0, 255]."""
    pixels = to_hwc(to_numpy(img), dataformats)
    scale = 1 if pixels.dtype == np.uint8 else 255
    pixels = (pixels.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)
    height, width, channels = pixels.shape
    picture = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encode_png(pixels))
    return Summary(value=[Summary.Value(tag=tag, image=picture)])


# -- text ------------------------------------------------------------------------------------------


def text(tag, string):
    """A string for the text plugin (rendered as Markdown), under ``<tag>/text_summary``."""
    plugin = SummaryMetadata.PluginData(plugin_name="text", content=TextPluginData(version=0).SerializeToString())
    tensor = TensorProto(
        dtype="DT_STRING",
        string_val=[string.encode("utf_8")],
        tensor_shape=TensorShapeProto(dim=[TensorShapeProto.Dim(size=1)]),
    )
    value = Summary.Value(tag=tag + "/text_summary", metadata=SummaryMetadata(plugin_data=plugin), tensor=tensor)
    return Summary(value=[value])
