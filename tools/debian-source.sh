#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Fetches one of Debian's source packages with apt-get source, unpacked
# with Debian's patches applied, into DEST/PACKAGE-UPSTREAM (once).
#   tools/debian-source.sh PACKAGE VERSION DEST     prints the directory
# The deb-src list is derived from this machine's own apt configuration
# (the same URIs and suites) into target/apt, and apt-get reads only that
# (Dir::Etc::SourceList, SourceParts, State::Lists, Cache): the system's
# apt configuration is left alone and no mirror is named here.
set -euo pipefail
cd "$(dirname "$0")/.."
PKG="$1"
VERSION="$2"
DEST="$3"
UPSTREAM="${VERSION%-*}"
UPSTREAM="${UPSTREAM#*:}"
DIR="$DEST/$PKG-${UPSTREAM%+dfsg}"
if [[ -d "$DIR" ]]; then
    echo "$DIR"
    exit 0
fi
APT="$PWD/target/apt"
mkdir -p "$APT/sources.d" "$APT/lists/partial" "$APT/cache/archives/partial" "$DEST"
OPTS=(-o "Dir::Etc::SourceList=$APT/sources.d/derived.list" -o "Dir::Etc::SourceParts=$APT/sources.d"
      -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o "APT::Sandbox::User=root")
if [[ ! -f "$APT/sources.d/derived.list" ]] || ! ls "$APT"/lists/*Sources* > /dev/null 2>&1; then
    rm -f "$APT"/sources.d/*
    # deb822 files: the same entries as deb-src.
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        sed 's/^Types:.*$/Types: deb-src/' "$f" > "$APT/sources.d/$(basename "$f")"
    done
    # One-line files: deb lines as deb-src lines.
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f"
    done > "$APT/sources.d/derived.list"
    apt-get -qq "${OPTS[@]}" update
fi
if ! (cd "$DEST" && apt-get -qq "${OPTS[@]}" source "$PKG=$VERSION" > /dev/null); then
    # The archive may serve the upstream tarball (Debian's repack) but not
    # the packaging's: then the source is that tarball, without Debian's
    # patches, and this says so.
    orig="$(ls "$DEST/${PKG}_${UPSTREAM}".orig.tar.* 2>/dev/null | head -1)"
    [[ -n "$orig" ]] || { echo "debian-source: apt-get source $PKG=$VERSION failed" >&2; exit 1; }
    echo "debian-source: $PKG $VERSION: only $(basename "$orig") could be fetched; using it without Debian's patches" >&2
    mkdir -p "$DEST/unpack"
    tar -xf "$orig" -C "$DEST/unpack"
    mv "$DEST/unpack"/* "$DIR"
    rmdir "$DEST/unpack"
fi
# apt-get names the directory after the upstream version, without +dfsg.
found="$(ls -d "$DEST/$PKG"-*/ 2>/dev/null | head -1)"
[[ -n "$found" ]] || { echo "debian-source: apt-get source $PKG=$VERSION gave no directory" >&2; exit 1; }
[[ "${found%/}" == "$DIR" ]] || mv "${found%/}" "$DIR"
echo "$DIR"
