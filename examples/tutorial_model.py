"""The tutorial's CIFAR-10 network, written once for any library with PyTorch's ``nn`` API.

    tutorial_cnn(torch.nn)      a torch model
    tutorial_cnn(minigrad.nn)   the same model in minigrad

Shapes, for a batch of B colour images of 32×32 pixels:

    (B, 3, 32, 32) → Conv 5×5, pad 2 → (B, 32, 32, 32) → MaxPool 2 → (B, 32, 16, 16)
                   → Conv 5×5, pad 2 → (B, 32, 16, 16) → MaxPool 2 → (B, 32, 8, 8)
                   → Conv 5×5, pad 2 → (B, 64, 8, 8)   → MaxPool 2 → (B, 64, 4, 4)
                   → Flatten → (B, 1024) → Linear → (B, 64) → Linear → (B, 10) class scores

As in the tutorial there is no activation function between the layers: max pooling is the
only non-linearity.
"""


def tutorial_cnn(nn):
    return nn.Sequential(
        nn.Conv2d(3, 32, 5, padding=2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 5, padding=2),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5, padding=2),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(1024, 64),
        nn.Linear(64, 10),
    )
