#!/usr/bin/env bash
# How well the out-of-scope scores tell museum photographs from photographs no department collects.
#
#   bench/ood_auroc.sh MODEL.safetensors [MODEL2.safetensors ...]
#
# Generates non-museum images under $WORK/outliers (rendered text pages, noise, flat colours, gradients, colour
# charts, and the real photographs that Debian's python3-skimage ships: an astronaut, a cat, coffee, a rocket,
# motorcycles, the moon, microscopy...), classifies them with each model together with the held-out MET
# photographs listed in $MET_CSV (read where they lie, never copied), and prints, for each model, the AUROC of
# three scores (energy over the calibrated logits, max softmax, max logit) for each kind of outlier, and what
# share of each kind the model card's out-of-scope threshold sends to review. A model whose card scores knn_energy
# (train --out-of-scope-score knn_energy) gets a fourth column: that joined score, as classify stored it.
# Run by hand; takes a few minutes.
set -euo pipefail

CLI=${CLI:-build/app/accession-cli}
WORK=${WORK:-/tmp/ood/bench}
MET_CSV=${MET_CSV:-/tmp/met/test.csv}
MET_IMAGES=${MET_IMAGES:-/work/shared/data/met}
PER_KIND=${PER_KIND:-40}
PYTHON=${PYTHON:-python3}

if [ $# -lt 1 ]; then
    echo "usage: $0 MODEL.safetensors [MODEL.safetensors ...]" >&2
    exit 2
fi
for tool in convert "$PYTHON"; do
    command -v "$tool" >/dev/null || { echo "$0: needs $tool (ImageMagick, Python 3)" >&2; exit 2; }
done
[ -x "$CLI" ] || { echo "$0: no $CLI: build accession-cli first" >&2; exit 2; }
[ -f "$MET_CSV" ] || { echo "$0: no $MET_CSV (object_id,department,file,... of the held-out MET photographs)" >&2; exit 2; }

OUT="$WORK/outliers"
mkdir -p "$OUT"/{text,noise,flat,gradient,chart,photo}

# Deterministic random numbers: one awk stream per kind.
numbers() { awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%d\n", int(rand() * 16777216) }'; }
hex() { printf '#%06x' "$1"; }

if [ ! -f "$OUT/.done" ]; then
    echo "generating outliers in $OUT" >&2
    # Text pages: licence texts as typeset pages, different sizes, fonts and paper.
    mapfile -t texts < <(ls /usr/share/common-licenses/* /usr/share/doc/*/copyright 2>/dev/null | head -n 400)
    fonts=(DejaVu-Sans DejaVu-Serif DejaVu-Sans-Mono)
    papers=(white '#f4efe1' '#fffdf5' '#e9e9e9')
    i=0
    for value in $(numbers 11 "$PER_KIND"); do
        text=${texts[$((value % ${#texts[@]}))]}
        # One -draw per line (ImageMagick's policy here refuses caption:@FILE, and long captions exceed its limits).
        size=$((11 + value % 7))
        draw=()
        y=$((30 + size))
        while IFS= read -r line; do
            draw+=(-draw "text 30,$y '$line'")
            y=$((y + size + 5))
            [ "$y" -gt 830 ] && break
        done < <(head -c 3000 "$text" | tr -d "\r'\"\\%@" | fold -s -w $((1100 / size)))
        convert -size 620x860 "xc:${papers[$((value % 4))]}" -fill black -font "${fonts[$((value % 3))]}" \
            -pointsize "$size" "${draw[@]}" "$OUT/text/page-$i.png"
        i=$((i + 1))
    done
    # Noise: uniform, blurred at several scales, and plasma clouds.
    i=0
    for value in $(numbers 12 "$PER_KIND"); do
        case $((i % 3)) in
        0) convert -seed "$value" -size 512x512 xc: +noise Random "$OUT/noise/noise-$i.png" ;;
        1) convert -seed "$value" -size 512x512 xc: +noise Random -blur 0x$((1 + value % 8)) -auto-level "$OUT/noise/noise-$i.png" ;;
        2) convert -seed "$value" -size 512x512 plasma:fractal "$OUT/noise/noise-$i.png" ;;
        esac
        i=$((i + 1))
    done
    # Flat colours.
    i=0
    for value in $(numbers 13 "$PER_KIND"); do
        convert -size 512x384 "xc:$(hex "$value")" "$OUT/flat/flat-$i.png"
        i=$((i + 1))
    done
    # Gradients: linear and radial, between two colours.
    i=0
    mapfile -t pairs < <(numbers 14 $((2 * PER_KIND)))
    for ((k = 0; k < PER_KIND; k++)); do
        a=$(hex "${pairs[$((2 * k))]}"); b=$(hex "${pairs[$((2 * k + 1))]}")
        kind=gradient; [ $((k % 2)) -eq 1 ] && kind=radial-gradient
        convert -size 512x512 "$kind:$a-$b" -rotate $((k * 37 % 360)) -gravity center -extent 512x512 "$OUT/gradient/gradient-$i.png"
        i=$((i + 1))
    done
    # Colour charts: a grid of patches on grey, as photographed beside works for colour calibration.
    mapfile -t patches < <(numbers 15 $((24 * PER_KIND)))
    for ((k = 0; k < PER_KIND; k++)); do
        draw=()
        for ((p = 0; p < 24; p++)); do
            x=$((20 + (p % 6) * 95)); y=$((20 + (p / 6) * 95))
            draw+=(-fill "$(hex "${patches[$((24 * k + p))]}")" -draw "rectangle $x,$y $((x + 80)),$((y + 80))")
        done
        convert -size 610x420 xc:'#808080' "${draw[@]}" "$OUT/chart/chart-$k.png"
    done
    # Real photographs of other kinds, from a Debian package's data (fetched with apt-get download, not installed).
    skimage="$WORK/skimage"
    if [ ! -d "$skimage/x" ]; then
        mkdir -p "$skimage"
        (cd "$skimage" && apt-get download python3-skimage >/dev/null 2>&1 && dpkg -x python3-skimage_*.deb x) ||
            echo "no python3-skimage package: no real photographs of other kinds" >&2
    fi
    for name in astronaut camera chelsea coffee coins hubble_deep_field moon motorcycle_left motorcycle_right rocket \
        retina ihc cell grass gravel brick clock_motion color; do
        found=$(find "$skimage/x" -path "*skimage/data/$name.*" \( -name '*.png' -o -name '*.jpg' \) 2>/dev/null | head -n 1)
        [ -n "$found" ] && cp "$found" "$OUT/photo/"
    done
    touch "$OUT/.done"
fi

# The CSV's department names hold commas inside quotes: read it as CSV.
mapfile -t museum < <("$PYTHON" -c 'import csv, sys
for row in csv.DictReader(open(sys.argv[1], newline="")):
    print(sys.argv[2] + "/" + row["file"])' "$MET_CSV" "$MET_IMAGES")
mapfile -t outliers < <(find "$OUT" -type f \( -name '*.png' -o -name '*.jpg' \) | sort)
echo "${#museum[@]} museum photographs, ${#outliers[@]} outliers" >&2

for model in "$@"; do
    name=$(basename "$model" .safetensors)
    start=$(date +%s)
    # One import, two catalogs: one classified with the model's card as it is (its score, threshold and filing),
    # one with the card asking for energy and no threshold, so that every score can be measured.
    base="$WORK/$name.base.db"
    rm -f "$base" "$base-wal" "$base-shm" "$WORK/$name.db"* "$WORK/$name.energy.db"*
    "$CLI" import --catalog "$base" --json "${museum[@]}" "${outliers[@]}" > "$WORK/$name.import.json"
    sqlite3 "$base" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
    cp "$base" "$WORK/$name.db"
    cp "$base" "$WORK/$name.energy.db"
    energy="$WORK/$name.energy.safetensors"
    ln -sf "$(realpath "$model")" "$energy"
    "$PYTHON" -c 'import json, sys
card = json.load(open(sys.argv[1]))
card.pop("out_of_scope_threshold", None)
card["out_of_scope_score"] = "energy"
json.dump(card, open(sys.argv[2], "w"))' "${model%.safetensors}.json" "${energy%.safetensors}.json"
    "$CLI" classify --catalog "$WORK/$name.db" --model "$model" --json > "$WORK/$name.classify.json"
    "$CLI" classify --catalog "$WORK/$name.energy.db" --model "$energy" --json > /dev/null
    "$CLI" export --catalog "$WORK/$name.db" --format json --out "$WORK/$name.export.json"
    "$CLI" export --catalog "$WORK/$name.energy.db" --format json --out "$WORK/$name.energy.export.json"
    echo "== $name ($(($(date +%s) - start)) s to classify $(( ${#museum[@]} + ${#outliers[@]} )) images twice)"
    "$PYTHON" - "$WORK/$name.export.json" "$WORK/$name.energy.export.json" "${model%.safetensors}.json" "$MET_IMAGES" "$OUT" <<'EOF'
import json, math, os, sys
rows = json.load(open(sys.argv[1]))
energies = {row["path"]: row["out_of_scope_score"] for row in json.load(open(sys.argv[2]))}
card = json.load(open(sys.argv[3]))
T = card.get("temperature", 1.0)
threshold = card.get("out_of_scope_threshold")
met, out = os.path.realpath(sys.argv[4]), os.path.realpath(sys.argv[5])
card_score = card.get("out_of_scope_score", "energy")
groups = {}
for row in rows:
    energy, confidence = energies.get(row["path"]), row.get("confidence")
    if energy is None or confidence is None:
        continue
    path = os.path.realpath(row["path"])
    kind = "museum" if path.startswith(met) else os.path.basename(os.path.dirname(path))
    max_logit = T * math.log(max(confidence, 1e-300)) - energy  # z_max = T log p_max - E
    # Each score oriented so that higher means further out of scope.
    scored = {"energy": energy, "max softmax": -confidence, "max logit": -max_logit,
              "flagged": bool(row.get("out_of_scope")), "confidence": confidence}
    if card_score == "knn_energy":
        scored["knn_energy"] = row["out_of_scope_score"]  # the card's own score, stored by the first classify
    groups.setdefault(kind, []).append(scored)
def auroc(inside, outside):
    # P(outlier scores higher than a museum photograph), ties counting half (Mann-Whitney U).
    ranked = sorted([(s, 0) for s in inside] + [(s, 1) for s in outside])
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2.0
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    n1, n0 = len(outside), len(inside)
    return (rank_sum - n1 * (n1 + 1) / 2.0) / (n1 * n0)

museum = groups.pop("museum", [])
scores = ["energy", "max softmax", "max logit"] + (["knn_energy"] if card_score == "knn_energy" else [])
everything = [r for kind in groups.values() for r in kind]
print(f"temperature {T:.3f}, out-of-scope score {card.get('out_of_scope_score', 'energy')}, threshold "
      f"{threshold if threshold is not None else 'none (old card)'}")
print(f"{'kind':<10} {'n':>4} " + " ".join(f"{s:>12}" for s in scores) + f" {'flagged':>8}")
for kind in sorted(groups) + ["all"]:
    rows = everything if kind == "all" else groups[kind]
    values = [auroc([r[s] for r in museum], [r[s] for r in rows]) for s in scores]
    flagged = sum(r["flagged"] for r in rows) / len(rows)
    print(f"{kind:<10} {len(rows):>4} " + " ".join(f"{v:>12.3f}" for v in values) + f" {flagged:>8.1%}")
print(f"{'museum':<10} {len(museum):>4} " + " " * (13 * len(scores) - 1) + f" {sum(r['flagged'] for r in museum) / max(1, len(museum)):>8.1%}"
      "  (share sent to review as out of scope)")
# Each score's detection rate at the museum photographs' own 95th percentile (TPR at 5% FPR on this test set).
print("TPR at 5% FPR: " + ", ".join(
    f"{s} {sum(r[s] > sorted(m[s] for m in museum)[int(0.95 * (len(museum) - 1))] for r in everything) / len(everything):.1%}"
    for s in scores))
# What filing does with the outliers: the confidence threshold alone, then with the out-of-scope rule.
filing = card.get("threshold", 1.0)
confident = [r for r in everything if filing < 1 and r["confidence"] >= filing]
print(f"outliers at or above the filing threshold {filing:.3f}: {len(confident)} of {len(everything)}; "
      f"filed with the out-of-scope rule: {sum(not r['flagged'] for r in confident)}; "
      f"museum photographs filed: {sum(filing < 1 and r['confidence'] >= filing and not r['flagged'] for r in museum)} of {len(museum)}")
EOF
done
