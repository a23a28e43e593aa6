#!/usr/bin/env bash
# Installs, from Debian's packages, whatever Accession needs to build, run and test that is missing.
# Quiet and quick when everything is there; never prompts (safe without a terminal, as in CI).
set -euo pipefail

packages=(
    # toolchain
    g++ cmake ninja-build pkg-config
    # Qt 6: widgets, charts (which also need the OpenGL headers), the SQLite and PostgreSQL drivers
    qt6-base-dev qt6-charts-dev libqt6sql6-sqlite libqt6sql6-psql libqt6opengl6-dev libgl-dev fonts-dejavu-core
    # networks and images
    libtorch-dev libopencv-dev libjpeg-dev zlib1g-dev
    # an optimised BLAS behind Debian's libblas.so.3 (torch otherwise uses the slow reference BLAS)
    libopenblas0-openmp
    # tests: torchvision as the numerical reference, a virtual display for GUI screenshots
    python3-torch python3-torchvision xvfb xauth imagemagick
    # the Debian package: its manual pages (help2man), and what tests/package_deb.sh checks it with
    help2man dpkg-dev lintian appstream desktop-file-utils shared-mime-info libglib2.0-bin man-db
    # tests: a throwaway PostgreSQL cluster (initdb, pg_ctl) for the shared-catalog backend
    postgresql
)

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "Installing from Debian: ${missing[*]}" >&2
run_as_root=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "error: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    run_as_root=(sudo -n)
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
