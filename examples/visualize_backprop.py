"""Make backprop visible on the tutorial's CNN: draw its graph, then watch backward() run.

    python examples/visualize_backprop.py                              # docs/tutorial_cnn_graph.svg
    python examples/visualize_backprop.py --format png --out graph.png

1. One batch of random 32×32 colour images goes through the network and CrossEntropyLoss.
2. ``minigrad.viz.draw_graph`` writes the graph behind the loss: its Graphviz DOT text always
   (next to the picture, as ``.dot``), and the picture when graphviz is installed
   (``pip install graphviz`` and ``apt-get install graphviz``).
3. ``minigrad.autograd.trace`` records ``loss.backward()`` step by step: the gradient ∂L/∂out
   each node receives, the gradients ∂L/∂input it sends on (the chain rule, once per node), and
   the leaves where they end, added into each parameter's ``.grad``.
"""

import argparse
from pathlib import Path

import minigrad
from minigrad import nn
from minigrad.viz import draw_graph
from tutorial_model import tutorial_cnn  # the network, (B, 3, 32, 32) → (B, 10) class scores

ROOT = Path(__file__).resolve().parent.parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="picture to write (default docs/tutorial_cnn_graph.FORMAT)")
    parser.add_argument("--format", default=None, help="svg (default), png, pdf, ...; the --out suffix if not given")
    parser.add_argument("--batch", type=int, default=4, help="images in the batch")
    args = parser.parse_args()
    fmt = args.format or (args.out.suffix.lstrip(".") if args.out and args.out.suffix else "svg")
    out = args.out or ROOT / "docs" / f"tutorial_cnn_graph.{fmt}"

    minigrad.manual_seed(0)
    model = tutorial_cnn(nn)
    params = dict(model.named_parameters())  # {"0.weight": ..., "0.bias": ..., ..., "8.bias": ...}
    images = minigrad.randn(args.batch, 3, 32, 32)
    labels = minigrad.randint(0, 10, (args.batch,))
    loss = nn.CrossEntropyLoss()(model(images), labels)

    out.parent.mkdir(parents=True, exist_ok=True)
    dot_path = out.with_suffix(".dot")
    draw_graph(loss, params=params, filename=dot_path)  # the text: needs nothing installed
    print(f"graph (DOT text): {dot_path}")
    try:
        draw_graph(loss, params=params, filename=out, format=fmt)
        print(f"graph (picture):  {out}")
    except (ImportError, RuntimeError) as error:  # graphviz missing: the DOT text is still there
        print(f"no picture: {error}")

    with minigrad.autograd.trace(params=params) as steps:
        loss.backward()
    print(f"\nloss = {loss.item():.4f}; backward ran {len(steps.steps)} steps, from the loss back to the parameters:\n")
    print(steps)


if __name__ == "__main__":
    main()
