#!/usr/bin/python3
"""Stratified held-out split of a labels CSV: split_csv.py IN.csv TRAIN.csv TEST.csv FRACTION SEED [LABEL_COLUMN]."""
import csv
import random
import sys

source, train_path, test_path, fraction, seed = sys.argv[1:6]
label = sys.argv[6] if len(sys.argv) > 6 else "department"
with open(source, newline="", encoding="utf-8-sig") as f:
    reader = csv.DictReader(f)
    fields, rows = reader.fieldnames, list(reader)
by_label = {}
for row in rows:
    by_label.setdefault(row[label], []).append(row)
rng = random.Random(int(seed))
train, test = [], []
for name in sorted(by_label):
    group = by_label[name]
    rng.shuffle(group)
    cut = round(len(group) * float(fraction))
    test += group[:cut]
    train += group[cut:]
for path, part in ((train_path, train), (test_path, test)):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(part)
print(f"{len(train)} training rows, {len(test)} held-out rows")
