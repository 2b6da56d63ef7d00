"""The tutorial's network, a loss and `loss.backward()`, run on minigrad.

As in the PyTorch tutorial, only the import lines differ. After `backward()` every parameter
of the network holds its gradient in `.grad`; this prints each one's shape and size.
"""

import minigrad as torch
from minigrad import nn
from minigrad.nn import Conv2d, Flatten, Linear, MaxPool2d, Sequential


class Tudui(nn.Module):
    def __init__(self):
        super(Tudui, self).__init__()
        self.model1 = Sequential(
            Conv2d(3, 32, 5, padding=2),
            MaxPool2d(2),
            Conv2d(32, 32, 5, padding=2),
            MaxPool2d(2),
            Conv2d(32, 64, 5, padding=2),
            MaxPool2d(2),
            Flatten(),
            Linear(1024, 64),
            Linear(64, 10),
        )

    def forward(self, x):
        x = self.model1(x)
        return x


torch.manual_seed(0)
tudui = Tudui()
print(tudui)

imgs = torch.randn(4, 3, 32, 32)  # a batch of four 32×32 colour images
targets = torch.tensor([3, 8, 8, 0])
loss = nn.CrossEntropyLoss()

outputs = tudui(imgs)
result_loss = loss(outputs, targets)
print(result_loss)
result_loss.backward()

for name, parameter in tudui.named_parameters():
    print(f"{name:22s} grad shape {tuple(parameter.grad.shape)}, mean |grad| {parameter.grad.abs().mean().item():.3e}")
