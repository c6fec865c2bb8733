#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds Debian's mawk 1.3.4 (the source package, Debian's patches
# applied, nothing of ours) with tools/mxcc, configured for the host
# x86_64-linux-musl; prints the built program's path. toybox 0.8.9 has no
# awk, and toybox's tests use one (Debian's is mawk). Rebuilds only when
# the C library, the system-call layer or this script changed.
#   tools/mawk.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
SRC="$(tools/debian-source.sh mawk 1.3.4.20200120-3.1 "$ROOT/target/mawk")"
BUILD="$ROOT/target/mawk/build"
LAYER="$ROOT/target/x86_64-unknown-none/release/libmxsys.a"
stamp_now="$(cat tools/mawk.sh tools/mxcc "$ROOT/target/sysroot/stamp" "$LAYER" | sha256sum | cut -d' ' -f1)"
if [[ -x "$BUILD/mawk" && "$(cat "$BUILD/stamp" 2>/dev/null)" == "$stamp_now" ]]; then
    echo "$BUILD/mawk"
    exit 0
fi
rm -rf "$BUILD"
cp -a "$SRC" "$BUILD"
cd "$BUILD"
(./configure --host=x86_64-linux-musl --build="$(gcc -dumpmachine)" CC="$ROOT/tools/mxcc" CFLAGS=-O2 \
    && make -j2 mawk) > "$BUILD.log" 2>&1 || { tail -30 "$BUILD.log" >&2; exit 1; }
nm mawk > "$BUILD.nm"
grep -q ' T __mx_syscall$' "$BUILD.nm" || { echo "mawk.sh: mawk does not have the system-call layer" >&2; exit 1; }
echo "$stamp_now" > stamp
echo "$BUILD/mawk"
