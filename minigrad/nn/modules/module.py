"""``minigrad.nn.modules.module``: where torch keeps ``Module`` and the global module hooks
(``torch.nn.modules.module.register_module_forward_hook`` ...). minigrad defines them in
``minigrad/nn/module.py``; this name lets torch code that imports them from here run unchanged."""

from ..module import (  # noqa: F401
    Module,
    register_module_forward_hook,
    register_module_forward_pre_hook,
    register_module_full_backward_hook,
    register_module_full_backward_pre_hook,
)
