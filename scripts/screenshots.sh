#!/usr/bin/env bash
# One picture of each view and dialog of the real application, at 1366x768 and at 2560x1440 (scale 2), in light
# and in dark: OUT_DIR/VIEW-1366x768-light.png, VIEW-2560x1440-dark.png, ... Runs the demo under Xvfb, so it
# needs no display; the demo is built once (a minute or two) in a private profile and shared by the four runs.
#
#   scripts/screenshots.sh OUT_DIR [ACCESSION_BINARY]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/screenshots.sh OUT_DIR [ACCESSION_BINARY]}
app=${2:-${ACCESSION_BUILD_DIR:-build}/app/accession}
[[ -x "$app" ]] || { echo "no application at $app: build it first (scripts/build.sh)" >&2; exit 1; }
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (package xvfb)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

failed=0
for size in 1366x768 2560x1440; do
    scale=1
    [[ $size == 2560x1440 ]] && scale=2
    for look in light dark; do
        shots="$profile/shots-$size-$look"
        mkdir -p "$shots"
        echo "== $size (scale $scale), $look"
        # A fresh configuration each time (window geometry, preferences), the same data (the demo catalog).
        rm -rf "$profile/config"
        env -u QT_QPA_PLATFORM -u GTK_THEME XDG_DATA_HOME="$profile/data" XDG_CONFIG_HOME="$profile/config" XDG_RUNTIME_DIR="$profile/run" \
            QT_SCALE_FACTOR=$scale QT_ENABLE_HIGHDPI_SCALING=1 ACCESSION_APPEARANCE=$look \
            timeout 900 xvfb-run -a -s "-screen 0 ${size}x24" "$app" --demo --tour "$shots"
        status=$?
        if [[ $status -ne 0 ]]; then
            echo "FAILED: $size $look: the application exited with status $status" >&2
            failed=1
        fi
        for shot in "$shots"/*.png; do
            [[ -e $shot ]] || continue
            view=$(basename "$shot" .png)
            [[ $view == *-live-dark ]] && continue # the tour's own check of a live switch, not a view
            mv "$shot" "$out/$view-$size-$look.png"
        done
    done
done
count=$(ls "$out"/*.png 2>/dev/null | wc -l)
echo "$count screenshots in $out"
exit $failed
