"""Train the tutorial's CIFAR-10 network end to end, on minigrad or on PyTorch, with one code path.

    python examples/train_cifar.py --engine minigrad --dataset digits --epochs 3
    python examples/train_cifar.py --engine torch --device cuda --epochs 10
    torchrun --nproc_per_node=2 examples/train_cifar.py --engine torch --dataset digits

The *engine* is a module with PyTorch's API: ``torch`` itself, or ``minigrad``. Everything below
is written against it as ``lib`` (``lib.nn``, ``lib.optim``, ``lib.utils.data``, ``lib.no_grad``,
``lib.save``, ...), so one model definition and one training loop serve both.

Each epoch: a pass over the training set (SGD, a tqdm bar showing the running
loss), then the test loss and accuracy. After each epoch ``--out-dir`` gets ``log.json`` (the
arguments and one record per epoch), ``training.png`` (loss and accuracy curves) and
``checkpoint.pt`` (model, optimizer, epoch, random-number state). ``--resume`` continues from
that checkpoint and ends with exactly the weights an uninterrupted run would have.

Under ``torchrun`` (torch engine only) each process trains a replica with DistributedDataParallel
on its share of every epoch (DistributedSampler); gradients are averaged, so all replicas hold
the same weights. ``--batch-size`` is then per process. Each rank writes its final parameters
to ``final_params_rank<r>.npz`` so you can check they agree.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
from tqdm import tqdm

EXAMPLES = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [EXAMPLES, os.path.dirname(EXAMPLES)]  # this folder's modules, and minigrad from the checkout
from datasets import DatasetUnavailable, cifar10, digits_arrays  # noqa: E402
from tutorial_model import tutorial_cnn  # noqa: E402

CHECKPOINT = "checkpoint.pt"


def fail(message):
    """Stop with a one-line message and exit status 1 (no traceback: the user did nothing wrong in Python)."""
    raise SystemExit(f"train_cifar.py: error: {message}")


# -- command line ------------------------------------------------------------------------------------


def positive(kind):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    parse.__name__ = f"positive {kind.__name__}"
    return parse


def non_negative_float(text):
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, except where there is none to show."""

    def _get_help_string(self, action):
        return action.help if action.default in (None, False) else super()._get_help_string(action)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0], formatter_class=HelpFormatter)
    parser.add_argument("--engine", choices=["minigrad", "torch"], default="minigrad", help="the autograd library to train with")
    parser.add_argument("--dataset", choices=["cifar10", "digits"], default="cifar10",
                        help="cifar10 (torchvision, downloaded into --data-dir) or digits (scikit-learn's 8x8 digits "
                             "upsampled to 3x32x32; offline)")
    parser.add_argument("--epochs", type=positive(int), default=10, help="total number of epochs (a resumed run counts the ones done)")
    parser.add_argument("--batch-size", type=positive(int), default=64, help="images per step (per process under torchrun)")
    parser.add_argument("--lr", type=positive(float), default=0.01, help="SGD learning rate (the tutorial's 0.01)")
    parser.add_argument("--momentum", type=non_negative_float, default=0.0,
                        help="SGD momentum: 0 is the tutorial's plain SGD; 0.9 learns several times faster")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu", help="cuda needs --engine torch and a GPU")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="of the weights and images")
    parser.add_argument("--limit", type=positive(int), default=None, help="train on the first N training images only")
    parser.add_argument("--test-limit", type=positive(int), default=None, help="test on the first N test images only")
    parser.add_argument("--data-dir", default="data", help="where CIFAR-10 lives (the cifar-10-batches-py folder)")
    parser.add_argument("--out-dir", default=None, help="log.json, training.png and checkpoint.pt (default: runs/<dataset>-<engine>)")
    parser.add_argument("--resume", nargs="?", const="", default=None, metavar="CHECKPOINT",
                        help=f"continue from a checkpoint (default: <out-dir>/{CHECKPOINT})")
    parser.add_argument("--seed", type=int, default=0, help="seeds the initial weights and the shuffling")
    parser.add_argument("--distributed", action="store_true", help="data-parallel (implied when launched by torchrun)")
    args = parser.parse_args(argv)
    args.out_dir = args.out_dir or os.path.join("runs", f"{args.dataset}-{args.engine}")
    if args.resume == "":
        args.resume = os.path.join(args.out_dir, CHECKPOINT)
    args.distributed = args.distributed or int(os.environ.get("WORLD_SIZE", "1")) > 1
    return args


# -- the engine: torch or minigrad, used through the same API ------------------------------------------


def load_engine(args):
    """The library module, and the device to run on."""
    if args.engine == "torch":
        import torch

        if args.device == "cuda" and not torch.cuda.is_available():
            fail("--device cuda: PyTorch sees no CUDA GPU on this machine; use --device cpu")
        return torch, torch.device(args.device)
    if args.device == "cuda":
        fail("--device cuda: minigrad runs on the CPU only (numpy); use --engine torch for GPUs")
    if args.distributed:
        fail("data-parallel training (torchrun / --distributed) needs --engine torch")
    import minigrad
    import minigrad.optim
    import minigrad.utils.data  # noqa: F401  (lib.optim, lib.utils.data, as torch has them)

    return minigrad, "cpu"


def make_datasets(args, lib):
    """(train set, test set): map-style datasets of (image (3, 32, 32), label) pairs."""
    if args.dataset == "digits":
        train_x, train_y, test_x, test_y = digits_arrays()
        train, test = slice(args.limit), slice(args.test_limit)  # slice(None) keeps everything
        TensorDataset = lib.utils.data.TensorDataset
        return (TensorDataset(lib.from_numpy(train_x[train]), lib.from_numpy(train_y[train])),
                TensorDataset(lib.from_numpy(test_x[test]), lib.from_numpy(test_y[test])))
    try:
        train_set, test_set = cifar10(args.data_dir, train=True), cifar10(args.data_dir, train=False)
    except DatasetUnavailable as error:
        fail(str(error))
    import torch.utils.data

    if args.limit is not None:
        train_set = torch.utils.data.Subset(train_set, range(min(args.limit, len(train_set))))
    if args.test_limit is not None:
        test_set = torch.utils.data.Subset(test_set, range(min(args.test_limit, len(test_set))))
    return train_set, test_set


class Distributed:
    """Who this process is in a torchrun job (rank 0 of 1 when not distributed)."""

    def __init__(self, args, lib, device):
        self.enabled, self.rank, self.world_size = args.distributed, 0, 1
        if self.enabled:
            import torch.distributed

            if device.type == "cuda":  # one GPU per process
                device = lib.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
                lib.cuda.set_device(device)
            torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
            self.rank, self.world_size = torch.distributed.get_rank(), torch.distributed.get_world_size()
        self.device = device
        self.is_main = self.rank == 0

    def wrap(self, model):
        if not self.enabled:
            return model
        from torch.nn.parallel import DistributedDataParallel

        return DistributedDataParallel(model, device_ids=[self.device.index] if self.device.type == "cuda" else None)

    def train_loader(self, lib, train_set, batch_size, generator, seed):
        """(loader, sampler): a shuffling loader; distributed, each rank gets its own share."""
        if not self.enabled:
            return lib.utils.data.DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator), None
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(train_set, num_replicas=self.world_size, rank=self.rank, shuffle=True, seed=seed)
        return lib.utils.data.DataLoader(train_set, batch_size=batch_size, sampler=sampler), sampler

    def close(self):
        if self.enabled:
            import torch.distributed

            torch.distributed.barrier()
            torch.distributed.destroy_process_group()


# -- checkpoints ---------------------------------------------------------------------------------------


def save_checkpoint(lib, state, path):
    temporary = f"{path}.tmp"
    lib.save(state, temporary)  # write aside, then rename: a crash never leaves half a checkpoint
    os.replace(temporary, path)


def load_checkpoint(lib, args):
    path = args.resume
    if not os.path.isfile(path):
        fail(f"--resume: no checkpoint at {path!r} (a run writes one into its --out-dir after each epoch)")
    with open(path, "rb") as f:
        head = f.read(16)
    if args.engine == "torch" and head.startswith(b"\x93MINIGRAD"):
        fail(f"{path!r} was written by the minigrad engine; resume it with --engine minigrad")
    try:
        if args.engine == "torch":
            # on the CPU: the generator states must stay CPU tensors; load_state_dict moves the rest
            return lib.load(path, map_location="cpu", weights_only=True)
        return lib.load(path)
    except Exception as error:  # a truncated or foreign file: say which and why, without a traceback
        fail(f"cannot read checkpoint {path!r}: {error}")


def architecture_mismatches(model_state, saved_state):
    """Lines describing how a saved state dict differs from the model's (empty when it fits)."""
    problems = [f"missing from the checkpoint: {key}" for key in model_state if key not in saved_state]
    problems += [f"in the checkpoint but not in the model: {key}" for key in saved_state if key not in model_state]
    problems += [
        f"{key}: checkpoint has shape {list(saved_state[key].shape)}, the model {list(model_state[key].shape)}"
        for key in model_state
        if key in saved_state and tuple(saved_state[key].shape) != tuple(model_state[key].shape)
    ]
    return problems


def restore(checkpoint, args, model, optimizer, generator, lib):
    """Put the saved run's state back; returns (epoch to start at, history so far)."""
    if not isinstance(checkpoint, dict) or "model" not in checkpoint:
        fail(f"{args.resume!r} is not a train_cifar.py checkpoint (no 'model' entry)")
    if checkpoint.get("engine") != args.engine:
        fail(f"{args.resume!r} was written by the {checkpoint.get('engine')} engine; resume it with --engine {checkpoint.get('engine')}")
    problems = architecture_mismatches(model.state_dict(), checkpoint["model"])
    if problems:
        fail(f"{args.resume!r} holds a different architecture than the tutorial network:\n  " + "\n  ".join(problems))
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])  # includes the momentum buffers
    generator.set_state(checkpoint["generator"])  # the next epoch's shuffle
    lib.set_rng_state(checkpoint["global_rng"])
    return checkpoint["epoch"] + 1, checkpoint["history"]


# -- logs ----------------------------------------------------------------------------------------------


def write_logs(args, history, out_dir):
    with open(os.path.join(out_dir, "log.json"), "w") as f:
        json.dump({"args": vars(args), "history": history}, f, indent=2)
    plot_history(history, os.path.join(out_dir, "training.png"), title=f"{args.dataset}, {args.engine} engine")


def plot_history(history, path, title):
    import matplotlib

    matplotlib.use("Agg")  # draw to files, no window
    import matplotlib.pyplot as plt

    epochs = [record["epoch"] for record in history]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    loss_axes.plot(epochs, [r["train_loss"] for r in history], "o-", label="train")
    loss_axes.plot(epochs, [r["test_loss"] for r in history], "o-", label="test")
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy loss", title="loss")
    loss_axes.legend()
    accuracy_axes.plot(epochs, [100 * r["test_accuracy"] for r in history], "o-", color="tab:green")
    accuracy_axes.set(xlabel="epoch", ylabel="%", title="test accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.xaxis.get_major_locator().set_params(integer=True)  # whole epochs on the x axis
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


# -- training ------------------------------------------------------------------------------------------


def train_one_epoch(model, loader, loss_fn, optimizer, device, dtype, description, show_progress):
    """One pass of SGD over the loader; returns the mean training loss."""
    model.train()
    total_loss, seen = 0.0, 0
    bar = tqdm(loader, desc=description, leave=False, disable=None if show_progress else True)  # None: only on a terminal
    for images, labels in bar:
        images, labels = images.to(device=device, dtype=dtype), labels.to(device=device)
        loss = loss_fn(model(images), labels)  # mean cross-entropy over the batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(labels)
        seen += len(labels)
        bar.set_postfix(loss=f"{total_loss / seen:.4f}")
    return total_loss / seen


def evaluate(model, loader, loss_fn, device, dtype, lib):
    """(mean test loss, accuracy) with gradients off."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with lib.no_grad():
        for images, labels in loader:
            images, labels = images.to(device=device, dtype=dtype), labels.to(device=device)
            scores = model(images)  # (B, 10)
            total_loss += loss_fn(scores, labels).item() * len(labels)
            correct += (scores.argmax(1) == labels).sum().item()
            seen += len(labels)
    return total_loss / seen, correct / seen


def main(argv=None):
    args = parse_args(argv)
    lib, device = load_engine(args)
    dist = Distributed(args, lib, device)
    device, dtype = dist.device, getattr(lib, args.dtype)
    train_set, test_set = make_datasets(args, lib)

    lib.manual_seed(args.seed)  # the initial weights
    model = tutorial_cnn(lib.nn).to(device=device, dtype=dtype)
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    generator = lib.Generator().manual_seed(args.seed)  # the shuffling, saved in checkpoints

    start_epoch, history = 1, []
    if args.resume is not None:
        start_epoch, history = restore(load_checkpoint(lib, args), args, model, optimizer, generator, lib)
        if dist.is_main:
            print(f"resumed from {args.resume} after epoch {start_epoch - 1}")
            if start_epoch > args.epochs:
                print(f"nothing to do: it already has the {args.epochs} epochs asked for (raise --epochs to train on)")
    trained_model = dist.wrap(model)
    train_loader, sampler = dist.train_loader(lib, train_set, args.batch_size, generator, args.seed)
    test_loader = lib.utils.data.DataLoader(test_set, batch_size=256)
    os.makedirs(args.out_dir, exist_ok=True)

    for epoch in range(start_epoch, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)  # a different shuffle each epoch, the same on every rank
        started = time.perf_counter()
        description = f"epoch {epoch}/{args.epochs}"
        train_loss = train_one_epoch(trained_model, train_loader, loss_fn, optimizer, device, dtype, description, dist.is_main)
        test_loss, accuracy = evaluate(model, test_loader, loss_fn, device, dtype, lib)  # on every rank: replicas agree
        seconds = time.perf_counter() - started
        history.append(dict(epoch=epoch, train_loss=train_loss, test_loss=test_loss, test_accuracy=accuracy, seconds=seconds))
        if dist.is_main:
            print(f"{description}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
                  f"test accuracy {100 * accuracy:.2f}%  ({seconds:.1f} s)", flush=True)
            state = dict(engine=args.engine, dataset=args.dataset, epoch=epoch, model=model.state_dict(),
                         optimizer=optimizer.state_dict(), generator=generator.get_state(),
                         global_rng=lib.get_rng_state(), history=history)
            save_checkpoint(lib, state, os.path.join(args.out_dir, CHECKPOINT))
            write_logs(args, history, args.out_dir)

    if dist.enabled:  # every replica's final weights, to check that they agree
        params = {name: p.detach().cpu().numpy() for name, p in model.named_parameters()}
        np.savez(os.path.join(args.out_dir, f"final_params_rank{dist.rank}.npz"), **params)
    dist.close()
    return history


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(f"\ninterrupted: {CHECKPOINT} in --out-dir holds the last finished epoch; continue with --resume")
