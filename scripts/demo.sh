#!/usr/bin/env bash
# Sets up everything on a fresh Debian machine, builds, and opens Accession on its built-in demo catalog.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-dependencies.sh
scripts/build.sh
build_dir=${ACCESSION_BUILD_DIR:-build}
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "No display found: running Accession on a virtual X display (xvfb-run). Stop it with Ctrl+C." >&2
    exec xvfb-run -a -s "-screen 0 1400x900x24" "$build_dir/app/accession" --demo "$@"
fi
exec "$build_dir/app/accession" --demo "$@"
