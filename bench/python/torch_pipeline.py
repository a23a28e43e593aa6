#!/usr/bin/python3
"""The Python peer of Accession's pipelines, for bench/: PyTorch + torchvision doing the same job.

  train    CSV IMAGES ARCH SIZE BATCH THREADS WORKERS EPOCHS   -> images/s per epoch, decode and augmentation included
  classify CSV IMAGES ARCH SIZE BATCH THREADS WORKERS           -> images/s of decode + preprocess + forward
  ceiling  ARCH SIZE BATCH THREADS                              -> forward+backward and forward images/s on random tensors

Images are read with PIL and transformed as torchvision's references do; a DataLoader with WORKERS
processes feeds the network; torch uses THREADS threads. Prints one JSON object.
"""
import csv
import json
import os
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]


class CsvImages(torch.utils.data.Dataset):
    def __init__(self, csv_path, images_dir, transform):
        with open(csv_path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
        classes = sorted({r["department"] for r in rows})
        self.items = [(os.path.join(images_dir, r["file"]), classes.index(r["department"])) for r in rows]
        self.classes = classes
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        return self.transform(Image.open(path).convert("RGB")), label


def train(csv_path, images_dir, arch, size, batch, threads, workers, epochs):
    torch.set_num_threads(threads)
    transform = transforms.Compose([transforms.RandomResizedCrop(size, scale=(0.25, 1.0)), transforms.RandomHorizontalFlip(),
                                    transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    data = CsvImages(csv_path, images_dir, transform)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=True, num_workers=workers, drop_last=False)
    model = getattr(torchvision.models, arch)(num_classes=len(data.classes)).train()
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3)
    rates = []
    for _ in range(epochs):
        start, seen = time.time(), 0
        for images, labels in loader:
            loss = torch.nn.functional.cross_entropy(model(images), labels, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            seen += len(labels)
        rates.append(seen / (time.time() - start))
    print(json.dumps({"job": "train", "arch": arch, "size": size, "images_per_second": rates}))


def classify(csv_path, images_dir, arch, size, batch, threads, workers):
    torch.set_num_threads(threads)
    transform = transforms.Compose([transforms.Resize(size * 256 // 224), transforms.CenterCrop(size),
                                    transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    data = CsvImages(csv_path, images_dir, transform)
    loader = torch.utils.data.DataLoader(data, batch_size=batch, shuffle=False, num_workers=workers)
    model = getattr(torchvision.models, arch)(num_classes=len(data.classes)).eval()
    start, seen = time.time(), 0
    with torch.no_grad():
        for images, _ in loader:
            torch.softmax(model(images), 1)
            seen += len(images)
    print(json.dumps({"job": "classify", "arch": arch, "size": size, "images_per_second": seen / (time.time() - start)}))


def ceiling(arch, size, batch, threads):
    torch.set_num_threads(threads)
    model = getattr(torchvision.models, arch)(num_classes=9)
    x, y = torch.randn(batch, 3, size, size), torch.randint(0, 9, (batch,))
    optimizer = torch.optim.AdamW(model.parameters(), 1e-3)

    def step():
        loss = torch.nn.functional.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    model.train()
    step()
    start = time.time()
    for _ in range(3):
        step()
    train_rate = 3 * batch / (time.time() - start)
    model.eval()
    with torch.no_grad():
        model(x)
        start = time.time()
        for _ in range(3):
            model(x)
        forward_rate = 3 * batch / (time.time() - start)
    print(json.dumps({"job": "ceiling", "arch": arch, "size": size, "train_images_per_second": train_rate,
                      "forward_images_per_second": forward_rate}))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "train":
        train(a[1], a[2], a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]), int(a[8]))
    elif a[0] == "classify":
        classify(a[1], a[2], a[3], int(a[4]), int(a[5]), int(a[6]), int(a[7]))
    elif a[0] == "ceiling":
        ceiling(a[1], int(a[2]), int(a[3]), int(a[4]))
