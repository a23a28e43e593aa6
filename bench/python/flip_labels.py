#!/usr/bin/python3
"""Flips a share of a labels CSV's labels at random, seeded, each to another label drawn uniformly:
flip_labels.py IN.csv OUT.csv FLIPPED.txt SHARE SEED [LABEL_COLUMN] [FILE_COLUMN]. FLIPPED.txt lists the flipped
rows' files, one a line."""
import csv
import random
import sys

source, out_path, flipped_path, share, seed = sys.argv[1:6]
label = sys.argv[6] if len(sys.argv) > 6 else "department"
file_column = sys.argv[7] if len(sys.argv) > 7 else "file"
with open(source, newline="", encoding="utf-8-sig") as f:
    reader = csv.DictReader(f)
    fields, rows = reader.fieldnames, list(reader)
labels = sorted({row[label] for row in rows})
rng = random.Random(int(seed))
chosen = rng.sample(range(len(rows)), round(len(rows) * float(share)))
for index in chosen:
    rows[index][label] = rng.choice([name for name in labels if name != rows[index][label]])
with open(out_path, "w", newline="", encoding="utf-8") as f:
    writer = csv.DictWriter(f, fieldnames=fields)
    writer.writeheader()
    writer.writerows(rows)
with open(flipped_path, "w", encoding="utf-8") as f:
    for index in sorted(chosen):
        f.write(rows[index][file_column] + "\n")
print(f"{len(chosen)} of {len(rows)} labels flipped")
