#!/usr/bin/python3
"""The accuracy reference for bench/met_accuracy.sh: torchvision trains the same network from scratch with
Accession's default recipe on exactly the training and validation photographs Accession used (read from the
split saved in its catalog), keeps the epoch with the best validation accuracy, and is tested on the same
held-out CSV. If this reaches clearly more than `accession-cli train` does, the gap is in Accession's
pipeline; if not, it is in the recipe or the data.

  met_reference.py --catalog met.db --test-csv test.csv --images DIR [--arch resnet18] [--size 128]
                   [--epochs 25] [--validation-fraction 0.2] [--split-seed 1] [--threads 2] [--workers 2] [--limit N]

The recipe mirrors core/ml/trainer.cpp's defaults from scratch: AdamW (1e-3, weight decay 0.01), one epoch of
linear warm-up then a cosine to 1% of the rate, label smoothing 0.1, loss weights 1/sqrt(department size),
random resized crops keeping 35-100% of the area with horizontal flips, batch 32, early stopping after 6
epochs without a better validation accuracy. Evaluation resizes the shorter side to size/F (F from
--center-crop, 1.0 by default as in Accession; 0.875 is torchvision's 256-for-224) and crops
the centre. Prints a line per epoch on stderr and one JSON object on stdout.
"""
import argparse
import collections
import csv
import json
import math
import os
import sqlite3
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

from torch_pipeline import MEAN, STD


def split_from_catalog(catalog, validation_fraction, split_seed):
    """(path, department, is_validation) for every item of the split Accession saved."""
    connection = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    row = connection.execute("SELECT id FROM splits WHERE seed = ? AND abs(validation_fraction - ?) < 1e-9",
                             (split_seed, validation_fraction)).fetchone()
    if row is None:
        sys.exit(f"{catalog}: no split with seed {split_seed} and validation fraction {validation_fraction}; "
                 "train with accession-cli first")
    rows = connection.execute(
        "SELECT i.path, d.name, s.validation FROM split_items s JOIN items i ON i.id = s.item_id "
        "JOIN labels l ON l.id = i.current_label_id JOIN departments d ON d.id = l.department_id "
        "WHERE s.split_id = ? ORDER BY i.id", (row[0],)).fetchall()
    return [(path, department, bool(validation)) for path, department, validation in rows]


class Photographs(torch.utils.data.Dataset):
    def __init__(self, items, classes, transform):
        self.items = [(path, classes.index(department)) for path, department in items]
        self.transform = transform

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        path, label = self.items[index]
        with Image.open(path) as image:
            return self.transform(image.convert("RGB")), label


def scheduled_rate(base, step, total_steps, warmup_steps):
    if warmup_steps > 0 and step < warmup_steps:
        return base * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps) if total_steps > warmup_steps else 1.0
    return base * (0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * min(max(progress, 0.0), 1.0))))


def accuracy(model, loader):
    model.eval()
    correct = seen = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += int((model(images).argmax(1) == labels).sum())
            seen += len(labels)
    return correct / max(seen, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--test-csv", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--arch", default="resnet18")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--validation-fraction", type=float, default=0.2)
    parser.add_argument("--split-seed", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--patience", type=int, default=6)
    parser.add_argument("--center-crop", type=float, default=1.0,
                        help="share of the shorter side evaluation keeps (accession-cli train --center-crop)")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N photographs of each set (a quick check)")
    arguments = parser.parse_args()

    torch.manual_seed(arguments.seed)
    torch.set_num_threads(arguments.threads)
    split = split_from_catalog(arguments.catalog, arguments.validation_fraction, arguments.split_seed)
    classes = sorted({department for _, department, _ in split})
    train_items = [(path, department) for path, department, validation in split if not validation]
    validation_items = [(path, department) for path, department, validation in split if validation]
    with open(arguments.test_csv, newline="", encoding="utf-8-sig") as f:
        test_items = [(os.path.join(arguments.images, row["file"]), row["department"]) for row in csv.DictReader(f)]
    test_items = [item for item in test_items if item[1] in classes]
    if arguments.limit > 0:
        train_items, validation_items, test_items = (items[::max(1, len(items) // arguments.limit)][:arguments.limit]
                                                     for items in (train_items, validation_items, test_items))

    size = arguments.size
    train_transform = transforms.Compose([transforms.RandomResizedCrop(size, scale=(0.35, 1.0)), transforms.RandomHorizontalFlip(),
                                          transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    evaluation_transform = transforms.Compose([transforms.Resize(max(size, round(size / arguments.center_crop))), transforms.CenterCrop(size),
                                               transforms.ToTensor(), transforms.Normalize(MEAN, STD)])

    def loader(items, transform, shuffle):
        return torch.utils.data.DataLoader(Photographs(items, classes, transform), batch_size=32, shuffle=shuffle,
                                           num_workers=arguments.workers, persistent_workers=arguments.workers > 0)

    train_loader = loader(train_items, train_transform, True)
    validation_loader = loader(validation_items, evaluation_transform, False)
    test_loader = loader(test_items, evaluation_transform, False)

    counts = collections.Counter(department for _, department in train_items)
    weights = torch.tensor([math.sqrt(len(train_items) / (len(classes) * counts[c])) if counts[c] else 0.0 for c in classes])
    model = getattr(torchvision.models, arguments.arch)(num_classes=len(classes)).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    steps_per_epoch = len(train_loader)
    total_steps = steps_per_epoch * arguments.epochs
    warmup_steps = min(total_steps // 2, steps_per_epoch)

    history, best_accuracy, best_state, since_best, step = [], -1.0, None, 0, 0
    started = time.time()
    for epoch in range(arguments.epochs):
        epoch_start = time.time()
        model.train()
        loss_sum = correct = seen = 0
        for images, labels in train_loader:
            for group in optimizer.param_groups:
                group["lr"] = scheduled_rate(1e-3, step, total_steps, warmup_steps)
            step += 1
            logits = model(images.contiguous(memory_format=torch.channels_last))
            loss = torch.nn.functional.cross_entropy(logits, labels, weight=weights, label_smoothing=0.1)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += float(loss) * len(labels)
            correct += int((logits.argmax(1) == labels).sum())
            seen += len(labels)
        validation_accuracy = accuracy(model, validation_loader)
        entry = {"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                 "validation_accuracy": validation_accuracy, "seconds": time.time() - epoch_start}
        history.append(entry)
        print(json.dumps(entry), file=sys.stderr, flush=True)
        if validation_accuracy > best_accuracy:
            best_accuracy, since_best = validation_accuracy, 0
            best_state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
        else:
            since_best += 1
            if arguments.patience > 0 and since_best >= arguments.patience:
                break
    model.load_state_dict(best_state)
    print(json.dumps({"arch": arguments.arch, "size": size, "train_images": len(train_items),
                      "validation_images": len(validation_items), "test_images": len(test_items),
                      "validation_accuracy": best_accuracy, "test_accuracy": accuracy(model, test_loader),
                      "minutes": (time.time() - started) / 60, "history": history}))


if __name__ == "__main__":
    main()
