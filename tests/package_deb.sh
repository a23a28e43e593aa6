#!/usr/bin/env bash
# Builds the Debian package of a build folder (cpack -G DEB into a scratch folder; the build folder is only read)
# and checks that a clean system could install and run it: its Depends names the Debian package of every library
# the two programs load, apt can install it where nothing is installed yet, and it carries the desktop entry, the MIME type, the AppStream metadata and the manual
# pages, each valid by its own tool (desktop-file-validate, appstreamcli, update-mime-database, man, lintian).
# Usage: package_deb.sh CPACK BUILD_DIR
set -uo pipefail
cpack=${1:?usage: package_deb.sh CPACK BUILD_DIR}
build=${2:?usage: package_deb.sh CPACK BUILD_DIR}
app_id=io.github.accession.Accession

failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
need() { command -v "$1" >/dev/null || { echo "FAIL: $1 is not installed (scripts/install-dependencies.sh installs it)" >&2; exit 1; }; }
need dpkg-deb; need dpkg-shlibdeps; need objdump; need appstreamcli; need lintian; need man

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

started=$SECONDS
if ! "$cpack" --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/cpack" >"$scratch/cpack.log" 2>&1; then
    cat "$scratch/cpack.log" >&2
    echo "FAIL: cpack -G DEB failed for $build (is everything built? cmake --build $build)" >&2
    exit 1
fi
grep -i 'warning' "$scratch/cpack.log" >&2
debs=("$scratch"/cpack/accession_*.deb)
[[ -f "${debs[0]}" ]] || { echo "FAIL: cpack wrote no accession_*.deb into $scratch/cpack" >&2; exit 1; }
deb=${debs[0]}
echo "built $(basename "$deb") in $((SECONDS - started)) s"

# --- Depends: every library either program needs belongs to a package that Depends names.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Package names in Depends, alternatives included, without versions or architectures.
depend_names=$(tr ',|' '\n\n' <<<"$depends" | sed -E 's/\(.*\)//; s/:.*//; s/^ +//; s/ +$//' | grep -v '^$' | sort -u)
for package in libqt6network6 libqt6concurrent6 libqt6sql6 libqt6sql6-sqlite libqt6widgets6 libqt6charts6; do
    grep -qx "$package" <<<"$depend_names" || fail "Depends lacks $package"
done

dpkg-deb -x "$deb" "$scratch/root"
for program in accession accession-cli; do
    binary="$scratch/root/usr/bin/$program"
    [[ -x "$binary" ]] || { fail "the package has no usr/bin/$program"; continue; }
    while read -r soname; do
        # "libX.so.1 => /path/libX.so.1 (0x...)", or for the dynamic loader "/lib64/ld-linux-x86-64.so.2 (0x...)".
        path=$(ldd "$binary" | awk -v name="$soname" '$1 == name && $3 ~ /^\// { print $3 }
                                                    $1 ~ /^\// && $2 ~ /^\(/ && $1 ~ ("/" name "$") { print $1 }')
        if [[ -z "$path" ]]; then
            fail "$program needs $soname, which is not found on this system"
            continue
        fi
        # dpkg knows a library by the path its package installed, which usrmerge may have moved (/lib -> /usr/lib).
        owner=""
        for candidate in "$path" "$(readlink -f "$path")" "${path#/usr}" "$(readlink -f "$path" | sed 's|^/usr||')"; do
            owner=$(dpkg-query -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n "$owner" ]] && break
        done
        if [[ -z "$owner" ]]; then
            fail "$program needs $soname ($path), which belongs to no Debian package: the package cannot depend on it"
        elif ! grep -qx "$owner" <<<"$depend_names"; then
            fail "$program needs $soname from $owner, which Depends does not name"
        fi
    done < <(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
done

# --- apt installs it on a system with nothing installed (an empty dpkg status): every Depends exists in Debian.
if compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    : >"$scratch/empty-status"
    if apt-get install --simulate --no-install-recommends -q -o Dir::State::status="$scratch/empty-status" "$deb" \
           >"$scratch/apt.txt" 2>&1; then
        echo "apt on an empty system: $(grep -c '^Inst ' "$scratch/apt.txt") packages to install, accession among them"
        for package in accession libqt6network6 libqt6concurrent6 libqt6sql6-sqlite; do
            grep -q "^Inst $package " "$scratch/apt.txt" || fail "apt on an empty system would not install $package"
        done
    else
        cat "$scratch/apt.txt" >&2
        fail "apt-get cannot install $(basename "$deb") on an empty system"
    fi
else
    echo "no apt package lists (apt-get update): installation on an empty system not simulated"
fi

# --- What the desktop needs, in the package and valid.
contents=$(dpkg-deb -c "$deb" | awk '{ print $6 }')
for file in usr/bin/accession usr/bin/accession-cli \
            usr/share/applications/$app_id.desktop usr/share/metainfo/$app_id.metainfo.xml \
            usr/share/mime/packages/accession-catalog.xml usr/share/icons/hicolor/256x256/apps/accession.png \
            usr/share/man/man1/accession-cli.1.gz usr/share/man/man1/accession.1.gz \
            usr/share/doc/accession/copyright usr/share/doc/accession/changelog.gz; do
    grep -qx "./$file" <<<"$contents" || fail "the package lacks /$file"
done

if ! appstreamcli validate --no-net --pedantic "$scratch/root/usr/share/metainfo/$app_id.metainfo.xml"; then
    fail "appstreamcli validate rejects the metainfo"
fi
# A software centre shows the newest release of the metainfo as the version: it is the package's.
metainfo_release=$(grep -o '<release version="[^"]*"' "$scratch/root/usr/share/metainfo/$app_id.metainfo.xml" | head -1 | cut -d'"' -f2)
[[ "$metainfo_release" == "$(dpkg-deb -f "$deb" Version)" ]] \
    || fail "the metainfo's newest release is '$metainfo_release', the package is $(dpkg-deb -f "$deb" Version): add a <release>"
# The metainfo with the desktop file and icon it points to, as a software centre reads them.
if ! appstreamcli validate-tree --no-net "$scratch/root"; then
    fail "appstreamcli validate-tree rejects the installed tree"
fi
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$scratch/root/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate rejects the desktop entry"
    grep -qx 'MimeType=application/x-accession-catalog;' "$scratch/root/usr/share/applications/$app_id.desktop" \
        || fail "the desktop entry should claim application/x-accession-catalog alone"
else
    echo "desktop-file-validate not installed: desktop entry not validated"
fi

# The MIME type, in a MIME database of its own: *.accession is a catalog, any other SQLite file keeps SQLite's type.
if command -v update-mime-database >/dev/null && command -v gio >/dev/null; then
    mkdir -p "$scratch/xdg/mime/packages" "$scratch/files"
    cp /usr/share/mime/packages/freedesktop.org.xml "$scratch/root/usr/share/mime/packages/accession-catalog.xml" \
       "$scratch/xdg/mime/packages/"
    update-mime-database "$scratch/xdg/mime" >"$scratch/mime.log" 2>&1 \
        || { cat "$scratch/mime.log" >&2; fail "update-mime-database rejects accession-catalog.xml"; }
    for name in works.accession works.db; do
        printf 'SQLite format 3\0' >"$scratch/files/$name"
        head -c 4080 /dev/zero >>"$scratch/files/$name"
    done
    type_of() { XDG_DATA_HOME="$scratch/none" XDG_DATA_DIRS="$scratch/xdg" gio info -a standard::content-type "$1" | awk '/content-type/ { print $2 }'; }
    [[ $(type_of "$scratch/files/works.accession") == application/x-accession-catalog ]] \
        || fail "works.accession is $(type_of "$scratch/files/works.accession"), not application/x-accession-catalog"
    [[ $(type_of "$scratch/files/works.db") == application/vnd.sqlite3 ]] \
        || fail "works.db is $(type_of "$scratch/files/works.db"): the package should leave other SQLite files alone"
else
    echo "update-mime-database or gio not installed: MIME type not checked"
fi

# The manual pages render without warnings, and each of accession-cli's commands has its section.
for page in accession-cli accession; do
    file="$scratch/root/usr/share/man/man1/$page.1.gz"
    [[ -f "$file" ]] || continue
    warnings=$(MANWIDTH=100 man --warnings -l "$file" 2>&1 >"$scratch/$page.txt")
    [[ -z "$warnings" ]] || fail "man finds faults in $page.1: $warnings"
    grep -q "^NAME" "$scratch/$page.txt" && grep -q "^SYNOPSIS" "$scratch/$page.txt" || fail "$page.1 has no NAME or SYNOPSIS"
done
if [[ -f "$scratch/accession-cli.txt" ]]; then
    while read -r command; do
        grep -qE "^   $command\$" "$scratch/accession-cli.txt" || fail "accession-cli.1 has no section for the command $command"
    done < <("$scratch/root/usr/bin/accession-cli" --help | awk '/^Commands:/ { listed = 1; next } listed && NF { print $1 }')
fi

# --- lintian: errors fail; warnings are listed.
lintian --tag-display-limit 0 --display-info "$deb" >"$scratch/lintian.txt" 2>&1
cat "$scratch/lintian.txt"
if grep -q '^E: ' "$scratch/lintian.txt"; then
    fail "lintian reports errors ($(grep -c '^E: ' "$scratch/lintian.txt"))"
fi
echo "lintian: $(grep -c '^E: ' "$scratch/lintian.txt") errors, $(grep -c '^W: ' "$scratch/lintian.txt") warnings," \
     "$(grep -c '^I: ' "$scratch/lintian.txt") notes"

echo "checked in $((SECONDS - started)) s"
if ((failures > 0)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "package_deb: all checks passed"
