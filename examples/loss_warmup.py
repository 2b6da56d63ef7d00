"""The tutorial's loss warm-up, run on minigrad.

This is the PyTorch tutorial's code with only the import lines changed
(`import torch` → `import minigrad as torch`, `from torch import nn` → `from minigrad import nn`).
It prints what the tutorial prints:

    tensor(0.6667)   tensor(2.)   tensor(1.3333)   tensor(4.)   tensor(1.1019)
"""

import minigrad as torch
from minigrad import nn

inputs = torch.tensor([1, 2, 3], dtype=torch.float32)
targets = torch.tensor([1, 2, 5], dtype=torch.float32)

inputs = torch.reshape(inputs, (1, 1, 1, 3))
targets = torch.reshape(targets, (1, 1, 1, 3))

loss = nn.L1Loss()  # reduction="mean": (0 + 0 + 2) / 3
print(loss(inputs, targets))
loss = nn.L1Loss(reduction="sum")  # 0 + 0 + 2
print(loss(inputs, targets))

loss_mse = nn.MSELoss()  # (0 + 0 + 2²) / 3
print(loss_mse(inputs, targets))
loss_mse = nn.MSELoss(reduction="sum")
print(loss_mse(inputs, targets))

x = torch.tensor([0.1, 0.2, 0.3])
y = torch.tensor([1])
x = torch.reshape(x, (1, 3))
loss_cross = nn.CrossEntropyLoss()  # −x[1] + log(e^0.1 + e^0.2 + e^0.3)
print(loss_cross(x, y))
