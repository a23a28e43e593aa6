#!/usr/bin/env bash
# Near-duplicates on real photographs: N photographs of ../shared/data/met (read in place), an altered copy of
# each written to WORK_DIR (resized to 60%, the centre 85% cropped, recompressed at JPEG quality 40, or turned 3
# degrees, in turn), both imported into a catalog in WORK_DIR; then the precision and recall of the pairs found by
# perceptual hashes alone and by the backbone's features at several thresholds. Run by hand; prints a table.
#
#   bench/near_duplicates.sh [WORK_DIR] [N]      (default /tmp/accession-neardup 300)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${ACCESSION_CLI:-$root/build/app/accession-cli}
data=${MET_DATA:-$root/../shared/data/met}
weights=${MET_WEIGHTS:-$root/../shared/weights/mobilenet_v2_imagenet_coral.safetensors}
work=${1:-/tmp/accession-neardup}
count=${2:-300}
rm -rf "$work"
mkdir -p "$work/altered"

# The photographs (seeded choice) and their altered copies, with the truth: copy -> original.
/usr/bin/python3 - "$data/images" "$work" "$count" <<'PY'
import os, random, sys
from PIL import Image
images, work, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = sorted(n for n in os.listdir(images) if n.lower().endswith(('.jpg', '.jpeg', '.png')))
chosen = random.Random(2024).sample(names, min(count, len(names)))
kinds = ['resized', 'cropped', 'recompressed', 'rotated']
with open(os.path.join(work, 'originals.txt'), 'w') as originals, open(os.path.join(work, 'truth.tsv'), 'w') as truth:
    for i, name in enumerate(chosen):
        source = os.path.join(images, name)
        image = Image.open(source).convert('RGB')
        kind = kinds[i % len(kinds)]
        if kind == 'resized':
            image = image.resize((max(1, int(image.width * 0.6)), max(1, int(image.height * 0.6))), Image.LANCZOS)
        elif kind == 'cropped':
            w, h = int(image.width * 0.85), int(image.height * 0.85)
            left, top = (image.width - w) // 2, (image.height - h) // 2
            image = image.crop((left, top, left + w, top + h))
        elif kind == 'rotated':
            image = image.rotate(3, resample=Image.BILINEAR, expand=False, fillcolor=image.getpixel((0, 0)))
        target = os.path.join(work, 'altered', '%s-%s.jpg' % (kind, os.path.splitext(name)[0]))
        image.save(target, quality=40 if kind == 'recompressed' else 90)
        originals.write(source + '\n')
        truth.write('%s\t%s\t%s\n' % (target, source, kind))
PY

mapfile -t originals < "$work/originals.txt"
"$cli" import --catalog "$work/nd.db" "${originals[@]}" --json > "$work/import-originals.json"
"$cli" import --catalog "$work/nd.db" "$work/altered" --json > "$work/import-altered.json"

/usr/bin/python3 - "$work/import-altered.json" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
print('import of the %d altered copies: %d warned of as near-duplicates (perceptual hash within the distance)'
      % (summary['imported'] + summary['duplicates'], summary.get('near_duplicates', 0)))
PY

start=$(date +%s.%N)
"$cli" near-duplicates --catalog "$work/nd.db" --hashes-only --json > "$work/hashes.json"
echo "hashes only: $(echo "$(date +%s.%N) - $start" | bc) s"
for threshold in 0.70 0.75 0.80 0.85 0.90; do
    start=$(date +%s.%N)
    "$cli" near-duplicates --catalog "$work/nd.db" --weights "$weights" --arch mobilenet_v2 --mean 0.5,0.5,0.5 \
        --std 0.5,0.5,0.5 --threshold $threshold --json > "$work/embeddings-$threshold.json"
    echo "features, threshold $threshold: $(echo "$(date +%s.%N) - $start" | bc) s (the first run computes the features)"
done

/usr/bin/python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
truth = {}
kinds = {}
for line in open(os.path.join(work, 'truth.tsv')):
    copy, original, kind = (os.path.realpath(part) if i < 2 else part for i, part in enumerate(line.rstrip('\n').split('\t')))
    truth[copy] = original
    kinds[copy] = kind
true_pairs = {frozenset((c, o)) for c, o in truth.items()}

def measure(report, by):
    path_of = {}
    for group in report['groups']:
        for item, path in zip(group['items'], group['paths']):
            path_of[item] = os.path.realpath(path)
    found = set()
    for group in report['groups']:
        for pair in group['pairs']:
            if by == 'hash' and (pair['hash_distance'] is None or pair['hash_distance'] > report['hash_distance']):
                continue
            if by == 'cosine' and (pair['cosine'] is None or pair['cosine'] < report['threshold']):
                continue
            # by == 'either': every pair the command reported (hash within the distance or cosine at the threshold)
            found.add(frozenset((path_of[pair['a']], path_of[pair['b']])))
    hits = found & true_pairs
    precision = len(hits) / len(found) if found else 1.0
    recall = len(hits) / len(true_pairs)
    per_kind = {}
    for copy, kind in kinds.items():
        per_kind.setdefault(kind, [0, 0])
        per_kind[kind][1] += 1
        per_kind[kind][0] += frozenset((copy, truth[copy])) in hits
    return precision, recall, len(found), per_kind

rows = [('perceptual hash <= %d bits' % json.load(open(os.path.join(work, 'hashes.json')))['hash_distance'],
         json.load(open(os.path.join(work, 'hashes.json'))), 'hash')]
for threshold in ['0.70', '0.75', '0.80', '0.85', '0.90']:
    rows.append(('features, cosine >= %s' % threshold, json.load(open(os.path.join(work, 'embeddings-%s.json' % threshold))), 'cosine'))
print('%-30s %9s %7s %6s   recall by alteration' % ('pairs found by', 'precision', 'recall', 'pairs'))
for name, report, by in rows:
    precision, recall, found, per_kind = measure(report, by)
    kinds_text = '  '.join('%s %d/%d' % (k, v[0], v[1]) for k, v in sorted(per_kind.items()))
    print('%-30s %9.3f %7.3f %6d   %s' % (name, precision, recall, found, kinds_text))
for threshold in ['0.75', '0.80']:
    name = 'hash or features >= %s' % threshold
    precision, recall, found, per_kind = measure(json.load(open(os.path.join(work, 'embeddings-%s.json' % threshold))), 'either')
    kinds_text = '  '.join('%s %d/%d' % (k, v[0], v[1]) for k, v in sorted(per_kind.items()))
    print('%-30s %9.3f %7.3f %6d   %s' % (name, precision, recall, found, kinds_text))
report = json.load(open(os.path.join(work, 'embeddings-0.80.json')))
print('items checked: %d, failures: %d' % (report['items_checked'], len(report['failures'])))
PY
