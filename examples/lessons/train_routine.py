"""The series' lesson "the complete training routine" (its train_gpu_2.py), on either engine.

    python examples/lessons/train_routine.py --engine minigrad    (or --engine torch)

Every line the lesson has: the device line and ``.to(device)``, a DataLoader over a torchvision
dataset, CrossEntropyLoss and SGD for 2 epochs, ``loss.item()``, the accuracy sum
``(outputs.argmax(1) == targets).sum()``, TensorBoard scalars, ``torch.save(state_dict)``, then
loading it back. Only the import lines depend on --engine. Both engines start from the same
weights (the first run saves its initial weights to --weights, a later run loads them) and the
loaders do not shuffle, so both see the same batches and print the same numbers. The lesson's
CIFAR-10 is an ImageFolder of scikit-learn digits here (lesson_data.py): nothing is downloaded.
"""

import argparse
import os

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--engine", choices=["torch", "minigrad"], default="minigrad")
parser.add_argument("--data", default="lesson_data", help="ImageFolder root (made from digits if missing)")
parser.add_argument("--weights", default="lesson_weights.npz", help="initial weights shared by both engines")
parser.add_argument("--out", default=".", help="folder for the checkpoints and the TensorBoard logs")
args = parser.parse_args()

if args.engine == "torch":
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, Subset
    from torch.utils.tensorboard import SummaryWriter
else:
    import minigrad as torch
    from minigrad import nn
    from minigrad.utils.data import DataLoader, Subset
    from minigrad.utils.tensorboard import SummaryWriter
import numpy
import torchvision

from lesson_data import make_image_folder

torch.manual_seed(0)
make_image_folder(args.data)

# 定义训练的设备
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

train_data = torchvision.datasets.ImageFolder(root=os.path.join(args.data, "train"),
                                              transform=torchvision.transforms.ToTensor())
test_data = torchvision.datasets.ImageFolder(root=os.path.join(args.data, "test"),
                                             transform=torchvision.transforms.ToTensor())

# CIFAR-10 comes in no class order; an ImageFolder comes sorted by class: mix it, the same for both
train_data = Subset(train_data, numpy.random.RandomState(0).permutation(len(train_data)).tolist())
test_data = Subset(test_data, numpy.random.RandomState(1).permutation(len(test_data)).tolist())

# length 长度
train_data_size = len(train_data)
test_data_size = len(test_data)
print("训练数据集的长度为：{}".format(train_data_size))
print("测试数据集的长度为：{}".format(test_data_size))

# 利用 DataLoader 来加载数据集
train_dataloader = DataLoader(train_data, batch_size=16)
test_dataloader = DataLoader(test_data, batch_size=16)


# 创建网络模型
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


tudui = Tudui()
if os.path.exists(args.weights):  # the same initial weights on both engines
    tudui.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(args.weights).items()})
else:
    numpy.savez(args.weights, **{k: v.detach().numpy() for k, v in tudui.state_dict().items()})
tudui = tudui.to(device)

# 损失函数
loss_fn = nn.CrossEntropyLoss()
loss_fn = loss_fn.to(device)
# 优化器
learning_rate = 1e-2
optimizer = torch.optim.SGD(tudui.parameters(), lr=learning_rate)

# 设置训练网络的一些参数
# 记录训练的次数
total_train_step = 0
# 记录测试的次数
total_test_step = 0
# 训练的轮数
epoch = 2

# 添加tensorboard
writer = SummaryWriter(os.path.join(args.out, "logs_train"))

for i in range(epoch):
    print("-------第 {} 轮训练开始-------".format(i+1))

    # 训练步骤开始
    tudui.train()
    for data in train_dataloader:
        imgs, targets = data
        imgs = imgs.to(device)
        targets = targets.to(device)
        outputs = tudui(imgs)
        loss = loss_fn(outputs, targets)

        # 优化器优化模型
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        total_train_step = total_train_step + 1
        if total_train_step % 5 == 0:  # the lesson's 100 on CIFAR-10; here 10 steps an epoch
            print("训练次数：{}, Loss: {}".format(total_train_step, loss.item()))
            writer.add_scalar("train_loss", loss.item(), total_train_step)

    # 测试步骤开始
    tudui.eval()
    total_test_loss = 0
    total_accuracy = 0
    with torch.no_grad():
        for data in test_dataloader:
            imgs, targets = data
            imgs = imgs.to(device)
            targets = targets.to(device)
            outputs = tudui(imgs)
            loss = loss_fn(outputs, targets)
            total_test_loss = total_test_loss + loss.item()
            accuracy = (outputs.argmax(1) == targets).sum()
            total_accuracy = total_accuracy + accuracy

    print("整体测试集上的Loss: {}".format(total_test_loss))
    print("整体测试集上的正确率: {}".format(total_accuracy/test_data_size))
    writer.add_scalar("test_loss", total_test_loss, total_test_step)
    writer.add_scalar("test_accuracy", total_accuracy/test_data_size, total_test_step)
    total_test_step = total_test_step + 1

    torch.save(tudui.state_dict(), os.path.join(args.out, "tudui_{}.pth".format(i)))
    print("模型已保存")

writer.close()

# 加载模型 (the lesson "saving and loading a model", way 2: the state dict)
tudui_loaded = Tudui()
tudui_loaded.load_state_dict(torch.load(os.path.join(args.out, "tudui_{}.pth".format(epoch - 1))))
tudui_loaded.eval()
imgs, targets = next(iter(test_dataloader))
with torch.no_grad():
    print(tudui_loaded(imgs).argmax(1))
    print((tudui_loaded(imgs).argmax(1) == tudui(imgs.to(device)).argmax(1)).all())
