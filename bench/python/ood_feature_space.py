#!/usr/bin/python3
"""Would a score in feature space tell museum photographs from outliers better than the logit scores?

Before building it into Accession, this measures it with torchvision: MobileNetV2 with the given ImageNet weights
(safetensors in torchvision names) gives 1280-d pooled features for the training side of the split saved in a
met_accuracy.sh catalog, for the held-out MET photographs (test CSV) and for bench/ood_auroc.sh's outliers. Scores,
higher meaning less like a museum photograph:
  max_softmax   1 - the largest probability of a logistic-regression head fitted on the training features
                (the logit score Accession uses today, as a like-for-like baseline)
  energy        -T log sum exp(logits) of that head
  mahalanobis   the smallest Mahalanobis distance to a department's mean, with one covariance shared by all
                departments (Lee et al. 2018)
  relative_mahalanobis  that minus the distance to the mean of all training features under their own
                covariance (Ren et al. 2021)
  knn           1 - the cosine similarity to the k-th nearest training feature (Sun et al. 2022), k = 5
  knn+max_softmax, knn+energy   the two joined: whichever is more unusual among museum photographs
Prints the AUROC of each score over all outliers and per kind, and the share of outliers caught when 5% of the
museum photographs are flagged.

  ood_feature_space.py --catalog met.db --test-csv test.csv --images DIR --weights W.safetensors
                       --outliers /tmp/ood/bench/outliers [--threads 2] [--cache features.pt]
"""
import argparse
import csv
import json
import os
import sqlite3
import sys

import torch
import torchvision
from PIL import Image
from torchvision import transforms

# The tests' reader of safetensors (the 'safetensors' package is not in Debian 12).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "python"))
from torchvision_reference import read_safetensors  # noqa: E402


def training_items(catalog):
    connection = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    rows = connection.execute(
        "SELECT i.path, d.name FROM split_items s JOIN items i ON i.id = s.item_id "
        "JOIN labels l ON l.id = i.current_label_id JOIN departments d ON d.id = l.department_id "
        "WHERE s.validation = 0 AND s.split_id = (SELECT min(id) FROM splits) ORDER BY i.id").fetchall()
    return rows


def features(model, paths, size, mean, std, batch=32):
    transform = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(),
                                    transforms.Normalize(mean, std)])
    out = []
    with torch.no_grad():
        for start in range(0, len(paths), batch):
            images = torch.stack([transform(Image.open(p).convert("RGB")) for p in paths[start:start + batch]])
            pooled = torch.nn.functional.adaptive_avg_pool2d(model.features(images), 1).flatten(1)
            out.append(pooled)
            print(f"  {start + len(images)}/{len(paths)}", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    return torch.cat(out)


def auroc(inliers, outliers):
    """P(outlier score > inlier score), ties counted half."""
    scores = torch.cat([inliers, outliers])
    order = scores.argsort()
    ranks = torch.empty_like(scores)
    ranks[order] = torch.arange(1, len(scores) + 1, dtype=scores.dtype)
    # average ranks over ties
    unique, inverse = torch.unique(scores, return_inverse=True)
    sums = torch.zeros(len(unique), dtype=scores.dtype).index_add_(0, inverse, ranks)
    counts = torch.zeros(len(unique), dtype=scores.dtype).index_add_(0, inverse, torch.ones_like(ranks))
    ranks = (sums / counts)[inverse]
    n_in, n_out = len(inliers), len(outliers)
    return float((ranks[n_in:].sum() - n_out * (n_out + 1) / 2) / (n_in * n_out))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--test-csv", required=True)
    parser.add_argument("--images", required=True)
    parser.add_argument("--weights", required=True)
    parser.add_argument("--outliers", required=True)
    parser.add_argument("--mean", default="0.5,0.5,0.5")
    parser.add_argument("--std", default="0.5,0.5,0.5")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    train = training_items(args.catalog)
    with open(args.test_csv, newline="", encoding="utf-8-sig") as f:
        test = [os.path.join(args.images, row["file"]) for row in csv.DictReader(f)]
    outliers = sorted(os.path.join(d, name) for d, _, names in os.walk(args.outliers) for name in names
                      if name.endswith((".png", ".jpg")))
    kinds = [os.path.basename(os.path.dirname(p)) for p in outliers]

    if args.cache and os.path.exists(args.cache):
        cached = torch.load(args.cache)
        train_x, test_x, out_x = cached["train"], cached["test"], cached["outliers"]
    else:
        model = torchvision.models.mobilenet_v2()
        model.load_state_dict(read_safetensors(args.weights))
        model.eval()
        mean, std = [float(v) for v in args.mean.split(",")], [float(v) for v in args.std.split(",")]
        print(f"features: {len(train)} training, {len(test)} held-out, {len(outliers)} outliers", file=sys.stderr)
        train_x = features(model, [p for p, _ in train], args.size, mean, std)
        test_x = features(model, test, args.size, mean, std)
        out_x = features(model, outliers, args.size, mean, std)
        if args.cache:
            torch.save({"train": train_x, "test": test_x, "outliers": out_x}, args.cache)

    classes = sorted({d for _, d in train})
    train_y = torch.tensor([classes.index(d) for _, d in train])

    # Logistic-regression head (full batch L-BFGS) on standardised features.
    mu, sigma = train_x.mean(0), train_x.std(0) + 1e-6
    z = lambda x: (x - mu) / sigma
    head = torch.nn.Linear(train_x.shape[1], len(classes))
    optimizer = torch.optim.LBFGS(head.parameters(), max_iter=200, line_search_fn="strong_wolfe")
    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(z(train_x)), train_y) + 1e-3 * head.weight.square().sum()
        loss.backward()
        return loss
    optimizer.step(closure)

    # Shared-covariance Gaussian per department, and one Gaussian over all training features.
    means = torch.stack([train_x[train_y == c].mean(0) for c in range(len(classes))])
    centred = train_x - means[train_y]
    shrink = 1e-3
    covariance = centred.T @ centred / len(train_x)
    precision = torch.linalg.inv(covariance + shrink * covariance.diagonal().mean() * torch.eye(len(covariance)))
    all_mean = train_x.mean(0)
    all_centred = train_x - all_mean
    all_covariance = all_centred.T @ all_centred / len(train_x)
    all_precision = torch.linalg.inv(all_covariance + shrink * all_covariance.diagonal().mean() * torch.eye(len(all_covariance)))
    train_unit = torch.nn.functional.normalize(train_x, dim=1)

    def scores(x):
        with torch.no_grad():
            logits = head(z(x))
            probabilities = logits.softmax(1)
            d = x[:, None, :] - means[None, :, :]
            class_distance = torch.einsum("ncd,de,nce->nc", d, precision, d)
            a = x - all_mean
            background = torch.einsum("nd,de,ne->n", a, all_precision, a)
            similarity = torch.nn.functional.normalize(x, dim=1) @ train_unit.T
            kth = similarity.topk(5, dim=1).values[:, -1]
            return {
                "max_softmax": 1 - probabilities.max(1).values,
                "energy": -torch.logsumexp(logits, 1),
                "mahalanobis": class_distance.min(1).values,
                "relative_mahalanobis": (class_distance - background[:, None]).min(1).values,
                "knn": 1 - kth,
            }

    test_scores, out_scores = scores(test_x), scores(out_x)
    # Two scores joined: each turned into the share of museum photographs it exceeds (its empirical CDF), the larger
    # share taken. Cross-fitted: the CDF comes from one half of the held-out photographs and scores the other half
    # (and the outliers, averaged over both halves), so no photograph scores against itself.
    halves = torch.arange(len(test_x)) % 2 == 0
    def cdf(reference, values):
        return (reference[None, :] < values[:, None]).float().mean(1)
    for first, second in (("knn", "max_softmax"), ("knn", "energy")):
        joined_test = torch.empty(len(test_x))
        joined_out = torch.zeros(len(out_x))
        for half in (halves, ~halves):
            other = ~half
            a, b = test_scores[first][other], test_scores[second][other]
            joined_test[half] = torch.maximum(cdf(a, test_scores[first][half]), cdf(b, test_scores[second][half]))
            joined_out += torch.maximum(cdf(a, out_scores[first]), cdf(b, out_scores[second])) / 2
        test_scores[f"{first}+{second}"] = joined_test
        out_scores[f"{first}+{second}"] = joined_out
    kind_names = sorted(set(kinds))
    print(f"{len(test)} held-out museum photographs against {len(outliers)} outliers "
          f"({', '.join(f'{k} {kinds.count(k)}' for k in kind_names)})")
    print(f"{'score':22s} {'AUROC':>7s} {'caught@5%':>10s}  " + " ".join(f"{k:>8s}" for k in kind_names))
    for name in test_scores:
        inl, outl = test_scores[name], out_scores[name]
        threshold = inl.quantile(0.95)
        caught = float((outl > threshold).float().mean())
        per_kind = []
        for k in kind_names:
            mask = torch.tensor([kind == k for kind in kinds])
            per_kind.append(auroc(inl, outl[mask]))
        print(f"{name:22s} {auroc(inl, outl):7.3f} {caught:10.1%}  " + " ".join(f"{v:8.3f}" for v in per_kind))


if __name__ == "__main__":
    main()
