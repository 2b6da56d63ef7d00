"""The notebooks in examples/notebooks/ run from top to bottom in a real Jupyter kernel, headless,
without an error (nbclient, the kernel ``python3`` of this environment), and are stored without
outputs. Each notebook checks its own numbers (assertions in its cells): the loss lesson against
torch and finite differences, the backward pass against the trace, the training run its loss.

They need ``pip install nbclient ipykernel nbformat`` (in the ``test`` extra); the training
notebook needs scikit-learn and matplotlib. About 45 s for all three on two cores.
"""

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="running the notebooks needs nbformat: pip install nbformat")
nbclient = pytest.importorskip("nbclient", reason="running the notebooks needs nbclient: pip install nbclient")
pytest.importorskip("ipykernel", reason="running the notebooks needs a Jupyter kernel: pip install ipykernel")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
NEEDS = {"03_training.ipynb": ("sklearn", "matplotlib")}  # beyond minigrad and numpy


def test_there_are_notebooks():
    assert [path.name for path in NOTEBOOKS] == ["01_losses_by_hand.ipynb", "02_one_backward_pass.ipynb", "03_training.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs before committing"
    assert notebook.metadata.kernelspec.name == "python3"


def run(path, monkeypatch):
    """Execute the notebook in a fresh kernel, in its own folder, this checkout's minigrad first."""
    for module in NEEDS.get(path.name, ()):
        pytest.importorskip(module, reason=f"{path.name} needs {module}")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    errors = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"]
    assert not errors, errors
    return notebook


def outputs(notebook):
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]


def test_losses_by_hand(monkeypatch):
    text = "".join(o.get("text", "") for o in outputs(run(NOTEBOOKS[0], monkeypatch)) if o.output_type == "stream")
    for number in ("0.6667", "2.0000", "1.3333", "4.0000", "1.1019"):  # the tutorial's numbers
        assert f"minigrad        loss {number}" in text


def test_one_backward_pass_displays_inline(monkeypatch):
    shown = [o for o in outputs(run(NOTEBOOKS[1], monkeypatch)) if o.output_type in ("display_data", "execute_result")]
    data = [o.data for o in shown]
    graphs = [d for d in data if "minigrad.viz.Graph" in d.get("text/plain", "")]
    assert len(graphs) == 2  # the graph, then the graph with its gradients
    for graph in graphs:  # a picture with Graphviz's dot, else the DOT text
        assert "<svg" in graph.get("image/svg+xml", "") or "digraph backward_graph" in graph.get("text/markdown", "")
    tables = [d["text/html"] for d in data if "minigrad.autograd.trace" in d.get("text/plain", "")]
    assert len(tables) == 1 and tables[0].startswith("<table>") and "ConvolutionBackward0" in tables[0]


def test_training(monkeypatch):
    texts = [o.get("text", "") for o in outputs(run(NOTEBOOKS[2], monkeypatch)) if o.output_type == "stream"]
    assert any("235 steps in" in text for text in texts)
