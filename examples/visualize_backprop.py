"""Make backprop visible on the tutorial's CNN: draw its graph, then watch backward() run.

    python examples/visualize_backprop.py                              # docs/tutorial_cnn_graph.svg
    python examples/visualize_backprop.py --format png --out graph.png

1. One batch of random 32×32 colour images goes through the tutorial's network (``Tudui``,
   its layers in ``self.model1``) and CrossEntropyLoss, under ``minigrad.viz.record_modules``,
   which notes the layer whose forward made each node of the graph.
2. ``minigrad.autograd.trace`` records ``loss.backward()`` step by step: the gradient ∂L/∂out
   each node receives, the gradients ∂L/∂input it sends on (the chain rule, once per node), and
   the leaves where they end, added into each parameter's ``.grad``.
3. ``minigrad.viz.draw_graph`` writes the graph behind the loss, each layer framed and named as
   ``print(model)`` shows it, the images and targets as white boxes, each arrow labelled with
   the gradient that flowed along it: its Graphviz DOT text always (next to the picture, as
   ``.dot``), and the picture when Graphviz's ``dot`` program is installed
   (``apt-get install graphviz`` or ``brew install graphviz``).
"""

import argparse
from pathlib import Path

import minigrad
from minigrad import nn
from minigrad.viz import draw_graph, record_modules
from tutorial_model import tutorial_cnn  # the network, (B, 3, 32, 32) → (B, 10) class scores

ROOT = Path(__file__).resolve().parent.parent


class Tudui(nn.Module):
    """The tutorial's model class: its layers in ``self.model1``, so ``print(tudui)`` names them
    ``(model1): Sequential(... (7): Linear(...) ...)`` and the graph ``model1.7``."""

    def __init__(self):
        super().__init__()
        self.model1 = tutorial_cnn(nn)

    def forward(self, x):
        return self.model1(x)


def one_backward_pass(batch=4):
    """The forward pass recorded, the backward traced: ``(graph, steps, loss)``."""
    minigrad.manual_seed(0)
    tudui = Tudui()
    imgs = minigrad.randn(batch, 3, 32, 32)
    targets = minigrad.randint(0, 10, (batch,))
    loss_fn = nn.CrossEntropyLoss()
    with record_modules() as layers:  # which layer makes which node
        loss = loss_fn(tudui(imgs), targets)
    with minigrad.autograd.trace(modules=layers) as steps:
        loss.backward()
    graph = draw_graph(loss, modules=layers, trace=steps, named={"imgs": imgs, "targets": targets, "loss": loss})
    return graph, steps, loss


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="picture to write (default docs/tutorial_cnn_graph.FORMAT)")
    parser.add_argument("--format", default=None, help="svg (default), png, pdf, ...; the --out suffix if not given")
    parser.add_argument("--batch", type=int, default=4, help="images in the batch")
    args = parser.parse_args()
    fmt = args.format or (args.out.suffix.lstrip(".") if args.out and args.out.suffix else "svg")
    out = args.out or ROOT / "docs" / f"tutorial_cnn_graph.{fmt}"

    graph, steps, loss = one_backward_pass(args.batch)
    print(f"loss = {loss.item():.4f}; backward ran {len(steps.steps)} steps, from the loss back to the parameters:\n")
    print(steps)

    out.parent.mkdir(parents=True, exist_ok=True)
    dot_path = graph.save(out.with_suffix(".dot"))  # the text: needs nothing installed
    print(f"\ngraph (DOT text): {dot_path}")
    try:
        print(f"graph (picture):  {graph.render(out, format=fmt)}")
    except RuntimeError as error:  # Graphviz's dot missing: the DOT text is still there
        print(f"no picture: {error}")


if __name__ == "__main__":
    main()
