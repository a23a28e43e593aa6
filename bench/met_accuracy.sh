#!/usr/bin/env bash
# Accuracy on real photographs: trains each configuration on 80% of ../shared/data/met (which
# Accession splits again into training and validation) and evaluates on the held-out 20% it never
# saw. Run by hand; prints a table. Takes hours on two cores.
#
#   bench/met_accuracy.sh [WORK_DIR] [CONFIG...]     (configs: see the lists below; default: all)
#
# MET_TTA="none flip flip-scales" evaluates each configuration with each set of test-time views
# (evaluate --tta; the card is not changed); default "none". MET_TRAIN_EXTRA adds arguments to every train command
# (e.g. "--threads 1" to run two configurations side by side). An ensemble configuration joins two
# trained ones (accession-cli ensemble, calibrated on their validation split) once both exist.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cli=${ACCESSION_CLI:-$root/build/app/accession-cli}
data=${MET_DATA:-$root/../shared/data/met}
weights=${MET_WEIGHTS:-$root/../shared/weights/mobilenet_v2_imagenet_coral.safetensors}
work=${1:-/tmp/accession-met}
shift || true
mkdir -p "$work"

if [[ ! -f "$work/met.db" ]]; then
    /usr/bin/python3 "$root/bench/python/split_csv.py" "$data/labels.csv" "$work/train.csv" "$work/test.csv" 0.2 2024
    "$cli" import --catalog "$work/met.db" --csv "$work/train.csv" --images "$data" > /dev/null
fi

# name | train arguments
configs=(
    "baseline-64|--arch baseline --image-size 64 --epochs 30"
    "mobilenet_v2-224-pretrained-cached-head|--arch mobilenet_v2 --weights $weights --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --features-cache --epochs 0"
    "mobilenet_v2-224-pretrained-finetune|--arch mobilenet_v2 --weights $weights --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --features-cache --epochs 6"
    "mobilenet_v2-224-pretrained-finetune-12|--arch mobilenet_v2 --weights $weights --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --features-cache --epochs 12 --lr 5e-4"
    "mobilenet_v2-224-pretrained-finetune-12-layer-decay|--arch mobilenet_v2 --weights $weights --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --features-cache --epochs 12 --lr 1e-3 --layer-decay 0.75"
    "mobilenet_v2-288-from-finetune-12|--arch mobilenet_v2 --weights $work/models/mobilenet_v2-224-pretrained-finetune-12.safetensors --mean 0.5,0.5,0.5 --std 0.5,0.5,0.5 --image-size 288 --features-cache --epochs 4 --lr 2e-4"
    "mobilenet_v2-128-scratch|--arch mobilenet_v2 --image-size 128 --epochs 25"
    "resnet18-128-scratch|--arch resnet18 --image-size 128 --epochs 25"
    "resnet18-128-scratch-60|--arch resnet18 --image-size 128 --epochs 60 --class-balance none --patience 0"
    "mobilenet_v2-128-scratch-first-recipe|--arch mobilenet_v2 --image-size 128 --epochs 25 --lr 2e-3 --weight-decay 0.05 --class-balance full --crop-scale 0.25"
    "resnet18-128-scratch-first-recipe|--arch resnet18 --image-size 128 --epochs 25 --lr 2e-3 --weight-decay 0.05 --class-balance full --crop-scale 0.25"
    "resnet18-128-scratch-val10|--arch resnet18 --image-size 128 --epochs 25 --val-fraction 0.1"
    "mobilenet_v2-128-scratch-crop70|--arch mobilenet_v2 --image-size 128 --epochs 25 --crop-scale 0.7"
    "mobilenet_v2-128-scratch-sgd|--arch mobilenet_v2 --image-size 128 --epochs 25 --optimizer sgd"
    "mobilenet_v2-128-scratch-nobalance|--arch mobilenet_v2 --image-size 128 --epochs 25 --class-balance none"
    "mobilenet_v2-224-scratch|--arch mobilenet_v2 --image-size 224 --epochs 15"
    "resnet18-224-scratch|--arch resnet18 --image-size 224 --epochs 12"
)
# name | member configurations (trained above first)
ensembles=(
    "ensemble-finetune-12+cached-head|mobilenet_v2-224-pretrained-finetune-12 mobilenet_v2-224-pretrained-cached-head"
    "ensemble-finetune-12+resnet18-128-scratch|mobilenet_v2-224-pretrained-finetune-12 resnet18-128-scratch"
    "ensemble-finetune-12+resnet18-128-scratch-60|mobilenet_v2-224-pretrained-finetune-12 resnet18-128-scratch-60"
)
read -r -a ttas <<< "${MET_TTA:-none}"
evaluate() { # name: evaluates models/NAME with each of MET_TTA's views
    local name=$1 tta suffix
    for tta in "${ttas[@]}"; do
        suffix=$([[ $tta == none ]] && echo "" || echo ".tta-$tta")
        [[ -f "$work/$name$suffix.test.json" ]] && continue
        "$cli" evaluate --model "$work/models/$name.safetensors" --csv "$work/test.csv" --images "$data" --tta "$tta" --json \
            > "$work/$name$suffix.test.json"
    done
}
wanted=("$@")
for entry in "${configs[@]}"; do
    name=${entry%%|*}
    arguments=${entry#*|}
    if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then continue; fi
    model="$work/models/$name.safetensors"
    if [[ ! -f "$model" ]]; then
        start=$(date +%s)
        # shellcheck disable=SC2086
        "$cli" train --catalog "$work/met.db" $arguments ${MET_TRAIN_EXTRA:-} --out "$model" --resume > "$work/$name.train.log"
        echo $(( $(date +%s) - start )) > "$work/$name.seconds"
    fi
    evaluate "$name"
done
for entry in "${ensembles[@]}"; do
    name=${entry%%|*}
    read -r -a members <<< "${entry#*|}"
    if [[ ${#wanted[@]} -gt 0 && ! " ${wanted[*]} " =~ " $name " ]]; then continue; fi
    model="$work/models/$name.safetensors"
    if [[ ! -f "$model" ]]; then
        arguments=()
        for member in "${members[@]}"; do
            if [[ ! -f "$work/models/$member.safetensors" ]]; then echo "$name: train $member first" >&2; continue 2; fi
            arguments+=(--model "$work/models/$member.safetensors")
        done
        start=$(date +%s)
        "$cli" ensemble --out "$model" "${arguments[@]}" --catalog "$work/met.db" > "$work/$name.train.log"
        echo $(( $(date +%s) - start )) > "$work/$name.seconds"
    fi
    evaluate "$name"
done

printf '%-54s %9s %9s %9s %9s %10s\n' configuration "val acc" "test acc" "test top3" "test ECE" "train time"
for entry in "${configs[@]}" "${ensembles[@]}"; do
    name=${entry%%|*}
    for tta in "${ttas[@]}"; do
        suffix=$([[ $tta == none ]] && echo "" || echo ".tta-$tta")
        [[ -f "$work/$name$suffix.test.json" ]] || continue
        /usr/bin/python3 - "$work" "$name" "$suffix" <<'PY'
import json, sys
work, name, suffix = sys.argv[1:4]
card = json.load(open(f"{work}/models/{name}.json"))
test = json.load(open(f"{work}/{name}{suffix}.test.json"))
seconds = int(open(f"{work}/{name}.seconds").read())
print(f"{name + suffix:54s} {card['validation']['accuracy']:9.3f} {test['accuracy']:9.3f} {test['top3_accuracy']:9.3f} "
      f"{test['ece_calibrated']:9.3f} {seconds / 60:8.1f} min")
PY
    done
done
