"""A peak-memory probe that trains the tutorial's CNN (examples/tutorial_model.py) in either library.

Every function takes ``lib``: the ``minigrad`` module or the ``torch`` module. The two share an
API, so the same lines build, load and train the same network in either.

Run as a script, it is the probe that ``compare.py`` starts in a fresh subprocess for each
memory measurement: it imports ONLY the library it measures, reports its resident set after the
imports (the baseline: torch's own import costs far more than minigrad's), then trains a few
steps and reports the peak resident set (Linux's VmHWM). Output is one line of JSON.

    python benchmarks/tutorial_cnn.py --lib minigrad --batch 64 --steps 3
"""

import argparse
import importlib
import json
import sys
from pathlib import Path

import numpy as np

# compare.py and the probe run from a checkout: make ``import minigrad`` find the package, and
# ``import tutorial_model`` the network's one definition, in examples/
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
from tutorial_model import tutorial_cnn  # noqa: E402

IMAGE_SHAPE = (3, 32, 32)  # CIFAR-10-sized inputs
NUM_CLASSES = 10
LEARNING_RATE = 0.01


def load_same_weights(lib, model, seed, dtype):
    """Overwrite every parameter with values drawn from ``seed`` (torch's default init range).

    The values depend only on the seed and the parameter shapes, which the two libraries list in
    the same order, so a minigrad model and a torch model loaded with one seed are identical.
    """
    rng = np.random.default_rng(seed)
    fan_in = 1
    for p in model.parameters():  # weight, bias, weight, bias, ...
        if p.dim() > 1:
            fan_in = int(np.prod(p.shape[1:]))  # a bias uses its layer's weight's fan-in
        bound = 1 / np.sqrt(fan_in)
        values = rng.uniform(-bound, bound, tuple(p.shape)).astype(dtype)
        with lib.no_grad():
            p.copy_(lib.tensor(values))
    return model


def random_batch(batch, seed, dtype):
    """Images ~ N(0, 1) and integer class labels, as numpy arrays."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batch, *IMAGE_SHAPE)).astype(dtype)
    labels = rng.integers(0, NUM_CLASSES, batch)
    return images, labels


def sgd_step(lib, model, optimizer, images, labels):
    """One full training step: zero_grad, forward, cross-entropy loss, backward, step."""
    optimizer.zero_grad()
    loss = lib.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss


# -- the memory probe ---------------------------------------------------------------------------


def process_status_mib(field):
    """A memory figure of this process from Linux's /proc/self/status, in MiB.

    VmRSS is the resident set now; VmHWM its peak so far ("high water mark"). Not
    ``resource.getrusage().ru_maxrss``: Linux carries that over from the parent across
    fork + exec, so a probe started by a big parent would report the parent's size.
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # the file gives kB
    raise RuntimeError(f"no {field} in /proc/self/status: the memory probe needs Linux")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=["minigrad", "torch"], required=True)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--threads", type=int, default=None, help="set_num_threads (default: the library's own)")
    args = parser.parse_args()

    # BLAS and OpenMP thread counts come from the environment (OMP_NUM_THREADS, ...) that compare.py sets
    lib = importlib.import_module(args.lib)
    if args.threads is not None:
        lib.set_num_threads(args.threads)
    baseline = process_status_mib("VmRSS")

    dtype = np.dtype(args.dtype)
    lib.set_default_dtype(getattr(lib, args.dtype))
    model = load_same_weights(lib, tutorial_cnn(lib.nn), seed=0, dtype=dtype)
    optimizer = lib.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    images, labels = random_batch(args.batch, seed=1, dtype=dtype)
    images, labels = lib.tensor(images), lib.tensor(labels)
    for _ in range(args.steps):
        loss = sgd_step(lib, model, optimizer, images, labels)

    print(json.dumps(dict(lib=args.lib, batch=args.batch, steps=args.steps, baseline_rss_mib=baseline,
                          peak_rss_mib=process_status_mib("VmHWM"), final_loss=float(loss.item()))))


if __name__ == "__main__":
    main()
