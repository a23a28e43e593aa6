#!/usr/bin/env bash
# Cleaning the training labels with label-issues (issue 21's last accuracy lever): ranks the labels of a
# met_accuracy.sh catalog with label-issues (out-of-fold heads on the pretrained backbone's features), then trains
# the same configuration on three copies of the catalog and evaluates each on the held-out photographs:
#   as-is     the labels as imported
#   relabel   each reported item on the training side of the split filed under the suggested department
#             (accession-cli decide --department: a curator label, as the Check Labels view would record it)
#   prune     each reported item on the training side left out of training (its label removed)
# Validation items are never touched, so the validation figures stay comparable. Run by hand.
#
#   bench/label_cleaning.sh [WORK_DIR] [CONFIG]
#     WORK_DIR: a met_accuracy.sh work folder (default /tmp/accession-met), holding met.db, test.csv and
#               models/mobilenet_v2-224-pretrained-cached-head.safetensors (met_accuracy.sh trains it)
#     CONFIG:   train arguments (default: the cached-feature head, --epochs 0)
#   LABEL_CLEANING_VARIANTS: which of the three to train (default "as-is relabel prune"); a long configuration whose
#   as-imported run met_accuracy.sh already made (the same catalog and arguments) can train only "relabel".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${ACCESSION_CLI:-$root/build/app/accession-cli}
data=${MET_DATA:-$root/../shared/data/met}
weights=${MET_WEIGHTS:-$root/../shared/weights/mobilenet_v2_imagenet_coral.safetensors}
work=${1:-/tmp/accession-met}
config=${2:---arch mobilenet_v2 --weights $weights --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --features-cache --epochs 0}
ranker="$work/models/mobilenet_v2-224-pretrained-cached-head.safetensors"
tag=$(echo "$config" | md5sum | cut -c1-8)
out="$work/cleaning"
read -r -a variants <<< "${LABEL_CLEANING_VARIANTS:-as-is relabel prune}"
mkdir -p "$out"
[[ -f "$ranker" ]] || { echo "train $ranker first: bench/met_accuracy.sh $work mobilenet_v2-224-pretrained-cached-head" >&2; exit 1; }

if [[ ! -f "$out/issues.json" ]]; then
    "$cli" label-issues --catalog "$work/met.db" --model "$ranker" --json > "$out/issues.json"
fi
# The reported items on the training side of the catalog's saved split, as "id<TAB>suggested department".
sqlite3 "$work/met.db" "SELECT item_id FROM split_items WHERE validation = 0" > "$out/training-ids.txt"
/usr/bin/python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
training = {int(line) for line in open(f"{out}/training-ids.txt") if line.strip()}
report = json.load(open(f"{out}/issues.json"))
chosen = [item for item in report["items"] if item["item_id"] in training]
with open(f"{out}/chosen.tsv", "w") as f:
    for item in chosen:
        f.write(f"{item['item_id']}\t{item['suggested']}\n")
print(f"{report['items_checked']} labels checked, {len(report['items'])} reported "
      f"(estimated error rate {report['estimated_error_rate']:.3f}), {len(chosen)} of them on the training side")
PY

for variant in "${variants[@]}"; do
    dir="$out/$variant"
    model="$dir/model-$tag.safetensors"
    if [[ ! -f "$dir/met.db" ]]; then
        mkdir -p "$dir"
        cp "$work/met.db" "$dir/met.db"
        [[ -d "$work/met.cache" ]] && cp -r "$work/met.cache" "$dir/met.cache"
        case $variant in
        relabel)
            while IFS=$'\t' read -r id department; do
                "$cli" decide --catalog "$dir/met.db" --item "$id" --department "$department" > /dev/null
            done < "$out/chosen.tsv" ;;
        prune)
            ids=$(cut -f1 "$out/chosen.tsv" | paste -sd, -)
            [[ -n "$ids" ]] && sqlite3 "$dir/met.db" "UPDATE items SET current_label_id = NULL WHERE id IN ($ids)" ;;
        esac
    fi
    if [[ ! -f "$model" ]]; then
        start=$(date +%s)
        # shellcheck disable=SC2086
        "$cli" train --catalog "$dir/met.db" $config --out "$model" > "$dir/train-$tag.log"
        echo $(( $(date +%s) - start )) > "$dir/train-$tag.seconds"
    fi
    [[ -f "$dir/test-$tag.json" ]] || "$cli" evaluate --model "$model" --csv "$work/test.csv" --images "$data" --json > "$dir/test-$tag.json"
done

echo "configuration: $config"
printf '%-10s %9s %9s %9s %10s\n' labels "val acc" "test acc" "test top3" "train time"
for variant in "${variants[@]}"; do
    /usr/bin/python3 - "$out/$variant" "$tag" "$variant" <<'PY'
import json, sys
dir, tag, variant = sys.argv[1:4]
card = json.load(open(f"{dir}/model-{tag}.json"))
test = json.load(open(f"{dir}/test-{tag}.json"))
seconds = int(open(f"{dir}/train-{tag}.seconds").read())
print(f"{variant:10s} {card['validation']['accuracy']:9.3f} {test['accuracy']:9.3f} {test['top3_accuracy']:9.3f} {seconds / 60:8.1f} min")
PY
done
