"""minigrad.utils.tensorboard.SummaryWriter against torch.utils.tensorboard.SummaryWriter.

Both write event files; we read them back with TensorBoard's own EventAccumulator and compare
tags, steps and values (scalars), decoded pixels (images), bucket counts (histograms), strings
(text), and the nodes of add_graph's GraphDef. Skipped when tensorboard is not installed.
"""

import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

pytest.importorskip("tensorboard")

import torch  # noqa: E402
from PIL import Image  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402
from torch.utils.tensorboard import SummaryWriter as TorchWriter  # noqa: E402
from torch.utils.tensorboard import summary as torch_summary  # noqa: E402

import minigrad  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402
from minigrad.utils.tensorboard import summary  # noqa: E402
from minigrad.utils.tensorboard.graph import model_graph  # noqa: E402

EVERYTHING = {"scalars": 0, "images": 0, "histograms": 0, "tensors": 0}  # 0: keep every event


def read(log_dir):
    """The events of the run in ``log_dir``, loaded by TensorBoard's reader."""
    accumulator = EventAccumulator(str(log_dir), size_guidance=EVERYTHING)
    accumulator.Reload()
    return accumulator


def scalars(run, tag):
    return [(e.step, e.value) for e in run.Scalars(tag)]


def pixels(encoded):
    return np.asarray(Image.open(io.BytesIO(encoded)))


class Tudui(nn.Module):
    """The series' CIFAR-10 network, as the lessons write it."""

    def __init__(self):
        super().__init__()
        self.model1 = nn.Sequential(
            nn.Conv2d(3, 32, 5, padding=2), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 5, padding=2), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1024, 64), nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.model1(x)


# -- scalars ---------------------------------------------------------------------------------------


def test_scalars_every_kind_of_number_as_torch(tmp_path):
    # what a training loop hands add_scalar: numbers, loss tensors (requiring grad), .item(),
    # accuracy counts divided by a size, numpy numbers, torch tensors
    loss = (minigrad.tensor([1.0, 2.0], requires_grad=True) * 3).sum()
    values = [2.5, 7, minigrad.tensor(0.25), minigrad.tensor([1.5]), loss, minigrad.tensor(3) / 4,
              np.float32(0.1), np.array(0.75), torch.tensor(1.25), True]
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        for step, value in enumerate(values):
            mg.add_scalar("train_loss", value, step)
            tw.add_scalar("train_loss", value.detach().numpy() if isinstance(value, minigrad.Tensor) else value, step)
        mg.add_scalar("y=2x", 4, global_step=np.int64(2))
        tw.add_scalar("y=2x", 4, global_step=np.int64(2))
    ours, theirs = read(tmp_path / "mg"), read(tmp_path / "torch")
    assert ours.Tags()["scalars"] == theirs.Tags()["scalars"] == ["train_loss", "y=2x"]
    assert scalars(ours, "train_loss") == scalars(theirs, "train_loss")
    assert [v for _, v in scalars(ours, "train_loss")] == pytest.approx([2.5, 7, 0.25, 1.5, 9, 0.75, 0.1, 0.75, 1.25, 1])
    assert scalars(ours, "y=2x") == [(2, 4.0)]


def test_new_style_scalars_as_torch(tmp_path):
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        for writer in (mg, tw):
            writer.add_scalar("f32", 1 / 3, 0, new_style=True)
            writer.add_scalar("f64", 1 / 3, 0, new_style=True, double_precision=True)
    ours, theirs = read(tmp_path / "mg"), read(tmp_path / "torch")
    for tag in ("f32", "f64"):
        a, b = ours.Tensors(tag)[0].tensor_proto, theirs.Tensors(tag)[0].tensor_proto
        assert a == b


def test_add_scalars_one_run_per_tag_as_torch(tmp_path):
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        for step in range(3):
            mg.add_scalars("run/14h", {"xsinx": minigrad.tensor(step * 0.5), "tanx": step}, step)
            tw.add_scalars("run/14h", {"xsinx": step * 0.5, "tanx": step}, step)
    def folders(path):
        return sorted(p.name for p in path.iterdir() if p.is_dir())

    assert folders(tmp_path / "mg") == folders(tmp_path / "torch") == ["run_14h_tanx", "run_14h_xsinx"]
    for run in ("run_14h_xsinx", "run_14h_tanx"):
        ours, theirs = read(tmp_path / "mg" / run), read(tmp_path / "torch" / run)
        assert ours.Tags()["scalars"] == ["run/14h"]
        assert scalars(ours, "run/14h") == scalars(theirs, "run/14h")


@pytest.mark.parametrize("value", [[1.0], minigrad.ones(2), "abc"])
def test_bad_scalars_raise_as_torch(tmp_path, value):
    torch_value = torch.ones(2) if isinstance(value, minigrad.Tensor) else value
    with pytest.raises(Exception) as theirs:
        torch_summary.scalar("x", torch_value)
    with pytest.raises(theirs.type):
        summary.scalar("x", value)


# -- images ----------------------------------------------------------------------------------------

FORMATS = {4: ["NCHW", "NHWC"], 3: ["CHW", "HWC"], 2: ["HW"]}


@st.composite
def images(draw):
    ndim = draw(st.sampled_from([2, 3, 4]))
    dataformats = draw(st.sampled_from(FORMATS[ndim]))
    sizes = {"N": draw(st.integers(1, 10)), "C": draw(st.sampled_from([1, 3] + ([4] if ndim == 3 else []))),
             "H": draw(st.integers(1, 6)), "W": draw(st.integers(1, 6))}
    dtype = draw(st.sampled_from([np.float32, np.float64, np.uint8]))
    elements = st.integers(0, 255) if dtype == np.uint8 else st.floats(-0.5, 1.5, width=32)
    array = draw(hnp.arrays(dtype, [sizes[c] for c in dataformats], elements=elements))
    return array, dataformats


@given(images())
@example((np.array([[[0.0, 0.5, 1.0, 1 / 255, 254.5 / 255, 2.0, -1.0]]], np.float32), "CHW"))  # rounding, clipping
def test_image_pixels_as_torch(case):
    array, dataformats = case
    ours = summary.image("img", minigrad.tensor(array), dataformats=dataformats).value[0].image
    theirs = torch_summary.image("img", torch.tensor(array), dataformats=dataformats).value[0].image
    assert (ours.height, ours.width, ours.colorspace) == (theirs.height, theirs.width, theirs.colorspace)
    np.testing.assert_array_equal(pixels(ours.encoded_image_string), pixels(theirs.encoded_image_string))


def test_add_image_and_add_images_read_back(tmp_path):
    rng = np.random.default_rng(0)
    batch = rng.random((10, 3, 4, 5)).astype(np.float32)  # 10 images: a grid of 8 + 2, as torch lays it
    picture = (rng.random((4, 5, 3)) * 255).astype(np.uint8)
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        mg.add_images("test_data", minigrad.tensor(batch), 0)
        tw.add_images("test_data", torch.tensor(batch), 0)
        mg.add_images("nhwc", batch.transpose(0, 2, 3, 1), 1, dataformats="NHWC")
        tw.add_images("nhwc", batch.transpose(0, 2, 3, 1), 1, dataformats="NHWC")
        mg.add_image("picture", picture, 2, dataformats="HWC")
        tw.add_image("picture", picture, 2, dataformats="HWC")
        mg.add_image("from_torch", torch.tensor(batch[0]), 3)  # a ToTensor() image, CHW
        tw.add_image("from_torch", torch.tensor(batch[0]), 3)
    ours, theirs = read(tmp_path / "mg"), read(tmp_path / "torch")
    assert ours.Tags()["images"] == theirs.Tags()["images"] == ["test_data", "nhwc", "picture", "from_torch"]
    for tag in ours.Tags()["images"]:
        (a,), (b,) = ours.Images(tag), theirs.Images(tag)
        assert (a.step, a.width, a.height) == (b.step, b.width, b.height)
        np.testing.assert_array_equal(pixels(a.encoded_image_string), pixels(b.encoded_image_string))
    (grid,) = ours.Images("test_data")
    assert (grid.height, grid.width) == (2 * 4, 8 * 5)
    np.testing.assert_array_equal(pixels(grid.encoded_image_string)[4:8, 5:10], (batch[9] * 255).astype(np.uint8).transpose(1, 2, 0))
    np.testing.assert_array_equal(pixels(ours.Images("picture")[0].encoded_image_string), picture)


def test_bad_images_raise_as_torch():
    for array, dataformats in [(np.zeros((2, 3, 3)), "CHWN"), (np.zeros((3, 4, 4)), "CCW"), (np.zeros((2, 2, 4, 4)), "NCHW")]:
        with pytest.raises(Exception) as theirs:
            torch_summary.image("x", array, dataformats=dataformats)
        with pytest.raises(theirs.type):
            summary.image("x", array, dataformats=dataformats)


# -- histograms ------------------------------------------------------------------------------------


@given(
    hnp.arrays(np.float64, st.integers(1, 60), elements=st.floats(-1e3, 1e3) | st.sampled_from([0.0, 1e-15, 5.0])),
    # not "auto"/"fd": on data like [0, 1e-15, 1] their bin width asks numpy for petabytes (as in torch)
    st.sampled_from(["tensorflow", "sturges", "sqrt", 1, 7, 30]),
    st.sampled_from([None, 1, 3, 10]),
)
@example(np.zeros(5), "tensorflow", None)
@example(np.array([1.0, 1.0, 2.0]), 7, 3)
def test_histogram_as_torch(values, bins, max_bins):
    edges = summary.default_bins() if bins == "tensorflow" else bins
    ours = summary.histogram("h", minigrad.tensor(values), edges, max_bins=max_bins).value[0].histo
    theirs = torch_summary.histogram("h", torch.tensor(values), edges, max_bins=max_bins).value[0].histo
    assert ours == theirs


def test_add_histogram_read_back(tmp_path):
    weights = np.random.default_rng(1).normal(size=1000).astype(np.float32)
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        for step in range(2):
            mg.add_histogram("conv1.weight", minigrad.tensor(weights * (step + 1)), step)
            tw.add_histogram("conv1.weight", torch.tensor(weights * (step + 1)), step)
        mg.add_histogram("auto", weights, 5, bins="auto", max_bins=8)
        tw.add_histogram("auto", weights, 5, bins="auto", max_bins=8)
        mg.add_histogram_raw("raw", 0, 3, 4, 6, 14, [1, 2, 3], [1, 1, 2], global_step=0)
        tw.add_histogram_raw("raw", 0, 3, 4, 6, 14, [1, 2, 3], [1, 1, 2], global_step=0)
    ours, theirs = read(tmp_path / "mg"), read(tmp_path / "torch")
    assert ours.Tags()["histograms"] == theirs.Tags()["histograms"] == ["conv1.weight", "auto", "raw"]
    for tag in ours.Tags()["histograms"]:
        assert [(e.step, e.histogram_value) for e in ours.Histograms(tag)] == [
            (e.step, e.histogram_value) for e in theirs.Histograms(tag)
        ]
    first = ours.Histograms("conv1.weight")[0].histogram_value
    assert sum(first.bucket) == first.num == 1000
    # max_bins=8 merges groups of (bins // 8) neighbours: fewer buckets, though (as in torch) not always 8
    assert len(ours.Histograms("auto")[0].histogram_value.bucket) < len(np.histogram(weights, "auto")[0])
    with pytest.raises(ValueError, match="no element"):
        mg.add_histogram("empty", np.zeros(0))


# -- text ------------------------------------------------------------------------------------------


def test_add_text_read_back(tmp_path):
    with SummaryWriter(tmp_path / "mg") as mg, TorchWriter(tmp_path / "torch") as tw:
        for writer in (mg, tw):
            writer.add_text("notes", "**lr** = 0.01, épochs: 2", 3)
    ours, theirs = read(tmp_path / "mg"), read(tmp_path / "torch")
    assert ours.Tags()["tensors"] == theirs.Tags()["tensors"] == ["notes/text_summary"]
    (a,), (b,) = ours.Tensors("notes/text_summary"), theirs.Tensors("notes/text_summary")
    assert a.step == b.step == 3 and a.tensor_proto == b.tensor_proto
    assert a.tensor_proto.string_val[0].decode() == "**lr** = 0.01, épochs: 2"
    assert ours.summary_metadata["notes/text_summary"].plugin_data.plugin_name == "text"


# -- graph -----------------------------------------------------------------------------------------


def graph_nodes(log_dir):
    return {node.name: node for node in read(log_dir).Graph().node}


def shape_of(node):
    return [d.size for d in node.attr["_output_shapes"].list.shape[0].dim]


def test_add_graph_of_the_tutorial_cnn(tmp_path):
    model = Tudui()
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(model, minigrad.ones(64, 3, 32, 32))
    nodes = graph_nodes(tmp_path)
    ops = [node.op for node in nodes.values()]
    assert ops.count("ConvolutionBackward0") == 3
    assert ops.count("MaxPool2DWithIndicesBackward0") == 3
    assert ops.count("AddmmBackward0") == 2  # the Linear layers, as torch names their nodes
    # parameters by module path, as torch's tracer scopes them
    for name, param in model.named_parameters():
        layer, attribute = name.rsplit(".", 1)
        kind = "Conv2d" if param.ndim == 4 or layer in ("model1.0", "model1.2", "model1.4") else "Linear"
        node = nodes[f"Tudui/Sequential[model1]/{kind}[{layer.split('.')[1]}]/{attribute}"]
        assert node.op == "Parameter" and shape_of(node) == list(param.shape)
    assert shape_of(nodes["input/x"]) == [64, 3, 32, 32]
    assert shape_of(nodes["output/output.1"]) == [64, 10]
    # edges: input -> first conv -> ... -> last linear -> output
    first_conv = next(n for n in nodes.values() if n.op == "ConvolutionBackward0" and "input/x" in n.input)
    assert "Conv2d[0]/weight" in " ".join(first_conv.input) and shape_of(first_conv) == [64, 32, 32, 32]
    (last,) = nodes["output/output.1"].input
    assert nodes[last].op == "AddmmBackward0" and "Tudui/Sequential[model1]/Linear[8]/bias" in nodes[last].input
    for node in nodes.values():  # every edge points at a node that exists
        assert all(source in nodes for source in node.input), node.name
    assert model.training  # eval during the run, restored after


def test_add_graph_scopes_every_op_under_its_module(tmp_path):
    # the module forward hooks tell which layer made each node: pooling and flatten included
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(Tudui(), minigrad.ones(2, 3, 32, 32))
    ops = {name: node.op for name, node in graph_nodes(tmp_path).items() if node.op not in ("Parameter", "IO Node")}
    assert ops == {
        "Tudui/Sequential[model1]/Conv2d[0]/ConvolutionBackward0": "ConvolutionBackward0",
        "Tudui/Sequential[model1]/MaxPool2d[1]/MaxPool2DWithIndicesBackward0": "MaxPool2DWithIndicesBackward0",
        "Tudui/Sequential[model1]/Conv2d[2]/ConvolutionBackward0": "ConvolutionBackward0",
        "Tudui/Sequential[model1]/MaxPool2d[3]/MaxPool2DWithIndicesBackward0": "MaxPool2DWithIndicesBackward0",
        "Tudui/Sequential[model1]/Conv2d[4]/ConvolutionBackward0": "ConvolutionBackward0",
        "Tudui/Sequential[model1]/MaxPool2d[5]/MaxPool2DWithIndicesBackward0": "MaxPool2DWithIndicesBackward0",
        "Tudui/Sequential[model1]/Flatten[6]/ViewBackward0": "ViewBackward0",
        "Tudui/Sequential[model1]/Linear[7]/AddmmBackward0": "AddmmBackward0",
        "Tudui/Sequential[model1]/Linear[8]/AddmmBackward0": "AddmmBackward0",
    }


class TwoInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(3, 2)

    def forward(self, a, b):
        return self.linear(a * 2 + b), a  # ops on the inputs before any parameter; an input returned as is


@pytest.mark.parametrize("convert", [lambda a: minigrad.tensor(a), torch.tensor, lambda a: a], ids=["minigrad", "torch", "numpy"])
def test_add_graph_inputs_of_every_kind(tmp_path, convert):
    a, b = np.ones((4, 3), np.float32), np.zeros((4, 3), np.float32)
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(TwoInputs(), (convert(a), convert(b)))
    nodes = graph_nodes(tmp_path)
    mul = next(n for n in nodes.values() if n.op == "MulBackward0")
    add = next(n for n in nodes.values() if n.op == "AddBackward0")
    assert mul.input == ["input/a"] and add.input == [mul.name, "input/b"]
    assert nodes["output/output.2"].input == ["input/a"]
    assert shape_of(nodes["output/output.1"]) == [4, 2]


def test_add_graph_refuses_a_torch_model(tmp_path):
    with SummaryWriter(tmp_path) as writer, pytest.raises(TypeError, match="minigrad nn.Module.*torch.utils.tensorboard"):
        writer.add_graph(torch.nn.Linear(2, 2), torch.ones(1, 2))


def test_graph_is_what_torch_writes_around_it():
    graph, run_metadata = model_graph(TwoInputs(), (minigrad.ones(1, 3), minigrad.ones(1, 3)))
    assert graph.versions.producer == 22
    assert run_metadata.step_stats.dev_stats[0].device == "/device:CPU:0"


# -- the writer itself -----------------------------------------------------------------------------


def test_default_log_dir_as_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with SummaryWriter(comment="_lr0.1") as writer:
        log_dir = Path(writer.get_logdir())
    assert log_dir.parent == Path("runs") and log_dir.is_dir()
    assert log_dir.name.endswith("_" + socket.gethostname() + "_lr0.1")
    with TorchWriter(comment="_lr0.1") as theirs:
        assert len(log_dir.name) == len(Path(theirs.get_logdir()).name)  # same pattern: MonDD_HH-MM-SS_host


def test_close_flush_and_reopen(tmp_path):
    writer = SummaryWriter(tmp_path, filename_suffix=".mg")
    writer.add_scalar("a", 1, 0)
    writer.flush()
    assert scalars(read(tmp_path), "a") == [(0, 1.0)]
    writer.close()
    writer.close()  # twice: nothing happens
    writer.add_scalar("a", 2, 1)  # after close: a new event file in the same folder
    writer.close()
    files = sorted(os.listdir(tmp_path))
    assert len(files) == 2 and all(name.endswith(".mg") for name in files)
    assert scalars(read(tmp_path), "a") == [(0, 1.0), (1, 2.0)]


def test_purge_step_as_torch(tmp_path):
    for name, Writer in (("mg", SummaryWriter), ("torch", TorchWriter)):
        with Writer(tmp_path / name) as writer:
            for step in range(4):
                writer.add_scalar("loss", step, step)
        with Writer(tmp_path / name, purge_step=2) as writer:
            writer.add_scalar("loss", 20, 2)
    assert scalars(read(tmp_path / "mg"), "loss") == scalars(read(tmp_path / "torch"), "loss") == [(0, 0), (1, 1), (2, 20)]


def test_unsupported_values_raise_as_torch():
    with pytest.raises(NotImplementedError, match="minigrad tensor"):
        summary.to_numpy([1.0, 2.0])


def test_tensorboard_stays_optional():
    # `import minigrad` never imports tensorboard; without it the writer's import says what to install
    code = (
        "import sys; import minigrad, minigrad.utils; assert 'tensorboard' not in sys.modules\n"
        "sys.modules['tensorboard'] = None\n"
        "try:\n    import minigrad.utils.tensorboard\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install tensorboard" in out and "[examples]" in out
