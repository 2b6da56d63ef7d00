"""Where minigrad meets the rest of the PyTorch API: devices, and torch tensors handed to it.

minigrad keeps its package numpy-only, so it never imports torch: a torch tensor is recognised
by the module its type comes from.
"""


def check_device(device):
    """Accept ``device=None`` or the CPU; minigrad computes with numpy, on the CPU only."""
    if device is not None and str(device) != "cpu":
        raise RuntimeError(
            f"minigrad runs on the CPU with numpy only; device {str(device)!r} is not available "
            "(use torch for GPUs)"
        )


def is_torch_tensor(value):
    """Whether ``value`` is a torch tensor (or Parameter), without importing torch."""
    return type(value).__module__.startswith("torch") and hasattr(value, "detach")


def parse_to_arguments(args, dtype=None, device=None):
    """Read ``.to(...)``'s positional arguments, as torch accepts them: a dtype, a device (a string
    or a torch.device) or a tensor whose dtype to take. Checks the device; returns the dtype (or None)."""
    from .autograd import function

    for arg in args:
        if isinstance(arg, function.Tensor) or is_torch_tensor(arg):  # take the tensor's dtype
            dtype = arg.dtype
        elif isinstance(arg, str) or type(arg).__name__ == "device":
            device = arg
        else:
            dtype = arg
    check_device(device)
    return dtype
