#!/usr/bin/env bash
# Starts the real GUI under Xvfb on the demo (built from scratch in a fresh profile), lets it walk its main
# views and dialogs and save a screenshot of each, and fails if the application crashes or a view is empty.
# At the end the tour switches to dark live: that picture must be dark, charts included.
#
#   tests/gui_screenshots.sh ACCESSION_BINARY [OUT_DIR]
set -uo pipefail
app=${1:?usage: gui_screenshots.sh ACCESSION_BINARY [OUT_DIR]}
out=${2:-$(mktemp -d)}
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$out"
rm -f "$out"/*.png

command -v xvfb-run >/dev/null || { echo "xvfb-run is missing (package xvfb)" >&2; exit 1; }
# The real X11 platform under Xvfb, not the offscreen one the other tests use.
env -u QT_QPA_PLATFORM -u ACCESSION_APPEARANCE -u GTK_THEME XDG_DATA_HOME="$profile/data" XDG_CONFIG_HOME="$profile/config" XDG_RUNTIME_DIR="$profile/run" \
    timeout 900 xvfb-run -a -s "-screen 0 1400x900x24" "$app" --demo --tour "$out"
status=$?
if [[ $status -ne 0 ]]; then
    echo "FAILED: the application exited with status $status (crash, time-out or an empty view)" >&2
    exit 1
fi
for view in catalog-grid catalog-list-with-item review model-dashboard model-dashboard-cell check-labels near-duplicates model-dashboard-live-dark \
    dialog-import-labelled dialog-export dialog-train dialog-preferences dialog-departments dialog-keys dialog-about \
    dialog-user-guide dialog-met-import dialog-image-folder; do
    file="$out/$view.png"
    size=$(stat -c %s "$file" 2>/dev/null || echo 0)
    if [[ $size -lt 20000 ]]; then
        echo "FAILED: $file is missing or blank ($size bytes)" >&2
        exit 1
    fi
done
echo "screenshots in $out"
