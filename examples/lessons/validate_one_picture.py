"""The series' lesson "validating a model on one picture" (its test.py), on either engine.

    python examples/lessons/validate_one_picture.py --engine minigrad    (or --engine torch)

A PIL picture goes through torchvision's transforms (a torch tensor comes out), is reshaped to a
batch of one and classified by the lesson's network in eval mode. Only the import lines depend on
--engine; every other line is the lesson's. Both engines start from the same weights: the first
run saves its network's initial weights to --weights, a later run loads them. The lesson's
picture (dog.png) is a digit from scikit-learn here (lesson_data.py): nothing is downloaded.
"""

import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--engine", choices=["torch", "minigrad"], default="minigrad")
parser.add_argument("--image", default="dog.png", help="the picture (made from a digit if missing)")
parser.add_argument("--weights", default="lesson_weights.npz", help="initial weights shared by both engines")
parser.add_argument("--out", default=".", help="folder for the saved model")
args = parser.parse_args()

if args.engine == "torch":
    import torch
    from torch import nn
else:
    import minigrad as torch
    from minigrad import nn
import numpy
import torchvision
from PIL import Image

from lesson_data import make_picture

torch.manual_seed(0)
make_picture(args.image)

image_path = args.image
image = Image.open(image_path)
print(image)
image = image.convert('RGB')
transform = torchvision.transforms.Compose([torchvision.transforms.Resize((32, 32)),
                                            torchvision.transforms.ToTensor()])

image = transform(image)
print(image.shape)


class Tudui(nn.Module):
    def __init__(self):
        super(Tudui, self).__init__()
        self.model = nn.Sequential(
            nn.Conv2d(3, 32, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, 1, 2),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(64*4*4, 64),
            nn.Linear(64, 10)
        )

    def forward(self, x):
        x = self.model(x)
        return x


# the lesson loads the network it trained and saved whole; here: the shared weights, saved whole
tudui = Tudui()
if os.path.exists(args.weights):
    tudui.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(args.weights).items()})
else:
    numpy.savez(args.weights, **{k: v.detach().numpy() for k, v in tudui.state_dict().items()})
torch.save(tudui, os.path.join(args.out, "tudui_29_gpu.pth"))

model = torch.load(os.path.join(args.out, "tudui_29_gpu.pth"), map_location=torch.device('cpu'), weights_only=False)
print(model)
image = torch.reshape(image, (1, 3, 32, 32))
model.eval()
with torch.no_grad():
    output = model(image)
print(output)

print(output.argmax(1))
