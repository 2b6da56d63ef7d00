"""The tutorial's "complete training routine" lesson, run on minigrad: its own SGD loop, only the
import lines changed, on scikit-learn's offline digits (3×32×32 as CIFAR-10; datasets.py).
examples/train_cifar.py is the full tool.    python examples/train_lesson.py [out_dir]
"""
import sys

import minigrad as torch
from minigrad import nn
from minigrad.utils.data import DataLoader, Dataset
from datasets import digits_arrays


class Digits(Dataset):  # stands in for torchvision.datasets.CIFAR10: (image, label) pairs
    def __init__(self, train):
        train_x, train_y, test_x, test_y = digits_arrays()
        self.imgs, self.targets = (train_x, train_y) if train else (test_x, test_y)

    def __getitem__(self, idx):
        return torch.from_numpy(self.imgs[idx]), int(self.targets[idx])

    def __len__(self):
        return len(self.targets)


class Tudui(nn.Module):
    def __init__(self):
        super(Tudui, self).__init__()
        self.model = nn.Sequential(
            nn.Conv2d(3, 32, 5, 1, 2), nn.MaxPool2d(2), nn.Conv2d(32, 32, 5, 1, 2), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, 1, 2), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 4 * 4, 64), nn.Linear(64, 10))

    def forward(self, x):
        x = self.model(x)
        return x


out_dir = sys.argv[1] if len(sys.argv) > 1 else "."
train_data, test_data = Digits(train=True), Digits(train=False)
train_data_size, test_data_size = len(train_data), len(test_data)
print("训练数据集的长度为：{}".format(train_data_size))
print("测试数据集的长度为：{}".format(test_data_size))
train_dataloader = DataLoader(train_data, batch_size=64)
test_dataloader = DataLoader(test_data, batch_size=64)

torch.manual_seed(0)
tudui = Tudui()
loss_fn = nn.CrossEntropyLoss()
learning_rate = 1e-2
optimizer = torch.optim.SGD(tudui.parameters(), lr=learning_rate)

total_train_step = 0
epoch = 2

for i in range(epoch):
    print("-------第 {} 轮训练开始-------".format(i + 1))
    tudui.train()
    for data in train_dataloader:
        imgs, targets = data
        outputs = tudui(imgs)
        loss = loss_fn(outputs, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_train_step = total_train_step + 1
        if total_train_step % 10 == 0:  # the lesson's 100 on CIFAR; digits has 24 steps an epoch
            print("训练次数：{}, Loss: {}".format(total_train_step, loss.item()))

    tudui.eval()
    total_test_loss = 0
    total_accuracy = 0
    with torch.no_grad():
        for data in test_dataloader:
            imgs, targets = data
            outputs = tudui(imgs)
            loss = loss_fn(outputs, targets)
            total_test_loss = total_test_loss + loss.item()
            accuracy = (outputs.argmax(1) == targets).sum()
            total_accuracy = total_accuracy + accuracy
    print("整体测试集上的Loss: {}".format(total_test_loss))
    print("整体测试集上的正确率: {}".format(total_accuracy / test_data_size))
    torch.save(tudui.state_dict(), "{}/tudui_{}.pth".format(out_dir, i))
    print("模型已保存")
