#!/usr/bin/env bash
# Likely mislabelled items on real photographs: flips 5% of ../shared/data/met's labels at random (seeded), imports
# them, fits the head on cached MobileNetV2 ImageNet features (the cheap path, --epochs 0) and ranks the labels with
# label-issues; prints the precision and recall of the ranking's top 5% against the flipped set. Run by hand.
#
#   bench/label_issues.sh [WORK_DIR] [SHARE] [SEED]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${ACCESSION_CLI:-$root/build/app/accession-cli}
data=${MET_DATA:-$root/../shared/data/met}
weights=${MET_WEIGHTS:-$root/../shared/weights/mobilenet_v2_imagenet_coral.safetensors}
work=${1:-/tmp/accession-label-issues}
share=${2:-0.05}
seed=${3:-2024}
mkdir -p "$work"

if [[ ! -f "$work/met.db" ]]; then
    /usr/bin/python3 "$root/bench/python/flip_labels.py" "$data/labels.csv" "$work/noisy.csv" "$work/flipped.txt" "$share" "$seed"
    "$cli" import --catalog "$work/met.db" --csv "$work/noisy.csv" --images "$data" > /dev/null
fi
if [[ ! -f "$work/model.safetensors" ]]; then
    start=$(date +%s)
    "$cli" train --catalog "$work/met.db" --arch mobilenet_v2 --weights "$weights" --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 \
        --features-cache --epochs 0 --out "$work/model.safetensors" > "$work/train.log"
    echo "training (cached head): $(( $(date +%s) - start )) s"
fi
start=$(date +%s)
"$cli" label-issues --catalog "$work/met.db" --model "$work/model.safetensors" --json > "$work/issues.json"
echo "label-issues: $(( $(date +%s) - start )) s"

/usr/bin/python3 - "$work" "$data" <<'PY'
import json, math, os, sys
work, data = sys.argv[1:3]
flipped = {os.path.realpath(os.path.join(data, line.strip())) for line in open(f"{work}/flipped.txt") if line.strip()}
report = json.load(open(f"{work}/issues.json"))
ranked = [os.path.realpath(item["path"]) for item in report["items"]]
n = report["items_checked"]
k = math.ceil(0.05 * n)
top = ranked[:k]
hits = sum(1 for path in top if path in flipped)
print(f"{n} items, {len(flipped)} flipped ({len(flipped) / n:.1%}), {len(ranked)} ranked as issues, "
      f"estimated error rate {report['estimated_error_rate']:.3f}")
print(f"top 5% ({k} items, {len(top)} ranked): precision {hits / max(1, len(top)):.3f}, recall {hits / len(flipped):.3f}")
found = sum(1 for path in ranked if path in flipped)
print(f"all {len(ranked)} issues: precision {found / max(1, len(ranked)):.3f}, recall {found / len(flipped):.3f}")
PY
